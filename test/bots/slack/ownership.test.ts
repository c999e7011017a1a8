/**
 * A job belongs to its workspace. An admin of another workspace — pressing in their own workspace, or as a
 * guest in a Slack Connect channel hosted by the job's workspace — gets "not found" from every button and
 * form, exactly as for an id that never existed: nothing starts, nothing is charged, no form opens with
 * the other workspace's prompt.
 */
import { describe, expect, it } from 'vitest';
import {
  blockAction,
  CHANNEL,
  commandBody,
  postForm,
  TEAM,
  USER,
  viewSubmission,
} from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const OTHER_TEAM = 'T2';
const ADMIN_OF_A = 'U500';
const ADMIN_OF_B = 'U900';
const GHOST = '00000000-0000-0000-0000-000000000000';

const t = useSlackApp({
  bfl: { generationMs: 20 },
  prepare: ({ slack }) => {
    slack.admins.add(ADMIN_OF_A);
    slack.admins.add(ADMIN_OF_B);
    slack.userTeams.set(ADMIN_OF_B, OTHER_TEAM);
  },
});

const flux = (text: string, user = USER) => postForm(t.port, commandBody(text, t.slack, { user_id: user }));
const replies = (user: string) => t.slack.ephemerals.filter((e) => e.user === user);
const nthReply = (user: string, n: number) =>
  until(() => replies(user)[n - 1], 5_000, `reply ${n} to ${user}`);
const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);

/** Where the press happens (`team.id`) and the presser's own workspace (`user.team_id`). */
function press(actionId: string, user: string, team: string, home: string) {
  const payload = blockAction(actionId, { user });
  payload.team.id = team;
  payload.user.team_id = home;
  return postForm(t.port, { payload: JSON.stringify(payload) });
}

/** A delivered job of workspace A, and one of A's waiting for its requester's confirmation. */
async function jobsOfWorkspaceA() {
  await flux('the secret fox of workspace A --model klein-4b');
  const result = await until(() => details()[0], 10_000, 'details');
  const delivered = JSON.stringify(result.blocks).match(/flux:reroll:([0-9a-f-]+)/)?.[1] as string;
  await flux('admin confirm $0.01', ADMIN_OF_A);
  await nthReply(ADMIN_OF_A, 1);
  await flux('the waiting fox of workspace A --model klein-4b');
  const card = await until(
    // Asked privately: the Confirm button is in the requester's own question, not in the channel.
    () => t.slack.ephemerals.find((m) => JSON.stringify(m.blocks).includes('flux:confirm:')),
    5_000,
    'confirm question',
  );
  const waiting = JSON.stringify(card.blocks).match(/flux:confirm:([0-9a-f-]+)/)?.[1] as string;
  expect((await t.app.jobs.get(waiting))?.state).toBe('awaiting_confirmation');
  return { delivered, waiting, result };
}

const ACTIONS = ['cancel', 'confirm', 'reroll', 'delete', 'remix', 'use-ref'] as const;

describe('a job belongs to its Slack workspace', () => {
  for (const [how, team] of [
    ['from their own workspace', OTHER_TEAM],
    ['as a guest in a channel shared by the job’s workspace', TEAM],
  ] as const) {
    it(`answers every button pressed by an admin of another workspace ${how} with "not found"`, async () => {
      const { delivered, waiting, result } = await jobsOfWorkspaceA();
      await press(`flux:cancel:${GHOST}`, ADMIN_OF_B, team, OTHER_TEAM);
      const notFound = (await nthReply(ADMIN_OF_B, 1)).text;
      expect(notFound).toContain('no longer known');
      const submitsBefore = t.bfl.counts.submits;
      const messagesBefore = t.slack.messages.size;

      let n = 1;
      for (const action of ACTIONS) {
        const jobId = action === 'cancel' || action === 'confirm' ? waiting : delivered;
        await press(`flux:${action}:${jobId}`, ADMIN_OF_B, team, OTHER_TEAM);
        expect((await nthReply(ADMIN_OF_B, ++n)).text, action).toBe(notFound);
      }

      expect(t.slack.views).toEqual([]);
      expect(t.bfl.counts.submits).toBe(submitsBefore);
      expect(t.slack.messages.size).toBe(messagesBefore);
      expect((await t.app.jobs.get(waiting))?.state).toBe('awaiting_confirmation');
      expect(result.deleted).toBe(false);
    });
  }

  it('refuses a Remix or reference form submitted from another workspace, without a job or a charge', async () => {
    const { delivered } = await jobsOfWorkspaceA();
    const submitsBefore = t.bfl.counts.submits;
    let n = 0;
    for (const form of ['remix', 'ref']) {
      const view = {
        callback_id: `flux:form:${form}:${delivered}`,
        private_metadata: JSON.stringify({ channelId: CHANNEL, teamId: OTHER_TEAM }),
      };
      const payload = viewSubmission(view, { prompt: 'stolen fox', model: 'klein-4b', seed: '' });
      payload.team.id = OTHER_TEAM;
      payload.user = { ...payload.user, id: ADMIN_OF_B, team_id: OTHER_TEAM };
      await postForm(t.port, { payload: JSON.stringify(payload) });
      expect((await nthReply(ADMIN_OF_B, ++n)).text, form).toContain('no longer known');
    }
    expect(t.bfl.counts.submits).toBe(submitsBefore);
    expect(details()).toHaveLength(1);
  });

  it('still lets an admin of the job’s own workspace delete it, and anyone there remix it', async () => {
    const { delivered, result } = await jobsOfWorkspaceA();
    await press(`flux:remix:${delivered}`, 'U321', TEAM, TEAM);
    const opened = await until(() => t.slack.views[0], 5_000, 'remix form');
    expect(JSON.stringify(opened.view)).toContain('the secret fox of workspace A');
    await press(`flux:delete:${delivered}`, ADMIN_OF_A, TEAM, TEAM);
    await until(() => result.deleted, 5_000, 'deleted');
  });
});
