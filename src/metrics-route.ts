/**
 * `GET /metrics` in the Prometheus text format, optionally behind a bearer token (METRICS_TOKEN) so a
 * bot on a public URL does not publish its spend to anyone who asks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from './core/metrics.ts';
import type { RouteHandler } from './http-server.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsRoute(metrics: Metrics, token?: string): RouteHandler {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (req, res) => {
    // Hashes have equal length, so the comparison takes the same time whatever was sent.
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end('{"error":"unauthorized"}');
      return;
    }
    const { body, contentType } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType }).end(body);
  };
}
