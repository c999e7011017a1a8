/**
 * Discord, two ways in and one handler. `gateway` (default) keeps a WebSocket to Discord and needs no
 * public URL; `http` answers Discord's signed POSTs on /discord/interactions — no gateway, no shards, so
 * it scales out behind a load balancer.
 */
import type { ServerResponse } from 'node:http';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type REST, Routes } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import type { Config } from '../../config.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { FrontEnd, FrontEndDeps } from '../../front-end.ts';
import { readBody } from '../../http-server.ts';
import { createDiscordFactory } from './factory.ts';
import { createInteractionHandler } from './handler.ts';
import type { RawInteraction } from './payload.ts';
import { attachmentAccess } from './references.ts';
import { createDiscordRest } from './rest.ts';
import { publicKeyFromHex, verifyDiscordSignature } from './verify.ts';

export type DiscordConfig = NonNullable<Config['discord']>;

export function createDiscordBot(
  config: DiscordConfig,
  deps: FrontEndDeps & { now?: () => number },
): FrontEnd {
  const logger = deps.logger.child({ platform: 'discord' });
  const rest = createDiscordRest(config.apiBase, config.token, deps.dispatcher, deps.timeouts);
  const attachments = attachmentAccess(config.apiBase, deps);
  const factory = createDiscordFactory({
    rest,
    logger,
    attachments,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const handlerFor = (commands: Commands) =>
    createInteractionHandler({
      commands,
      rest,
      logger,
      claimOnce: deps.claimOnce,
      attachments,
      ...(deps.now ? { now: deps.now } : {}),
    });

  if (config.mode === 'http') {
    const key = publicKeyFromHex(config.publicKey as string);
    const now = deps.now ?? Date.now;
    const refuse = (res: ServerResponse, status: number, error: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    return {
      platform: 'discord',
      factory,
      serve(commands, http) {
        const handle = handlerFor(commands);
        http.route('POST', '/discord/interactions', async (req, res) => {
          const body = await readBody(req);
          const signature = req.headers['x-signature-ed25519'];
          const timestamp = req.headers['x-signature-timestamp'];
          if (
            typeof timestamp !== 'string' ||
            !isFresh(timestamp, now()) ||
            !(await verifyDiscordSignature(
              key,
              typeof signature === 'string' ? signature : undefined,
              timestamp,
              body,
            ))
          ) {
            refuse(res, 401, 'invalid request signature');
            return;
          }
          const raw = parseInteraction(body);
          if (!raw) {
            logger.warn({ bytes: body.length }, 'signed interaction is not an interaction object');
            refuse(res, 400, 'malformed interaction');
            return;
          }
          const handled = await handle(raw);
          // A replay is refused like a bad signature: the request was signed, but not for this second use.
          if (handled === 'replayed') {
            refuse(res, 401, 'interaction already handled');
            return;
          }
          // The first response goes back in this HTTP answer; the rest of the work continues over REST.
          // A known length goes out in one write (chunked encoding costs a writev per answer in a burst).
          const json = JSON.stringify(handled.response);
          res
            .writeHead(200, {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(json),
            })
            .end(json);
          void handled.continue();
        });
        return { start: () => checkToken(rest, logger), stop: async () => {} };
      },
    };
  }

  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.apiBase } });
  client.on(Events.Error, (err) => logger.error({ err }, 'gateway error'));
  return {
    platform: 'discord',
    factory,
    serve(commands) {
      const handle = handlerFor(commands);
      // The answer goes to the interaction's callback route; the work follows once Discord has it.
      const overGateway = async (raw: RawInteraction): Promise<void> => {
        const handled = await handle(raw);
        if (handled === 'replayed') return;
        await rest.post(Routes.interactionCallback(raw.id, raw.token), {
          body: handled.response,
          auth: false,
        });
        await handled.continue();
      };
      // Raw dispatches, not discord.js objects, so both modes feed the handler the same JSON.
      client.on(Events.Raw, (packet: { t?: string; d?: unknown }) => {
        if (packet.t !== 'INTERACTION_CREATE') return;
        const raw = packet.d as RawInteraction;
        overGateway(raw).catch((err: unknown) =>
          logger.error({ err, interaction: raw.id }, 'interaction could not be handled'),
        );
      });
      return {
        async start() {
          await client.login(config.token);
          logger.info({ user: client.user?.tag }, 'connected to the Discord gateway');
        },
        async stop() {
          await client.destroy();
        },
      };
    },
  };
}

/** How far a signed timestamp may be from our clock: further is a replay or a stale copy (401). */
const MAX_SKEW_MS = 5 * 60_000;

function isFresh(timestamp: string, now: number): boolean {
  return /^\d{1,12}$/.test(timestamp) && Math.abs(now - Number(timestamp) * 1000) <= MAX_SKEW_MS;
}

/** The signed body as an interaction, or undefined for JSON that is not one (`null`, `[]`, `"x"`). */
function parseInteraction(body: Buffer): RawInteraction | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Partial<RawInteraction>;
  return typeof raw.id === 'string' && typeof raw.type === 'number' ? (raw as RawInteraction) : undefined;
}

/**
 * HTTP mode has no login: without this, a wrong DISCORD_TOKEN would show only later, as threads that
 * are never made. It also opens the connection to Discord before the first member is waiting on it.
 */
async function checkToken(rest: REST, logger: Logger): Promise<void> {
  try {
    const me = (await rest.get(Routes.user('@me'))) as { username?: string };
    logger.info({ user: me.username }, 'Discord interactions served on POST /discord/interactions');
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status === 401)
      throw new FluxError('CONFIG_INVALID', 'DISCORD_TOKEN was refused by Discord (401 Unauthorized)');
    // Discord being briefly out of reach must not keep the bot from starting: interactions still arrive.
    logger.warn({ err }, 'could not reach Discord at start; carrying on');
  }
}
