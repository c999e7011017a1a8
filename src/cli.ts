/**
 * `npm run flux -- "<prompt>" [--model max] [--size 16:9] … [--ref <path|url>]… [--out fox.png]`
 * `npm run flux -- --credits`: the provider account's balance.
 * The bots' grammar and core on the command line, so an admin can try a key and see the cost.
 * Exit codes: 0 done, 1 the generation failed, 2 bad options or configuration.
 */
import { extname, join } from 'node:path';
import pino from 'pino';
import { createApp } from './app.ts';
import { createCliContext } from './bots/cli/context.ts';
import { createCliFrontEnd } from './bots/cli/front-end.ts';
import { helpText } from './commands/flux/help.ts';
import { errorText } from './commands/flux/messages.ts';
import { parseFluxArgs } from './commands/flux/parse.ts';
import { formatMoney } from './commands/i18n/format.ts';
import { configFromEnvironment } from './config.ts';
import { toFluxError, ValidationError } from './core/errors.ts';
import { createLogger } from './core/logger.ts';
import { createCatalog } from './core/models.ts';
import { MICROS_PER_CREDIT } from './core/pricing.ts';
import { createHttp } from './core/providers/http.ts';
import { createProvider } from './provider-from-config.ts';

const output = { write: (line: string) => void process.stderr.write(line) };

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    output.write(
      `${helpText()
        .replace(/[`*]/g, '')
        .replace(
          /\/flux/g,
          'npm run flux --',
        )}\n  --out <file>  where to write the image\n  --credits     print the provider account's balance and exit\n`,
    );
    return argv.length === 0 ? 2 : 0;
  }
  if (argv.includes('--credits')) return printCredits();
  let out: string | undefined;
  let parsed: ReturnType<typeof parseFluxArgs>;
  try {
    const taken = takeOut(argv);
    out = taken.out;
    parsed = parseFluxArgs(taken.args);
  } catch (err) {
    if (err instanceof ValidationError) {
      output.write(`${errorText(err).replace(/`/g, '')}\n`);
      return 2;
    }
    throw err;
  }
  const implied = out ? formatFromName(out) : undefined;
  if (implied && !parsed.input.format) parsed.input.format = implied;

  const config = configFromEnvironment('cli');
  if (!config) return 2;
  // The card lines already tell the story; logs only for real trouble unless LOG_LEVEL asks for more.
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'error' : config.logLevel,
    destination: pino.destination(2),
  });
  // Its own database: a CLI run must never pick up (and resume) the bot's jobs.
  const cli = createCliFrontEnd(output);
  const app = await createApp({
    config,
    logger,
    frontEnds: [cli.make],
    listen: false,
    dbPath: join(config.dataDir, 'cli.db'),
  });
  await app.start();
  try {
    const ctx = createCliContext(out ? { out, output } : { output });
    const job = await app.commands.run('flux', ctx, { input: parsed.input, refs: parsed.refs });
    if (!job) return 2;
    const done = await cli.settled(job.id);
    return done.state === 'delivered' ? 0 : 1;
  } finally {
    await app.stop();
  }
}

/** The provider's balance on stdout (exit 0), or why it cannot be read (exit 1). The key is never printed. */
async function printCredits(): Promise<number> {
  const config = configFromEnvironment('cli');
  if (!config) return 2;
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'error' : config.logLevel,
    destination: pino.destination(2),
  });
  const http = createHttp();
  try {
    const provider = createProvider(config, createCatalog(config.modelPaths), http, logger);
    if (!provider.credits) {
      process.stdout.write('Provider balance: not reported by the image gateway\n');
      return 0;
    }
    const micros = await provider.credits().catch((err: unknown) => toFluxError(err));
    if (typeof micros !== 'number') {
      // The error's message is written for logs and never holds the key.
      const why = micros === undefined ? 'the answer had no figure' : micros.message;
      output.write(`Provider balance unavailable: ${why}\n`);
      return 1;
    }
    process.stdout.write(
      `Provider balance: ${formatMoney(micros, 'en')} (${micros / MICROS_PER_CREDIT} credits)\n`,
    );
    return 0;
  } finally {
    await http.close();
  }
}

/** `--out <file>`: a missing or empty name is an error, never "write nothing" after paying for it. */
function takeOut(argv: string[]): { args: string[]; out?: string } {
  const args: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let value: string | undefined;
    if (a === '--out' || a === '-o') {
      const next = argv[i + 1];
      // `--out --model max` would otherwise write to a file named "--model" and eat the flag.
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    } else if (a.startsWith('--out=')) value = a.slice('--out='.length);
    else {
      args.push(a);
      continue;
    }
    if (!value?.trim())
      throw new ValidationError(
        'INVALID_OPTION',
        a.startsWith('--out') ? '--out' : a,
        OUT_ALLOWED,
        'nothing',
      );
    out = value;
  }
  return out ? { args, out } : { args };
}

const OUT_ALLOWED = 'a file name to write the image to, such as fox.png';

function formatFromName(path: string): string | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.png'
    ? 'png'
    : ext === '.webp'
      ? 'webp'
      : ext === '.jpg' || ext === '.jpeg'
        ? 'jpeg'
        : undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    output.write(`flux: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
