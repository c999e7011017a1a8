/**
 * `npm run discord:register`: PUTs the whole command list, globally or to DISCORD_GUILD_ID (instant,
 * for testing). Registration is a deploy step, never done at start-up.
 */
import { ConfigError, formatProblems, loadConfig, loadDotEnv } from '../../config.ts';
import { registerCommands } from './commands.ts';

async function main(): Promise<void> {
  loadDotEnv('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, 'register');
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(formatProblems(err));
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const discord = config.discord;
  if (!discord) return;
  const { names } = await registerCommands(discord);
  const where = discord.guildId
    ? `guild ${discord.guildId}`
    : 'all servers (global; may take up to an hour to appear)';
  process.stdout.write(`Registered ${names.length} commands for ${where}: ${names.join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`registration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
