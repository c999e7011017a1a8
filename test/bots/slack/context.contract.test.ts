import { createSlackContext, createSlackFactory } from '../../../src/bots/slack/context.ts';
import { slackDelivery } from '../../../src/bots/slack/delivery.ts';
import { type ContractHarness, describeContextContract } from '../../commands/context-contract.ts';
import { CHANNEL, startSlackContextDeps, TEAM, USER } from '../../support/slack.ts';

async function harness(threads = true): Promise<ContractHarness> {
  const { slack, deps, close } = await startSlackContextDeps();
  // Started inside an existing thread (a shortcut on a reply), the card cannot have a thread of its own.
  const where = {
    teamId: TEAM,
    channelId: CHANNEL,
    userId: USER,
    responseUrl: slack.responseUrl(),
    ...(threads ? {} : { threadTs: '1.000009' }),
  };
  const ctx = createSlackContext(
    deps,
    slackDelivery(where, Date.now()),
    { id: USER, name: 'ana', isAdmin: false },
    'trigger-1',
  );
  return {
    ctx,
    factory: createSlackFactory(deps),
    async observe() {
      const all = [...slack.messages.values()];
      const parents = all.filter((m) => !m.blocks.some((b) => JSON.stringify(b).includes('Prompt*')));
      const results = all.filter((m) =>
        m.blocks.some((b) => JSON.stringify(b).includes('flux:reroll') || JSON.stringify(b).includes('Cost')),
      );
      return {
        privateTexts: [
          ...slack.ephemerals.map((e) => e.text),
          ...slack.responses.map((r) => String(r.body.text)),
        ],
        cardText: parents[0] ? `${parents[0].text} ${JSON.stringify(parents[0].blocks)}` : undefined,
        cardsCreated: parents.length,
        results: results.map((m) => ({
          // The files the share attached to this very message (the images and details are one message).
          fileSizes: (m.files ?? []).map((id) => slack.uploads.get(id)?.received ?? -1),
          text: `${m.text} ${JSON.stringify(m.blocks)}`.replace(/"text":"(Reroll|Delete)"/g, ' $1 '),
          // In a thread of the card itself (not merely in the thread the command came from).
          inThread: parents.some((p) => p.ts === m.threadTs),
          ...(m.threadTs ? { threadName: String(parents.find((p) => p.ts === m.threadTs)?.text ?? '') } : {}),
        })),
        deletedResults: results.filter((m) => m.deleted).length,
        forms: slack.views.map((v) => {
          const view = v.view as {
            callback_id: string;
            title: { text: string };
            blocks: Array<{
              block_id: string;
              element: { initial_value?: string; initial_option?: { value: string } };
            }>;
          };
          return {
            id: view.callback_id.replace(/^flux:form:/, ''),
            title: view.title.text,
            fields: Object.fromEntries(
              view.blocks.map((b) => [
                b.block_id,
                b.element.initial_value ?? b.element.initial_option?.value,
              ]),
            ),
          };
        }),
      };
    },
    withoutThreads: () => harness(false),
    close,
  };
}

describeContextContract('slack', () => harness());
