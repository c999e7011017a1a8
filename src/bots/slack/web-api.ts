/**
 * The Slack Web API calls the bot makes for every job — the status card (chat.postMessage, chat.update)
 * and the result (files.getUploadURLExternal, files.completeUploadExternal, files.info,
 * chat.getPermalink) — as plain requests on the shared undici dispatcher. The WebClient spends about a
 * millisecond of CPU per call (fetch, a request queue, retry wrappers); a queue's worth of card edits
 * is a hundred calls, and each of them is time an ack waits for. The rest of the bot keeps the WebClient.
 *
 * Bodies are JSON where Slack documents and honours it (chat.*), else form-encoded as the WebClient
 * sends them (a string as is, anything else as JSON): every method takes that, while live Slack has
 * refused a JSON body on files.getUploadURLExternal although its reference lists JSON.
 *
 * What the WebClient does, kept: a 429 waits its Retry-After (and holds that method's other calls until
 * then) and is tried again; a failed connection, a timeout or a non-200 answer is tried again after 1 s,
 * 2 s, 4 s…; `retries` bounds both. `ok: false` is not retried and throws the WebClient's error shape
 * (`code: 'slack_webapi_platform_error'`, `data: {ok, error}`), so callers read it the same way.
 */
import { type Dispatcher, request } from 'undici';

export interface SlackApiOptions {
  apiUrl: string;
  token: string;
  dispatcher: Dispatcher;
  /** Deadline of one attempt. */
  timeoutMs: number;
  retries: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SlackApi {
  call<T extends Record<string, unknown>>(
    method: string,
    args: Record<string, unknown>,
    encoding?: 'json' | 'form',
  ): Promise<T>;
}

/** The arguments form-encoded, as the WebClient encodes them; undefined ones left out. */
function formBody(args: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args))
    if (value !== undefined) form.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  return form.toString();
}

/** The shape of the WebClient's errors, so `platformError()` and the logs see no difference. */
export class SlackApiError extends Error {
  constructor(
    readonly code:
      | 'slack_webapi_platform_error'
      | 'slack_webapi_http_error'
      | 'slack_webapi_rate_limited_error',
    message: string,
    readonly data?: Record<string, unknown>,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'SlackApiError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createSlackApi(options: SlackApiOptions): SlackApi {
  const sleep = options.sleep ?? defaultSleep;
  const base = options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`;
  const auth = `Bearer ${options.token}`;
  const headers = {
    json: { authorization: auth, 'content-type': 'application/json; charset=utf-8' },
    form: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
  };
  /** method → when its rate limit ends (Date.now ms). */
  const heldUntil = new Map<string, number>();

  async function attempt(
    method: string,
    body: string,
    encoding: keyof typeof headers,
  ): Promise<Record<string, unknown>> {
    const res = await request(`${base}${method}`, {
      method: 'POST',
      headers: headers[encoding],
      body,
      dispatcher: options.dispatcher,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (res.statusCode === 429) {
      await res.body.dump();
      const header = res.headers['retry-after'];
      const seconds = Number.parseInt(String(Array.isArray(header) ? header[0] : header), 10);
      throw new RateLimited(Number.isNaN(seconds) ? undefined : seconds);
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new SlackApiError(
        'slack_webapi_http_error',
        `An HTTP protocol error occurred: statusCode = ${res.statusCode}`,
        undefined,
        res.statusCode,
      );
    }
    return (await res.body.json()) as Record<string, unknown>;
  }

  return {
    async call<T extends Record<string, unknown>>(
      method: string,
      args: Record<string, unknown>,
      encoding: 'json' | 'form' = 'json',
    ) {
      const body = encoding === 'form' ? formBody(args) : JSON.stringify(args);
      for (let tried = 0; ; tried++) {
        const held = (heldUntil.get(method) ?? 0) - Date.now();
        if (held > 0) await sleep(held);
        let data: Record<string, unknown>;
        try {
          data = await attempt(method, body, encoding);
        } catch (err) {
          if (err instanceof RateLimited) {
            if (err.seconds === undefined)
              throw new SlackApiError(
                'slack_webapi_rate_limited_error',
                `${method}: 429 without a valid Retry-After`,
              );
            heldUntil.set(method, Date.now() + err.seconds * 1000);
            if (tried >= options.retries)
              throw new SlackApiError(
                'slack_webapi_rate_limited_error',
                `${method}: rate limited, retry after ${err.seconds} s`,
              );
            continue;
          }
          if (tried >= options.retries) throw err;
          await sleep(1000 * 2 ** tried);
          continue;
        }
        if (data.ok !== true)
          throw new SlackApiError(
            'slack_webapi_platform_error',
            `An API error occurred: ${String(data.error)}`,
            data,
          );
        return data as T;
      }
    },
  };
}

class RateLimited extends Error {
  constructor(readonly seconds: number | undefined) {
    super('rate limited');
  }
}
