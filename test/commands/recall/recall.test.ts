/**
 * Recall through the command table, over the real jobs service and SQLite store: `/flux show <id>` says
 * everything about a job and how to make it again, `/flux history` lists a member's recent jobs; a
 * member sees their own, an admin their server's, and nobody another server's.
 */

import { describe, expect, it } from 'vitest';
import type { Commands } from '../../../src/commands/commands.ts';
import { parseFluxText } from '../../../src/commands/flux/parse.ts';
import { withRecall } from '../../../src/commands/flux/result-extras.ts';
import { reproduceCommand } from '../../../src/commands/recall/reproduce.ts';
import type { JobView } from '../../../src/core/job-types.ts';
import { validateRequest } from '../../../src/core/request.ts';
import { useCommands } from '../../support/commands-harness.ts';
import { catalog, request } from '../../support/core.ts';
import { createFakeContext, type FakeContext, type FakeContextOptions } from '../../support/fake-context.ts';

const commandsWith = useCommands();
const setup = () => commandsWith({ platforms: ['slack', 'discord'] });

const who = (id: string, over: FakeContextOptions = {}, actor = {}) =>
  createFakeContext({ ...over, actor: { id, name: id, ...actor } });
const said = (ctx: FakeContext) => ctx.replies.map((r) => r.text).join('\n---\n');

/** A job Ana made, with every option written out. */
async function anasJob(commands: Commands, over: FakeContextOptions = {}): Promise<JobView> {
  const job = await commands.run('flux', who('U_ANA', over), {
    text: 'a red fox in the snow --model flex --steps 20 --seed 42 --count 2 --no-upsample --size 1360x768',
  });
  if (!job) throw new Error('no job');
  return job;
}

describe('/flux show <id>', () => {
  it('tells the requester everything about the job, privately, and how to make it again', async () => {
    const { commands } = await setup();
    const job = await anasJob(commands);
    const ana = who('U_ANA');
    await commands.run('flux-show', ana, { text: `#${job.id.slice(0, 8)}` });
    expect(ana.replies).toHaveLength(1);
    expect(ana.cards).toEqual([]);
    const text = said(ana);
    expect(text.split('\n')[0]).toMatch(
      new RegExp(`^\\*\\*Job #${job.id.slice(0, 8)}\\*\\* · (Queued|Generating)$`),
    );
    expect(text).toContain('Prompt: `a red fox in the snow`');
    expect(text).toContain('Model: FLUX.2 [flex] · Size: 1360×768 · 1.04 MP · Seeds: `42, 43` · Images: 2');
    expect(text).toContain(
      'Options: steps 20 · guidance 4.5 · safety 2 · format jpeg · prompt upsampling off',
    );
    expect(text).toContain('Estimated cost: ~$0.20');
    expect(text).not.toContain('Asked by');
    const command =
      '/flux a red fox in the snow --model flex --size 1360x768 --seed 42 --count 2 --steps 20 --guidance 4.5 --safety 2 --format jpeg --no-upsample';
    expect(text).toContain(`To make it again: \`${command}\``);
  });

  it('writes the command in Discord’s syntax on Discord', async () => {
    const { commands } = await setup();
    const at = { platform: 'discord' as const, workspaceId: 'G1' };
    const job = await anasJob(commands, at);
    const ana = who('U_ANA', at);
    await commands.run('flux-show', ana, { text: job.id.slice(0, 8) });
    expect(said(ana)).toContain(
      'To make it again: `/flux prompt:a red fox in the snow model:flex size:1360x768 seed:42 count:2 steps:20 guidance:4.5 safety:2 format:jpeg upsample:False`',
    );
  });

  it('finds a job for its server’s admin, saying who asked; never for another member or another server', async () => {
    const { commands } = await setup();
    const job = await anasJob(commands);
    const id = job.id.slice(0, 8);
    const admin = who('U_ADA', {}, { isAdmin: true });
    await commands.run('flux-show', admin, { text: id });
    expect(said(admin)).toContain('a red fox in the snow');
    expect(said(admin)).toContain('Asked by: <@U_ANA>');

    const bob = who('U_BOB');
    const elsewhere = who('U_ADA', { workspaceId: 'T2' }, { isAdmin: true });
    const discord = who('U_ANA', { platform: 'discord' });
    for (const ctx of [bob, elsewhere]) {
      await commands.run('flux-show', ctx, { text: id });
      expect(said(ctx)).toBe(
        `No job \`#${id}\` that you can see here. \`/flux history\` lists your recent jobs.`,
      );
    }
    await commands.run('flux-show', discord, { text: id });
    expect(said(discord)).toBe(
      `No job \`#${id}\` that you can see here. \`/flux-history\` lists your recent jobs.`,
    );
    // A Slack Connect guest who is an admin of their own workspace is a member here.
    const guest = who('U_GUEST', {}, { isAdmin: true, workspaceId: 'T_HOME' });
    await commands.run('flux-show', guest, { text: id });
    expect(said(guest)).not.toContain('a red fox');
  });

  it('refuses a prefix that fits two jobs, and finds each by a longer one', async () => {
    const { h, commands } = await setup();
    const row = (id: string) => ({
      id,
      state: 'delivered' as const,
      request: request({ prompt: `job ${id}`, model: 'klein-4b' }),
      origin: { platform: 'slack' as const, userId: 'U_ANA', workspaceId: 'T1', channelId: 'C1' },
      delivery: { resultLink: 'https://slack.example/archives/C1/p1' },
      estimateMicros: 14_000,
      costMicros: 14_000,
      createdAt: Date.now(),
    });
    h.store.insertJob(row('abcd1234-0000-4000-8000-000000000001'), []);
    h.store.insertJob(row('abcd1299-0000-4000-8000-000000000002'), []);
    const ana = who('U_ANA');
    await commands.run('flux-show', ana, { text: '#abcd12' });
    expect(said(ana)).toBe('`#abcd12` matches more than one job: type more of its id.');
    const again = who('U_ANA');
    await commands.run('flux-show', again, { text: '#ABCD1299' });
    expect(said(again)).toContain('**Job #abcd1299** · Delivered');
    expect(said(again)).toContain('Cost: $0.014');
    expect(said(again)).toContain('Result: https://slack.example/archives/C1/p1');
  });

  it('says what an id looks like when given something else', async () => {
    const { commands } = await setup();
    const ana = who('U_ANA');
    await commands.run('flux-show', ana, { text: 'me a fox' });
    expect(said(ana)).toBe(
      '`me a fox` is not a job id. Every result shows its id, like `#ab12cd34`; `/flux history` lists yours.',
    );
  });

  it('gives back a command that the grammar reads as the very same request', () => {
    for (const prompt of [
      'a fox --model max in the snow',
      'usage of colour',
      '"quoted" fox',
      '“curly” — fox',
    ]) {
      const original = request({
        prompt,
        model: 'pro',
        size: '1248x832',
        seed: 7,
        count: 3,
        upsample: false,
      });
      const text = reproduceCommand(original, 'slack').replace(/^\/flux /, '');
      expect(validateRequest(parseFluxText(text).input, catalog), prompt).toEqual(original);
    }
  });
});

