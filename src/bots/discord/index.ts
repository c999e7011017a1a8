/**
 * Discord, two ways in and one handler. `gateway` (default) keeps a WebSocket to Discord and needs no
 * public URL; `http` answers Discord's signed POSTs on /discord/interactions — no gateway, no shards, so
 * it scales out behind a load balancer.
 */
import { Client, Events, GatewayIntentBits, Routes } from 'discord.js';
import type { FrontEnd, FrontEndDeps } from '../../app.ts';
import type { Config } from '../../config.ts';
import { readBody } from '../../http-server.ts';
import { createDiscordFactory } from './context.ts';
import { createInteractionHandler } from './handler.ts';
import type { RawInteraction } from './payload.ts';
import { createDiscordRest } from './rest.ts';
import { publicKeyFromHex, verifyDiscordSignature } from './verify.ts';

export type DiscordConfig = NonNullable<Config['discord']>;

export function createDiscordBot(
  config: DiscordConfig,
  deps: FrontEndDeps & { now?: () => number },
): FrontEnd & { client?: Client } {
  const logger = deps.logger.child({ platform: 'discord' });
  const rest = createDiscordRest(config.apiBase, config.token, deps.dispatcher);
  const handle = createInteractionHandler({
    flux: deps.flux,
    rest,
    logger,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const factory = createDiscordFactory({ rest, logger, ...(deps.now ? { now: deps.now } : {}) });

  if (config.mode === 'http') {
    const key = publicKeyFromHex(config.publicKey as string);
    deps.http.route('POST', '/discord/interactions', async (req, res) => {
      const body = await readBody(req);
      const signature = req.headers['x-signature-ed25519'];
      const timestamp = req.headers['x-signature-timestamp'];
      if (
        !verifyDiscordSignature(
          key,
          typeof signature === 'string' ? signature : undefined,
          typeof timestamp === 'string' ? timestamp : undefined,
          body,
        )
      ) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":"invalid request signature"}');
        return;
      }
      let raw: RawInteraction;
      try {
        raw = JSON.parse(body.toString('utf8')) as RawInteraction;
      } catch {
        res.writeHead(400).end();
        return;
      }
      // The first response goes back in this HTTP answer; the rest of the work continues over REST.
      let answered!: () => void;
      const responded = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const work = handle(raw, async (payload) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        answered();
      });
      await Promise.race([responded, work]);
      if (!res.headersSent) res.writeHead(500).end();
    });
    return { platform: 'discord', factory, start: async () => {}, stop: async () => {} };
  }

  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.apiBase } });
  // Raw dispatches, not discord.js objects, so both modes feed the handler the same JSON.
  client.on(Events.Raw, (packet: { t?: string; d?: unknown }) => {
    if (packet.t !== 'INTERACTION_CREATE') return;
    const raw = packet.d as RawInteraction;
    void handle(raw, async (payload) => {
      await rest.post(Routes.interactionCallback(raw.id, raw.token), { body: payload, auth: false });
    });
  });
  client.on(Events.Error, (err) => logger.error({ err }, 'gateway error'));
  return {
    platform: 'discord',
    factory,
    client,
    async start() {
      await client.login(config.token);
      logger.info({ user: client.user?.tag }, 'connected to the Discord gateway');
    },
    async stop() {
      await client.destroy();
    },
  };
}
