/**
 * Parsers for the configuration values that are more than one word: model maps and price overrides.
 * They read nothing from the environment themselves (config.ts does), and report problems into a list.
 */
import { z } from 'zod';
import type { Config } from './config-shape.ts';
import { FluxError } from './core/errors.ts';
import { isModelId, MODEL_IDS, type ModelId } from './core/models.ts';
import { DEFAULT_PRICES, type PriceTable, usdToMicros } from './core/pricing.ts';

export interface Problem {
  name: string;
  problem: string;
  example: string;
}

export function defaultGatewayNames(): Record<ModelId, string> {
  return {
    pro: 'flux.2-pro',
    max: 'flux.2-max',
    flex: 'flux.2-flex',
    'klein-4b': 'flux.2-klein-4b',
    'klein-9b': 'flux.2-klein-9b',
  };
}

/** `pro=flux-2-pro-preview,klein-9b=flux-2-klein-9b-preview` */
export function parseModelMap<T extends Partial<Record<ModelId, string>>>(
  raw: string | undefined,
  problems: Problem[],
  name: string,
  base: T,
): T {
  const out = { ...base } as Record<string, string>;
  if (!raw?.trim()) return out as T;
  for (const pair of raw.split(',')) {
    const [key, value] = pair.split('=').map((s) => s.trim());
    if (!key || !value || !isModelId(key)) {
      problems.push({
        name,
        problem: `"${pair.trim()}" is not model=name with a model from ${MODEL_IDS.join(', ')}`,
        example: 'pro=flux-2-pro-preview',
      });
      continue;
    }
    out[key] = value;
  }
  return out as T;
}

const priceSchema = z.partialRecord(
  z.enum(MODEL_IDS as [ModelId, ...ModelId[]]),
  z
    .object({
      firstMp: z.number().nonnegative(),
      extraMp: z.number().nonnegative(),
      inputMp: z.number().nonnegative(),
    })
    .partial(),
);

/** FLUX_PRICES: JSON of USD per megapixel overrides, e.g. {"pro":{"firstMp":0.03,"extraMp":0.015}}. */
export function parsePrices(
  raw: string | undefined,
  rounding: string | undefined,
  problems: Problem[],
): PriceTable {
  const table: PriceTable = { ...DEFAULT_PRICES, models: { ...DEFAULT_PRICES.models } };
  if (rounding?.trim()) {
    if (rounding.trim() === 'ceil' || rounding.trim() === 'exact')
      table.rounding = rounding.trim() as 'ceil' | 'exact';
    else problems.push({ name: 'FLUX_PRICE_ROUNDING', problem: 'ceil or exact', example: 'ceil' });
  }
  if (!raw?.trim()) return table;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push({
      name: 'FLUX_PRICES',
      problem: 'not valid JSON',
      example: '{"pro":{"firstMp":0.03,"extraMp":0.015,"inputMp":0.015}}',
    });
    return table;
  }
  const parsed = priceSchema.safeParse(json);
  if (!parsed.success) {
    problems.push({
      name: 'FLUX_PRICES',
      problem: parsed.error.issues[0]?.message ?? 'invalid',
      example: '{"pro":{"firstMp":0.03}}',
    });
    return table;
  }
  for (const [model, p] of Object.entries(parsed.data) as [
    ModelId,
    { firstMp?: number; extraMp?: number; inputMp?: number },
  ][]) {
    const cur = table.models[model];
    table.models[model] = {
      firstMp: p.firstMp === undefined ? cur.firstMp : usdToMicros(p.firstMp),
      extraMp: p.extraMp === undefined ? cur.extraMp : usdToMicros(p.extraMp),
      inputMp: p.inputMp === undefined ? cur.inputMp : usdToMicros(p.inputMp),
    };
  }
  return table;
}

/** The list of problems as people read it at start-up: one line each, no stack trace. */
export function formatProblems(err: { problems: Problem[] }): string {
  const lines = err.problems.map((p) => `  ${p.name.padEnd(26)} ${p.problem} (e.g. ${p.example})`);
  return `flux-bot cannot start. Set these in .env (see .env.example):\n${lines.join('\n')}\n`;
}

export function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** One line per variable: several problems with one value (two bad model pairs) share its line. */
export function onePerVariable(problems: Problem[]): Problem[] {
  const byName = new Map<string, Problem>();
  for (const p of problems) {
    const first = byName.get(p.name);
    if (!first) byName.set(p.name, { ...p });
    else if (!first.problem.split('; ').includes(p.problem)) first.problem += `; ${p.problem}`;
  }
  return [...byName.values()];
}

export class ConfigError extends FluxError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('CONFIG_INVALID', `configuration: ${problems.map((p) => `${p.name}: ${p.problem}`).join('; ')}`);
    this.problems = problems;
  }
}

/** No platform at all for the bot, or what `discord:register` needs: said once, naming what to set. */
export function platformProblems(
  need: 'bot' | 'cli' | 'register',
  config: Pick<Config, 'discord' | 'slack'>,
  problems: Problem[],
  given: { discordToken?: string | undefined; applicationId?: string | undefined },
): Problem[] {
  const out: Problem[] = [];
  const missing = (name: string, problem: string, example: string) => out.push({ name, problem, example });
  const { discordToken, applicationId } = given;
  if (
    need === 'bot' &&
    !config.discord &&
    !config.slack &&
    !problems.some((p) => p.name.startsWith('DISCORD_') || p.name.startsWith('SLACK_'))
  ) {
    missing(
      'DISCORD_TOKEN',
      'no platform configured: set DISCORD_TOKEN and DISCORD_APPLICATION_ID for Discord',
      'MTA5...your bot token',
    );
    missing(
      'SLACK_BOT_TOKEN',
      'no platform configured: or set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET) for Slack',
      'xoxb-…',
    );
  }
  if (need === 'register' && !config.discord) {
    if (!discordToken) missing('DISCORD_TOKEN', 'required to register commands', 'MTA5...your bot token');
    if (!applicationId)
      missing('DISCORD_APPLICATION_ID', 'required to register commands', '1098765432109876543');
  }

  return out;
}
