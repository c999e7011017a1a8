/**
 * Slack, two ways in and one set of listeners: Socket Mode when SLACK_APP_TOKEN is set (a home server
 * with no public URL), otherwise HTTP at POST /slack/events on the shared server, where our receiver
 * checks the signing secret and acks before bolt runs (receiver.ts).
 *
 * The card is posted before the job is created (commands/flux/submit.ts), so a channel the bot cannot
 * post in answers privately with `/invite @FLUX` and nothing is queued or charged.
 */
import { App } from '@slack/bolt';
import type { Commands } from '../../commands/commands.ts';
import type { Actor, CommandContext } from '../../commands/context.ts';
import { bugText, errorText } from '../../commands/flux/messages.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import type { Config } from '../../config.ts';
import { FluxError } from '../../core/errors.ts';
import type { FrontEnd, FrontEndDeps } from '../../front-end.ts';
import { createBurstGate } from '../burst-gate.ts';
import { createAdminLookup, createLocaleLookup, createMemberLookup } from './admins.ts';
import { createSlackContext, createSlackFactory, type SlackContextDeps } from './context.ts';
import { slackDelivery } from './delivery.ts';
import { slackHostsFor } from './files.ts';
import { registerActions } from './listeners/actions.ts';
import { registerCommands } from './listeners/commands.ts';
import { registerFormActions } from './listeners/form-actions.ts';
import { acksEmptyAtOnce } from './listeners/quick-ack.ts';
import { registerRetryGuard } from './listeners/retries.ts';
import { registerShortcuts } from './listeners/shortcuts.ts';
import type { ListenerDeps, Where } from './listeners/types.ts';
import { registerViews } from './listeners/views.ts';
import { slackLogger } from './logger.ts';
import { createSlackReceiver } from './receiver.ts';
import { createSlackApi } from './web-api.ts';

/** The longest a burst holds back the work of requests already acked. */
const MAX_HOLD_MS = 250;
/** A burst is over when no request came for this long (gaps between a burst's requests are a few ms). */
const QUIET_MS = 10;

export type SlackConfig = NonNullable<Config['slack']>;

export interface SlackBotOptions {
  /** Web API retries; tests set 0 so an error does not retry for minutes. */
  retries?: number;
  now?: () => number;
}

export function createSlackBot(config: SlackConfig, deps: FrontEndDeps & SlackBotOptions): FrontEnd {
  const logger = deps.logger.child({ platform: 'slack' });
  const boltLogger = slackLogger(logger);
  const clientOptions = {
    slackApiUrl: config.apiUrl,
    retryConfig: { retries: deps.retries ?? 5 },
    // A Web API call that never answers must not hold a delivery for ever.
    timeout: deps.timeouts.apiMs,
  };
  // In a burst, every request is acked before anyone's work (bolt, cards, jobs) takes the event loop.
  const gate = createBurstGate(MAX_HOLD_MS, QUIET_MS);
  const receiver = config.appToken
    ? undefined
    : createSlackReceiver({
        signingSecret: config.signingSecret as string,
        logger,
        gate,
        acksAtOnce: acksEmptyAtOnce,
      });
  const app = new App({
    token: config.botToken,
    ...(receiver ? { receiver } : { appToken: config.appToken as string, socketMode: true }),
    clientOptions,
    logger: boltLogger,
    deferInitialization: true,
    // Unused, and its default store builds an Error (a stack trace) for every request before the ack.
    convoStore: false,
  });

  const contextDeps: SlackContextDeps = {
    client: app.client,
    api: createSlackApi({
      apiUrl: config.apiUrl,
      token: config.botToken,
      dispatcher: deps.dispatcher,
      timeoutMs: deps.timeouts.apiMs,
      retries: clientOptions.retryConfig.retries,
    }),
    files: {
      token: config.botToken,
      hosts: slackHostsFor(config.apiUrl),
      client: app.client,
      dispatcher: deps.dispatcher,
    },
    dispatcher: deps.dispatcher,
    logger,
    uploadTimeoutMs: deps.timeouts.uploadMs,
    pace: () => gate.answered(),
    ...(deps.now ? { now: deps.now } : {}),
  };
  const members = createMemberLookup(app.client);
  const isAdmin = createAdminLookup(app.client, logger, Date.now, members);
  const localeOf = createLocaleLookup(members, logger);

  const listenerDeps = (commands: Commands): ListenerDeps => ({
    commands,
    logger,
    async contextFor(where: Where, admin = false): Promise<CommandContext> {
      // Every listener acks, then asks for its context: the work from here on lets a burst be acked first.
      if (!receiver) await gate.answered();
      // One users.info (cached) says both; the language is asked for every payload, before the first answer.
      const [workspaceAdmin, locale] = await Promise.all([
        admin ? isAdmin(where.userId, where.teamId) : false,
        localeOf(where.userId),
      ]);
      const actor: Actor = {
        id: where.userId,
        name: where.userName ?? where.userId,
        isAdmin: workspaceAdmin,
        canConfigure: workspaceAdmin || config.adminUsers.includes(where.userId),
        ...(where.userTeamId ? { workspaceId: where.userTeamId } : {}),
        ...(locale ? { locale } : {}),
      };
      return createSlackContext(
        contextDeps,
        slackDelivery(where, (deps.now ?? Date.now)()),
        actor,
        where.triggerId,
      );
    },
    async boundary(ctx, work) {
      try {
        await work();
      } catch (err) {
        const e = err instanceof FluxError ? err : undefined;
        logger.error({ err, code: e?.code }, 'slack request failed');
        await ctx
          .replyPrivate(
            e ? errorText(e, pickLocale(ctx.actor.locale)) : bugText(pickLocale(ctx.actor.locale)),
          )
          .catch(() => undefined);
      }
    },
  });

  return {
    platform: 'slack',
    factory: createSlackFactory(contextDeps),
    serve(commands, http) {
      if (receiver) http.route('POST', '/slack/events', receiver.handle);
      // Over HTTP the receiver counts arrivals and holds bolt until the gate opens; Socket Mode does it here.
      else
        app.use(async ({ next }) => {
          gate.arrived();
          await next();
        });
      const listeners = listenerDeps(commands);
      registerRetryGuard(app, { claimOnce: deps.claimOnce, logger, now: deps.now ?? Date.now });
      registerCommands(app, listeners);
      registerActions(app, listeners);
      registerViews(app, listeners);
      registerFormActions(app, listeners);
      registerShortcuts(app, listeners);
      app.error(async (err) => {
        logger.error({ err }, 'bolt error');
      });
      return {
        async start() {
          await app.init();
          if (config.appToken) await app.start();
          logger.info({ mode: config.appToken ? 'socket' : 'http' }, 'Slack ready');
        },
        async stop() {
          if (config.appToken) await app.stop();
        },
      };
    },
  };
}
