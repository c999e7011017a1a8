import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblems, loadConfig } from '../src/config.ts';

const bfl = { BFL_API_KEY: 'bfl_secret_key_123456' };
const discord = {
  DISCORD_TOKEN: 'MTA5.discord-bot-token-abcdef',
  DISCORD_APPLICATION_ID: '109876543210987654',
};

function problems(env: Record<string, string>, need: 'bot' | 'cli' | 'register' = 'bot') {
  try {
    loadConfig(env, need);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('lists everything missing on an empty environment at once', () => {
    const names = problems({}).map((p) => p.name);
    expect(names).toEqual(['BFL_API_KEY', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN']);
  });

  it('says what is wrong with each value, with an example, and never echoes a secret', () => {
    const list = problems({
      BFL_API_KEY: 'short',
      FLUX_MAX_ACTIVE: '0',
      PORT: 'eighty',
      DISCORD_MODE: 'webhook',
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
    });
    const byName = Object.fromEntries(list.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['BFL_API_KEY', 'FLUX_MAX_ACTIVE', 'PORT', 'DISCORD_MODE', 'SLACK_BOT_TOKEN']),
    );
    expect(byName.FLUX_MAX_ACTIVE?.problem).toContain('at least 1');
    const text = formatProblems(new ConfigError(list));
    expect(text).not.toContain('xoxp-user-token-secret');
    expect(text).toContain('e.g.');
  });

  it('lists each variable once: a value that is set but wrong is not also "required"', () => {
    const lines = (env: Record<string, string>, need: 'bot' | 'register' = 'bot') =>
      formatProblems(new ConfigError(problems(env, need)))
        .split('\n')
        .filter((l) => l.startsWith('  '));
    const short = { ...bfl, ...discord, DISCORD_TOKEN: 'short' };
    for (const need of ['bot', 'register'] as const) {
      const discordLines = lines(short, need).filter((l) => l.includes('DISCORD_TOKEN'));
      expect(discordLines, need).toHaveLength(1);
      expect(discordLines[0]).toContain('too short');
    }
    const slack = lines({ ...bfl, SLACK_BOT_TOKEN: 'xoxp-user', SLACK_APP_TOKEN: 'xapp-1-ok' });
    expect(slack.filter((l) => l.includes('SLACK_BOT_TOKEN'))).toEqual([
      expect.stringContaining('starts with xoxb-'),
    ]);
    // Two bad pairs in one variable share its one line.
    const paths = problems({ ...bfl, ...discord, FLUX_MODEL_PATHS: 'nope=a,also=b' });
    expect(paths.map((p) => p.name)).toEqual(['FLUX_MODEL_PATHS']);
    expect(paths[0]?.problem).toMatch(/"nope=a".*; "also=b"/);
  });

  it('takes distributed mode from both URLs, and names the one missing when only one is set', () => {
    const base = { ...bfl, ...discord };
    const db = 'postgres://flux:pg-secret-pw@db:5432/flux';
    expect(problems({ ...base, DATABASE_URL: db })).toEqual([
      expect.objectContaining({ name: 'REDIS_URL', problem: expect.stringContaining('DATABASE_URL') }),
    ]);
    expect(problems({ ...base, REDIS_URL: 'redis://redis:6379/2' })).toEqual([
      expect.objectContaining({ name: 'DATABASE_URL', problem: expect.stringContaining('REDIS_URL') }),
    ]);
    const wrong = problems({
      ...base,
      DATABASE_URL: 'mysql://x:pg-secret-pw@db/flux',
      REDIS_URL: 'redis://r/x',
    });
    expect(wrong.map((p) => p.name)).toEqual(['DATABASE_URL', 'REDIS_URL']);
    expect(JSON.stringify(wrong)).not.toContain('pg-secret-pw');
    expect(problems({ ...base, FLUX_ROLE: 'worker' }).map((p) => p.name)).toEqual(['FLUX_ROLE']);
    const config = loadConfig({
      ...base,
      DATABASE_URL: db,
      REDIS_URL: 'redis://redis:6379/2',
      FLUX_ROLE: 'worker',
    });
    expect(config.distributed).toEqual({ databaseUrl: db, redisUrl: 'redis://redis:6379/2' });
    expect(config.role).toBe('worker');
    expect(loadConfig(base).distributed).toBeUndefined();
    expect(loadConfig(base).role).toBe('all');
  });

  it('defaults what has a default', () => {
    const c = loadConfig({ ...bfl, ...discord });
    expect(c).toMatchObject({
      provider: 'bfl',
      bflApiBase: 'https://api.bfl.ai',
      maxActive: 24,
      dataDir: './data',
      port: 3000,
      logLevel: 'info',
    });
    expect(c.discord).toMatchObject({ mode: 'gateway', apiBase: 'https://discord.com/api' });
    expect(c.slack).toBeUndefined();
  });

  it('needs a public key for Discord HTTP interactions', () => {
    expect(problems({ ...bfl, ...discord, DISCORD_MODE: 'http' }).map((p) => p.name)).toEqual([
      'DISCORD_PUBLIC_KEY',
    ]);
  });

  it('accepts Slack with Socket Mode or a signing secret', () => {
    expect(loadConfig({ ...bfl, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack?.appToken).toBe(
      'xapp-1',
    );
    expect(
      loadConfig({ ...bfl, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '0123456789abcdef0' }).slack
        ?.apiUrl,
    ).toBe('https://slack.com/api/');
    expect(problems({ ...bfl, SLACK_BOT_TOKEN: 'xoxb-1' }).map((p) => p.name)).toEqual([
      'SLACK_SIGNING_SECRET',
    ]);
  });

  it('needs the gateway settings with FLUX_PROVIDER=openai, and no BFL key', () => {
    expect(problems({ ...discord, FLUX_PROVIDER: 'openai' }).map((p) => p.name)).toEqual([
      'OPENAI_IMAGES_BASE_URL',
      'OPENAI_IMAGES_API_KEY',
    ]);
    const c = loadConfig({
      ...discord,
      FLUX_PROVIDER: 'openai',
      OPENAI_IMAGES_BASE_URL: 'https://gw.example.com/',
      OPENAI_IMAGES_API_KEY: 'sk-12345678',
      OPENAI_IMAGES_MODEL_MAP: 'pro=black-forest-labs/flux.2-pro',
    });
    expect(c.openaiBaseUrl).toBe('https://gw.example.com');
    expect(c.openaiModelMap.pro).toBe('black-forest-labs/flux.2-pro');
    expect(c.openaiModelMap.max).toBe('flux.2-max');
  });

  it('speaks the seed guide’s gateway dialect unless OPENAI_IMAGES_DIALECT says openai', () => {
    const gateway = {
      ...discord,
      FLUX_PROVIDER: 'openai',
      OPENAI_IMAGES_BASE_URL: 'https://api.apiyi.com/v1',
      OPENAI_IMAGES_API_KEY: 'sk-12345678',
    };
    expect(loadConfig(gateway).openaiDialect).toBe('seed');
    expect(loadConfig(gateway).openaiBaseUrl).toBe('https://api.apiyi.com/v1');
    expect(loadConfig({ ...gateway, OPENAI_IMAGES_DIALECT: 'openai' }).openaiDialect).toBe('openai');
    expect(problems({ ...gateway, OPENAI_IMAGES_DIALECT: 'dalle' })).toEqual([
      expect.objectContaining({ name: 'OPENAI_IMAGES_DIALECT', example: 'seed' }),
    ]);
  });

  it('the CLI needs a provider but no platform', () => {
    expect(loadConfig(bfl, 'cli').discord).toBeUndefined();
    expect(problems({}, 'cli').map((p) => p.name)).toEqual(['BFL_API_KEY']);
  });

  it('reads price overrides in USD and model path aliases', () => {
    const c = loadConfig({
      ...bfl,
      ...discord,
      FLUX_PRICES: '{"pro":{"firstMp":0.04}}',
      FLUX_MODEL_PATHS: 'pro=flux-2-pro-preview',
      FLUX_PRICE_ROUNDING: 'exact',
    });
    expect(c.prices.models.pro).toEqual({ firstMp: 40_000, extraMp: 15_000, inputMp: 15_000 });
    expect(c.prices.rounding).toBe('exact');
    expect(c.modelPaths.pro).toBe('flux-2-pro-preview');
    expect(
      problems({ ...bfl, ...discord, FLUX_PRICES: '{"dev":{}}', FLUX_MODEL_PATHS: 'ultra=x' }).map(
        (p) => p.name,
      ),
    ).toEqual(['FLUX_MODEL_PATHS', 'FLUX_PRICES']);
  });
});
