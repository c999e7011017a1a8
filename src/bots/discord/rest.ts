/**
 * Discord's REST client on our own undici 7 dispatcher. @discordjs/rest brings undici 6, whose requests
 * go through the process-wide dispatcher and break on multipart bodies when that dispatcher is undici 7's
 * ("action is not a function"). Encoding the multipart body with the platform's own Response and sending
 * it through our dispatcher removes the version mix, and Discord calls get our timeouts.
 * Every request passes quietRequest on its way out: no message we send can ping anyone by accident.
 */
import { STATUS_CODES } from 'node:http';
import { type InternalRequest, REST, type RESTOptions } from 'discord.js';
import { type Dispatcher, request } from 'undici';
import { quietRequest } from './outgoing.ts';

/** queueRequest is where get/post/patch/raw all meet, before the body is serialised. */
class QuietREST extends REST {
  override queueRequest(req: InternalRequest) {
    return super.queueRequest(quietRequest(req));
  }
}

export interface RestTimeouts {
  apiMs: number;
  /** Multipart requests (file uploads) get longer. */
  uploadMs: number;
}

export function createDiscordRest(
  apiBase: string,
  token: string,
  dispatcher: Dispatcher,
  timeouts: RestTimeouts = { apiMs: 30_000, uploadMs: 120_000 },
): REST {
  const makeRequest: RESTOptions['makeRequest'] = async (url, init) => {
    const upload = init.body instanceof FormData;
    const deadline = AbortSignal.timeout(upload ? timeouts.uploadMs : timeouts.apiMs);
    const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
    let body: Buffer | string | undefined;
    if (init.body instanceof FormData) {
      const encoded = new Response(init.body);
      headers.set('content-type', encoded.headers.get('content-type') as string);
      body = Buffer.from(await encoded.arrayBuffer());
    } else if (typeof init.body === 'string' || init.body instanceof Uint8Array) {
      body = typeof init.body === 'string' ? init.body : Buffer.from(init.body);
    } else if (init.body != null) {
      body = Buffer.from(
        await new Response(init.body as ConstructorParameters<typeof Response>[0]).arrayBuffer(),
      );
    }
    const res = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: Object.fromEntries(headers),
      body,
      dispatcher,
      signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
    });
    return {
      body: res.body,
      arrayBuffer: () => res.body.arrayBuffer(),
      json: () => res.body.json(),
      text: () => res.body.text(),
      get bodyUsed() {
        return res.body.bodyUsed;
      },
      headers: new Headers(
        Object.entries(res.headers).flatMap(([k, v]) =>
          Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, v]],
        ) as [string, string][],
      ),
      status: res.statusCode,
      statusText: STATUS_CODES[res.statusCode] ?? '',
      ok: res.statusCode >= 200 && res.statusCode < 300,
    };
  };
  // REST's own abort is the outer bound; each request's deadline above is the one that matters.
  return new QuietREST({ api: apiBase, makeRequest, timeout: timeouts.uploadMs }).setToken(token);
}
