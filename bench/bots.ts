/**
 * The bot side of the platform benches: the whole app in HTTP mode against the peer's fakes, and signed
 * /flux requests prepared ahead of time (so signing costs nothing while the clock runs).
 */
import { sign as edSign } from 'node:crypto';
import type { App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { tempDb } from '../test/support/core.ts';
import { APP_ID, CHANNEL, keyPair, slash, startDiscordApp } from '../test/support/discord.ts';
import { commandBody, SECRET, sign as slackSign, startSlackApp } from '../test/support/slack.ts';

export type Platform = 'discord' | 'slack';

/** What the peer prints first: where its fakes listen. */
export interface PeerHello {
  bfl: string;
  platform: Record<string, string>;
}

export interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Command {
  prompt: string;
  model?: string;
  /** A number: each platform turns it into one of its user ids. */
  user: number;
}

export interface Bot {
  app: App;
  port: number;
  /** Signed requests for these commands, and (Discord) the interaction tokens to bind to a channel. */
  prepare(commands: Command[]): { requests: Prepared[]; bind: Array<[string, string]> };
}

export async function startBot(platform: Platform, hello: PeerHello): Promise<Bot> {
  const env: Record<string, string> = {
    BFL_API_KEY: 'bfl_test_key_0123456789',
    BFL_API_BASE: hello.bfl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: tempDb().replace(/\/flux\.db$/, ''),
  };
  if (platform === 'discord') {
    const keys = keyPair();
    const config = loadConfig(
      {
        ...env,
        DISCORD_TOKEN: hello.platform.token as string,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_MODE: 'http',
        DISCORD_PUBLIC_KEY: keys.publicHex,
        DISCORD_API_BASE: hello.platform.api as string,
      },
      'bot',
    );
    const { app, port } = await startDiscordApp(config);
    return {
      app,
      port,
      prepare(commands) {
        const raws = commands.map((c) =>
          slash(
            { prompt: c.prompt, ...(c.model ? { model: c.model } : {}) },
            { id: `5000000000000${String(c.user).padStart(5, '0')}` },
          ),
        );
        const requests = raws.map((raw) => {
          const body = JSON.stringify(raw);
          const timestamp = String(Math.floor(Date.now() / 1000));
          const signature = edSign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex');
          return {
            path: '/discord/interactions',
            headers: {
              'content-type': 'application/json',
              'x-signature-ed25519': signature,
              'x-signature-timestamp': timestamp,
            },
            body,
          };
        });
        return { requests, bind: raws.map((r) => [r.token, CHANNEL] as [string, string]) };
      },
    };
  }
  const config = loadConfig(
    {
      ...env,
      SLACK_BOT_TOKEN: hello.platform.botToken as string,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: hello.platform.apiUrl as string,
    },
    'bot',
  );
  const { app, port } = await startSlackApp(config);
  const fakeSlack = {
    responseUrl: () => `${hello.platform.responseBase}/response/${Math.random().toString(36).slice(2)}`,
  };
  return {
    app,
    port,
    prepare(commands) {
      const requests = commands.map((c) => {
        const text = c.model ? `${c.prompt} --model ${c.model}` : c.prompt;
        const body = new URLSearchParams(
          commandBody(text, fakeSlack as never, { user_id: `U${c.user}` }),
        ).toString();
        return { path: '/slack/events', headers: slackSign(body), body };
      });
      return { requests, bind: [] };
    },
  };
}

/** Whether the platform's answer is the right one: Discord a deferral, Slack an empty 200 ack. */
export function answeredRight(platform: Platform, a: { status: number; body: string }): boolean {
  return a.status === 200 && (platform === 'slack' || a.body === '{"type":5}');
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}
