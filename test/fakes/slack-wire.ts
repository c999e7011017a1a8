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
