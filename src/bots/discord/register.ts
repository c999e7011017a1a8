/**
 * `npm run discord:register`: PUTs the whole command list, globally or to DISCORD_GUILD_ID (instant,
 * for testing). Registration is a deploy step, never done at start-up.
 */
import { configFromEnvironment } from '../../config.ts';
import { registerCommands } from './commands.ts';

async function main(): Promise<void> {
  const discord = configFromEnvironment('register')?.discord;
  if (!discord) {
    process.exitCode = 2;
    return;
  }
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
