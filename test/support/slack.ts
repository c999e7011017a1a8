/** Signed Slack requests, payload builders, and the whole app with the Slack bot against the fakes. */
import { createHmac } from 'node:crypto';
import { App as BoltApp, type webApi } from '@slack/bolt';
import { type App, createApp } from '../../src/app.ts';
import type { SlackContextDeps } from '../../src/bots/slack/context.ts';
import { slackHostsFor } from '../../src/bots/slack/files.ts';
import { createSlackBot } from '../../src/bots/slack/index.ts';
import { createSlackApi } from '../../src/bots/slack/web-api.ts';
import type { Config } from '../../src/config.ts';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import type { FakeBfl } from '../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-server.ts';
import { botConfig } from './app-fixture.ts';

export const SECRET = 'slack-signing-secret-for-tests-0123';
export const TEAM = 'T1';
export const CHANNEL = 'C100';
export const USER = 'U100';

export function slackConfig(
  slack: FakeSlack,
  bfl: FakeBfl,
  mode: 'http' | 'socket',
  dataDir?: string,
): Config {
  return botConfig(
    bfl,
    {
      SLACK_BOT_TOKEN: slack.botToken,
      ...(mode === 'http' ? { SLACK_SIGNING_SECRET: SECRET } : { SLACK_APP_TOKEN: slack.appToken }),
      SLACK_API_URL: slack.apiUrl,
    },
    dataDir,
  );
}

export async function startSlackApp(
  config: Config,
  retries = 0,
  logger: Logger = silentLogger(),
): Promise<{ app: App; port: number }> {
  const slack = config.slack as NonNullable<Config['slack']>;
  const app = await createApp({
    config,
    logger,
    frontEnds: [(deps) => createSlackBot(slack, { ...deps, retries })],
  });
  const { port } = await app.start();
  return { app, port };
}

/** A real Web API client pointed at the fake Slack, without bolt's retries (tests of the context and files). */
export function slackWebClient(slack: FakeSlack): webApi.WebClient {
  return new BoltApp({
    token: slack.botToken,
    signingSecret: 'x'.repeat(32),
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    deferInitialization: true,
  }).client;
}

/**
 * The fake Slack and what a Slack context needs against it (a real Web API client, file access with the
 * bot token over our own dispatcher), for tests of the context and of files without the whole app.
 */
export async function startSlackContextDeps(): Promise<{
  slack: FakeSlack;
  deps: SlackContextDeps;
  close(): Promise<void>;
}> {
  const slack = await startFakeSlack();
  const http = createHttp();
  const client = slackWebClient(slack);
  const deps: SlackContextDeps = {
    client,
    api: createSlackApi({
      apiUrl: slack.apiUrl,
      token: slack.botToken,
      dispatcher: http.dispatcher,
      timeoutMs: 5_000,
      retries: 0,
    }),
    files: { token: slack.botToken, hosts: slackHostsFor(slack.apiUrl), client, dispatcher: http.dispatcher },
    dispatcher: http.dispatcher,
    logger: silentLogger(),
  };
  return {
    slack,
    deps,
    async close() {
      await http.close();
      await slack.close();
    },
  };
}

/** Slack gives every interaction (command, button, submission, shortcut) its own trigger_id. */
export function triggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${Math.random().toString(16).slice(2, 18)}`;
}

export function commandBody(
  text: string,
  slack: FakeSlack,
  over: Record<string, string> = {},
): Record<string, string> {
  return {
    token: 'deprecated',
    team_id: TEAM,
    team_domain: 'fake',
    channel_id: CHANNEL,
    channel_name: 'art',
    user_id: USER,
    user_name: 'ana',
    command: '/flux',
    text,
    api_app_id: 'A1',
    response_url: slack.responseUrl(),
    trigger_id: triggerId(),
    ...over,
  };
}

export function sign(
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
  secret = SECRET,
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
    'content-type': 'application/x-www-form-urlencoded',
  };
}

export async function postForm(
  port: number,
  form: Record<string, string>,
  headers?: Record<string, string>,
): Promise<{ status: number; text: string; ms: number }> {
  const body = new URLSearchParams(form).toString();
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: headers ?? sign(body),
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

export function blockAction(actionId: string, over: { user?: string; channel?: string } = {}) {
  return {
    type: 'block_actions',
    team: { id: TEAM, domain: 'fake' },
    user: { id: over.user ?? USER, username: 'ana', name: 'ana', team_id: TEAM },
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: triggerId(),
    channel: { id: over.channel ?? CHANNEL, name: 'art' },
    container: { type: 'message', channel_id: over.channel ?? CHANNEL, message_ts: '1.000001' },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b',
        text: { type: 'plain_text', text: 'x' },
        value: 'v',
        action_ts: '1.1',
      },
    ],
  };
}

export function viewSubmission(view: Record<string, unknown>, values: Record<string, string>) {
  const state = {
    values: Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, { [k]: { type: 'plain_text_input', value: v } }]),
    ),
  };
  return {
    type: 'view_submission',
    team: { id: TEAM, domain: 'fake' },
    user: { id: USER, username: 'ana', name: 'ana', team_id: TEAM },
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: triggerId(),
    view: { ...view, id: 'V1', team_id: TEAM, state, hash: 'h' },
  };
}

export function messageShortcut(files: Array<{ url_private: string; mimetype: string }>, slack: FakeSlack) {
  return {
    type: 'message_action',
    callback_id: 'flux_edit',
    team: { id: TEAM, domain: 'fake' },
    user: { id: USER, username: 'ana', name: 'ana', team_id: TEAM },
    channel: { id: CHANNEL, name: 'art' },
    message: { type: 'message', user: 'U9', ts: '5.000001', text: 'look', files },
    message_ts: '5.000001',
    response_url: slack.responseUrl(),
    trigger_id: triggerId(),
    token: 'deprecated',
    action_ts: '5.1',
  };
}
