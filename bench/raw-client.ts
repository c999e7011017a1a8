/**
 * The load client of the platform benches: raw HTTP/1.1 over plain sockets, so the client costs almost
 * nothing while the clock runs. Everything is done before it starts: one connection per request, opened
 * and used once (the server's parser and the socket path are warm), every request serialised into one
 * buffer, Slack requests signed with a fresh timestamp. Then every request is written in one tight loop
 * (no allocation, no promise per request), and each latency is taken with `process.hrtime.bigint()` from
 * that request's write to the first byte of its answer.
 *
 * What remains of the client in a figure: an answer that arrives while the client is still writing is
 * seen only when the write loop ends (`writeMs` says how long that was), and any answer waits for the
 * client's event loop to be scheduled on a CPU.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface RawRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface RawAnswer {
  status: number;
  body: string;
  /** From the request's write to the first byte of its answer. */
  ms: number;
}

export interface FireOptions {
  /** Signs each request for Slack just before the burst (the timestamp must be within 5 minutes). */
  slackSecret?: string;
  /**
   * When each request is written, in ms after the first (ascending); absent: all at once. Requests are
   * still written back to back when their times have come, never early.
   */
  offsetsMs?: number[];
}

export interface FireResult {
  answers: RawAnswer[];
  /** How long the write loop of the burst took (all at once), or the latest write's lateness (spread). */
  writeMs: number;
  /** How long the client's event loop was ready to run but waiting for a CPU, during the burst. */
  queuedMs: number;
}

/**
 * This process's main thread (its event loop), from Linux's /proc/self/schedstat: ms spent running, and
 * ms spent runnable but waiting for a CPU — on a shared machine, the part of a latency that is no one's
 * code. NaN elsewhere.
 */
export function mainThread(): { cpuMs: number; queuedMs: number } {
  try {
    const [cpu, queued] = readFileSync('/proc/self/schedstat', 'latin1').split(' ');
    return { cpuMs: Number(cpu) / 1e6, queuedMs: Number(queued) / 1e6 };
  } catch {
    return { cpuMs: Number.NaN, queuedMs: Number.NaN };
  }
}

export const runQueueMs = () => mainThread().queuedMs;

interface Conn {
  socket: Socket;
  chunks: Buffer[];
  done: (() => void) | undefined;
  firstByte: bigint;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const conn: Conn = { socket, chunks: [], done: undefined, firstByte: 0n };
    socket.on('data', (chunk: Buffer) => {
      if (conn.firstByte === 0n) conn.firstByte = process.hrtime.bigint();
      conn.chunks.push(chunk);
      if (conn.done && complete(Buffer.concat(conn.chunks))) conn.done();
    });
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** Sends one request on a connection and waits for its whole answer. */
function exchange(conn: Conn, request: Buffer | string): Promise<Buffer> {
  conn.chunks = [];
  conn.firstByte = 0n;
  return new Promise((resolve, reject) => {
    conn.done = () => {
      conn.done = undefined;
      conn.socket.off('close', closed);
      resolve(Buffer.concat(conn.chunks));
    };
    const closed = () => reject(new Error('connection closed before its answer'));
    conn.socket.once('close', closed);
    conn.socket.write(request);
  });
}

/** Whether `buf` holds one whole HTTP/1.1 response (Content-Length or chunked; our servers send one). */
function complete(buf: Buffer): boolean {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(head)?.[1];
  if (length !== undefined) return buf.length >= end + 4 + Number(length);
  if (/\r\ntransfer-encoding: *chunked/.test(head)) return buf.subarray(end).includes('\r\n0\r\n\r\n');
  return false;
}

function parse(buf: Buffer): { status: number; body: string } {
  const end = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const raw = buf.subarray(end + 4);
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) return { status, body: raw.toString('utf8') };
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const eol = raw.indexOf('\r\n', at);
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return { status, body: Buffer.concat(parts).toString('utf8') };
}

function serialise(port: number, r: RawRequest, extra: Record<string, string>): Buffer {
  const headers = { ...r.headers, ...extra };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const body = Buffer.from(r.body, 'utf8');
  const head = `POST ${r.path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${lines.join('')}content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function slackSignature(secret: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const hex = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${hex}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Burst {
  /** Writes every request (at once, or at its offset) and resolves when every answer is in. */
  fire(): Promise<FireResult>;
}

/** Opens and warms one connection per request, and serialises (and signs) every request. */
export async function prepareBurst(
  port: number,
  requests: RawRequest[],
  options: FireOptions = {},
): Promise<Burst> {
  const conns = await Promise.all(requests.map(() => open(port)));
  const warm = `GET /livez HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`;
  await Promise.all(conns.map((c) => exchange(c, warm)));
  const buffers = requests.map((r) =>
    serialise(port, r, options.slackSecret ? slackSignature(options.slackSecret, r.body) : {}),
  );
  const done = conns.map((c) => {
    c.chunks = [];
    c.firstByte = 0n;
    // A connection closed before its answer fails the burst instead of hanging it.
    return new Promise<void>((resolve, reject) => {
      const closed = () => reject(new Error('connection closed before its answer'));
      c.socket.once('close', closed);
      c.done = () => {
        c.socket.off('close', closed);
        resolve();
      };
    });
  });
  const sent = new Array<bigint>(requests.length);
  const write = (i: number) => {
    sent[i] = process.hrtime.bigint();
    (conns[i] as Conn).socket.write(buffers[i] as Buffer);
  };
  const atOnce = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < conns.length; i++) write(i);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const spread = async (offsets: number[]) => {
    const start = process.hrtime.bigint();
    const due = offsets.map((o) => start + BigInt(Math.round(o * 1e6)));
    let late = 0n;
    for (let i = 0; i < conns.length; ) {
      const now = process.hrtime.bigint();
      const next = due[i] as bigint;
      // A timer for the wait (answers are read meanwhile), then back to back for whatever is due.
      if (now < next) await sleep(Math.max(0, Number(next - now) / 1e6 - 1));
      else
        for (; i < conns.length && (due[i] as bigint) <= now; i++) {
          write(i);
          if ((sent[i] as bigint) - (due[i] as bigint) > late)
            late = (sent[i] as bigint) - (due[i] as bigint);
        }
    }
    return Number(late) / 1e6;
  };
  return {
    async fire() {
      const queued0 = runQueueMs();
      const writeMs = options.offsetsMs ? await spread(options.offsetsMs) : atOnce();
      await Promise.all(done);
      const queuedMs = runQueueMs() - queued0;
      const answers = conns.map((c, i) => ({
        ...parse(Buffer.concat(c.chunks)),
        ms: Number(c.firstByte - (sent[i] as bigint)) / 1e6,
      }));
      for (const c of conns) c.socket.destroy();
      return { answers, writeMs, queuedMs };
    },
  };
}

/** prepareBurst, a pause for the connections' setup to settle, then the burst. */
export async function fire(
  port: number,
  requests: RawRequest[],
  options: FireOptions = {},
): Promise<FireResult> {
  const burst = await prepareBurst(port, requests, options);
  await sleep(20);
  return burst.fire();
}
