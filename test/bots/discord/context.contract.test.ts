import { createDiscordContext, type DiscordDelivery } from '../../../src/bots/discord/context.ts';
import { createDiscordFactory } from '../../../src/bots/discord/factory.ts';
import { attachmentAccess } from '../../../src/bots/discord/references.ts';
import { createDiscordRest } from '../../../src/bots/discord/rest.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { type ContractHarness, describeContextContract } from '../../commands/context-contract.ts';
import { startFakeDiscord } from '../../fakes/discord-server.ts';
import { APP_ID, CHANNEL, GUILD } from '../../support/discord.ts';

async function harness(denyThreads = false): Promise<ContractHarness> {
  const discord = await startFakeDiscord();
  discord.denyThreads = denyThreads;
  const http = createHttp();
  const rest = createDiscordRest(discord.api, discord.token, http.dispatcher);
  const token = `itok-${discord.snowflake()}`;
  discord.bindToken(token, CHANNEL);
  const delivery: DiscordDelivery = {
    appId: APP_ID,
    channelId: CHANNEL,
    guildId: GUILD,
    token,
    tokenExpiresAt: Date.now() + 600_000,
    original: 'deferred',
    uploadLimit: 10 * 1024 * 1024,
  };
  const responses: Array<{
    type: number;
    data?: {
      custom_id: string;
      title: string;
      components: Array<{ components: Array<{ custom_id: string; value?: string }> }>;
    };
  }> = [];
  const deps = { rest, logger: silentLogger(), attachments: attachmentAccess(discord.api, http) };
  const ctx = createDiscordContext(
    deps,
    delivery,
    { id: '400000000000000001', name: 'Ana', isAdmin: false },
    // Every form or private text is taken as a first response, as while an interaction is unanswered.
    { take: (body) => responses.push(body as (typeof responses)[number]) > 0 },
  );
  const h: ContractHarness = {
    ctx,
    factory: createDiscordFactory(deps),
    async observe() {
      const all = [...discord.messages.values()];
      const results = all.filter((m) => m.attachments.length > 0);
      const card = discord.originalOf(token);
      return {
        // An ephemeral follow-up, or an ephemeral first response (type 4, flags 64) of the interaction.
        privateTexts: [
          ...all.filter((m) => m.flags & 64).map((m) => m.content),
          ...responses
            .filter((r) => r.type === 4 && (r.data as { flags?: number } | undefined)?.flags === 64)
            .map((r) => String((r.data as { content?: string }).content)),
        ],
        cardText: card ? `${card.content} ${JSON.stringify(card.embeds)}` : undefined,
        cardsCreated: all.filter((m) => !m.attachments.length && !(m.flags & 64) && !m.deleted).length,
        results: results.map((m) => {
          const thread = discord.threads.get(m.channelId);
          return {
            fileSizes: m.attachments.map((a) => a.size),
            text: `${m.content} ${JSON.stringify(m.embeds)} ${m.components.flatMap((r) => r.components.map((c) => c.label)).join(' ')}`,
            inThread: Boolean(thread),
            ...(thread ? { threadName: thread.name } : {}),
          };
        }),
        deletedResults: results.filter((m) => m.deleted).length,
        forms: responses
          .filter((r) => r.type === 9 && r.data)
          .map((r) => ({
            id: (r.data?.custom_id ?? '').replace(/^flux:form:/, ''),
            title: r.data?.title ?? '',
            fields: Object.fromEntries(
              (r.data?.components ?? []).map((row) => [
                row.components[0]?.custom_id ?? '',
                row.components[0]?.value,
              ]),
            ),
          })),
      };
    },
    withoutThreads: () => harness(true),
    async close() {
      await http.close();
      await discord.close();
    },
  };
  return h;
}

describeContextContract('discord', () => harness());