describe('/flux history', () => {
  it('lists the member’s own recent jobs here, newest first, with ids, state and cost', async () => {
    const { commands } = await setup();
    const mine: JobView[] = [];
    for (const prompt of ['first fox', 'second fox', 'third fox']) {
      const job = await commands.run('flux', who('U_ANA'), { text: `${prompt} --model klein-4b` });
      if (job) mine.push(job);
      await new Promise((r) => setTimeout(r, 5));
    }
    await commands.run('flux', who('U_BOB'), { text: 'bob’s owl --model klein-4b' });
    await commands.run('flux', who('U_ANA', { workspaceId: 'T2' }), { text: 'elsewhere --model klein-4b' });
    const ana = who('U_ANA');
    await commands.run('flux-history', ana, {});
    const lines = said(ana).split('\n');
    expect(lines[0]).toBe('**Your last 3 jobs here**');
    expect(lines.slice(1, 4).map((l) => /`#([0-9a-f]{8})`/.exec(l)?.[1])).toEqual(
      mine.reverse().map((j) => j.id.slice(0, 8)),
    );
    expect(lines[1]).toMatch(/^• `#[0-9a-f]{8}` · (Queued|Generating) · ~\$0\.015 · .+ UTC · `third fox`$/);
    expect(said(ana)).not.toMatch(/owl|elsewhere/);
    expect(lines.at(-1)).toBe('Everything about one of them: `/flux show <id>`');
  });

  it('says so when there is nothing yet, in the member’s language', async () => {
    const { commands } = await setup();
    const carol = who('U_CAROL', { platform: 'discord' }, { locale: 'zh-TW' });
    await commands.run('flux-history', carol, {});
    expect(said(carol)).toBe('你在這裡還沒有產生過圖片。用 `/flux` 開始吧。');
  });
});

describe('a result', () => {
  it('carries its short job id', () => {
    const job = {
      id: 'ab12cd34-0000-4000-8000-000000000000',
      request: request({ prompt: 'a fox' }),
      delivery: {},
    } as JobView;
    const post = withRecall(
      { jobId: job.id, images: [], fields: [], notes: [], buttons: [] },
      job,
      catalog,
      'en',
    );
    expect(post.fields).toEqual([{ label: 'Job', value: '#ab12cd34', code: true }]);
    expect(post.buttons).toEqual([]);
    expect(withRecall(post, job, catalog, 'zh-Hans').fields.at(-1)?.label).toBe('任务');
  });
});
