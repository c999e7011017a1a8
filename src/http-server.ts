/**
 * The one HTTP server on PORT: health (`/livez` the process answers; `/readyz` — and `/healthz`, its
 * alias — the store can keep work, else 503 naming the problem), and whatever routes the bots mount
 * (Discord interactions, Slack events, provider webhooks). Handlers get the raw request; signature
 * checks need the raw body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './core/logger.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServer {
  /** Exact path match; a handler mounted with a trailing `*` matches the prefix. */
  route(method: string, path: string, handler: RouteHandler): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
  readonly server: Server;
}

/** What `/readyz` reports: `ready` false answers 503, with the rest of the body saying why. */
export type Readiness = () => { ready: boolean } & Record<string, unknown>;

const HEALTH_PATHS = new Set(['/livez', '/readyz', '/healthz']);

export function createHttpServer(log: Logger, readiness: Readiness = () => ({ ready: true })): HttpServer {
  const routes = new Map<string, RouteHandler>();
  const prefixes: Array<[string, RouteHandler]> = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && HEALTH_PATHS.has(path)) {
      const { ready, ...detail } = path === '/livez' ? { ready: true } : readiness();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: ready, ...detail }));
      return;
    }
    const handler =
      routes.get(`${method} ${path}`) ?? prefixes.find(([p]) => `${method} ${path}`.startsWith(p))?.[1];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) {
          // The sender's mistake (or abuse), not ours: answered, and the connection not kept.
          log.warn({ path, limit: err.limit }, 'request body over the limit');
          if (!res.headersSent)
            res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
          res.end('{"error":"payload too large"}');
          return;
        }
        log.error({ err, path }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal"}');
      });
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    route(method, path, handler) {
      if (path.endsWith('*')) prefixes.push([`${method} ${path.slice(0, -1)}`, handler]);
      else routes.set(`${method} ${path}`, handler);
    },
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A request body over its route's limit: the server answers 413 instead of an internal error. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
  }
}

/** Reads a request body, refusing more than `limit` bytes (BodyTooLargeError). */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Not destroyed on the way out: the socket must stay up for the 413 to reach the sender.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume(); // the rest is discarded as it comes, never held
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
