/**
 * `npm start`: read .env, check the configuration (listing every problem, no stack trace), start the
 * configured bots and the HTTP server, resume what a previous run left in flight, stop gracefully.
 */
import { createApp } from './app.ts';
import { createDiscordBot } from './bots/discord/index.ts';
import { createSlackBot } from './bots/slack/index.ts';
import { configFromEnvironment } from './config.ts';
import { createLogger } from './core/logger.ts';
import type { MakeFrontEnd } from './front-end.ts';
import { unsupportedNode } from './node-support.ts';

async function main(): Promise<void> {
  const config = configFromEnvironment('bot');
  if (!config) process.exit(78);
  const logger = createLogger({ level: config.logLevel });
  const frontEnds: MakeFrontEnd[] = [];
  const discord = config.discord;
  if (discord) frontEnds.push((deps) => createDiscordBot(discord, deps));
  const slack = config.slack;
  if (slack) frontEnds.push((deps) => createSlackBot(slack, deps));
  const app = await createApp({ config, logger, frontEnds });
  const { port } = await app.start();
  const worker = config.role === 'worker';
  logger.info(
    {
      port,
      provider: config.provider,
      role: config.role,
      // A worker serves no front end: it delivers through the platforms' APIs only.
      discord: config.discord ? (worker ? 'api only' : config.discord.mode) : 'off',
      slack: config.slack ? (worker ? 'api only' : config.slack.appToken ? 'socket' : 'http') : 'off',
    },
    'flux-bot started',
  );
  const unsupported = unsupportedNode(process.versions.node);
  if (unsupported) logger.warn({ node: process.versions.node }, unsupported);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, graceMs: config.stopGraceMs },
      'draining: not ready, new commands stored for the next start, deliveries under way finishing',
    );
    // Deliveries get the grace period; closing the bots and the server takes a moment more. Past that
    // something hangs: exit anyway, since submitted images are resumed by the next start.
    const force = setTimeout(() => {
      logger.error('stop took longer than the grace period; exiting');
      process.exit(1);
    }, config.stopGraceMs + 5_000);
    force.unref();
    app.stop(config.stopGraceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`flux-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
