/** Wire helpers for the loopback Slack: request bodies in every encoding the Web API client uses. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function parseParams(raw: Buffer, type: string | undefined): Record<string, unknown> {
  const text = raw.toString();
  if (!text) return {};
  if (type?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

export function jsonParam<T = Array<Record<string, unknown>>>(v: unknown): T | undefined {
  if (v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** The uploaded bytes: the raw body, or the file part of a multipart body. */
export function partData(raw: Buffer, type: string | undefined): Buffer {
  const boundary = type?.match(/boundary=(?:"([^"]+)"|([^;]+))/);
  if (!boundary) return raw;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = raw.indexOf(marker);
  const headerEnd = raw.indexOf('\r\n\r\n', start);
  const end = raw.indexOf(marker, headerEnd);
  return raw.subarray(headerEnd + 4, end - 2);
}

export function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

/**
 * Slack's checks on text objects that our blocks could break: `verbatim` exists only on mrkdwn, and a
 * text object holds 1 to 3000 characters. Slack answers `invalid_blocks` otherwise.
 */
export function invalidBlocks(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(invalidBlocks);
  if (!node || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') {
    if (o.type === 'plain_text' && 'verbatim' in o) return true;
    if (o.text.length < 1 || o.text.length > 3000) return true;
  }
  return Object.values(o).some(invalidBlocks);
}
