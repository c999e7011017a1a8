import {
  createSlackContext,
  createSlackFactory,
  type SlackContextDeps,
  slackDelivery,
} from '../../../src/bots/slack/context.ts';
import { slackHostsFor } from '../../../src/bots/slack/files.ts';
import { createSlackApi } from '../../../src/bots/slack/web-api.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { type ContractHarness, describeContextContract } from '../../commands/context-contract.ts';
import { startFakeSlack } from '../../fakes/slack-server.ts';
import { CHANNEL, slackWebClient, TEAM, USER } from '../../support/slack.ts';

async function harness(threads = true): Promise<ContractHarness> {
  const slack = await startFakeSlack();
  const http = createHttp();
  const client = slackWebClient(slack);
  const deps: SlackContextDeps = {
    client,
    api: createSlackApi({
      apiUrl: slack.apiUrl,
      token: slack.botToken,
      dispatcher: http.dispatcher,
      timeoutMs: 5_000,
      retries: 0,
    }),
    files: {
      token: slack.botToken,
      hosts: slackHostsFor(slack.apiUrl),
      client,
      dispatcher: http.dispatcher,
    },
    dispatcher: http.dispatcher,
    logger: silentLogger(),
  };
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
      const uploads = [...slack.uploads.values()];
      return {
        privateTexts: [
          ...slack.ephemerals.map((e) => e.text),
          ...slack.responses.map((r) => String(r.body.text)),
        ],
        cardText: parents[0] ? `${parents[0].text} ${JSON.stringify(parents[0].blocks)}` : undefined,
        cardsCreated: parents.length,
        results: results.map((m) => ({
          fileSizes: uploads.filter((u) => u.completed && u.threadTs === m.threadTs).map((u) => u.received),
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
    async close() {
      await http.close();
      await slack.close();
    },
  };
}

describeContextContract('slack', () => harness());
