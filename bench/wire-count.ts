/**
 * Counting TCP hops for the scale bench's `--count` run: in front of Postgres and Redis, they pass every
 * byte through and count what the bots ask of each server.
 * - Postgres (frontend protocol v3): a simple query ('Q') is one round trip, and so is an extended-query
 *   batch (Parse/Bind/Execute ending in a 'Sync'); statements are 'Q' + 'E' messages.
 * - Redis (RESP): every command by name; a round trip is one chunk the client wrote (commands pipelined
 *   in one write travel together), which is what the event loop waits on.
 * The hop costs CPU and a little latency of its own, so the figures of a counted run are not timed ones.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface WireCounts {
  /** Round trips (Postgres: Q + Sync; Redis: client writes). */
  roundTrips: number;
  /** Postgres: statements (Q + Execute); Redis: commands. */
  commands: number;
  /** By name: Postgres message types (Q, P, B, E, S …); Redis command names (EVALSHA <sha>, HGET …). */
  byName: Map<string, number>;
  /** Postgres: statements by their text (simple queries and parsed ones), whitespace collapsed. */
  statements: Map<string, number>;
}

export interface CountingHop {
  port: number;
  counts: WireCounts;
  reset(): void;
  close(): Promise<void>;
}

const fresh = (): WireCounts => ({ roundTrips: 0, commands: 0, byName: new Map(), statements: new Map() });

/**
 * The SQL of a Q (query) or P (name, then query) message body, whitespace collapsed and string literals
 * shown as '…': a simple query carries its values inline (the job lock's key), and each value would
 * otherwise count as a statement of its own.
 */
function sqlOf(type: string, body: Buffer): string {
  let at = 0;
  if (type === 'P') at = body.indexOf(0) + 1;
  const end = body.indexOf(0, at);
  return body
    .subarray(at, end < 0 ? body.length : end)
    .toString('utf8')
    .replace(/E?'(?:[^']|'')*'/g, "'…'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The NUL-terminated string at `at`. */
const cstring = (body: Buffer, at: number) => body.subarray(at, body.indexOf(0, at)).toString('utf8');

function tally(c: WireCounts, sql: string) {
  c.statements.set(sql, (c.statements.get(sql) ?? 0) + 1);
}

function bump(c: WireCounts, name: string, n = 1) {
  c.byName.set(name, (c.byName.get(name) ?? 0) + n);
}

/** Reads Postgres frontend messages out of a client stream (after the untyped startup packet). */
function postgresReader(counts: () => WireCounts) {
  let buf: Buffer = Buffer.alloc(0);
  /** This connection's statements by name ('' is the unnamed one). */
  const parsed = new Map<string, string>();
  let started = false;
  return (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (!started) {
        // Startup (and SSLRequest) packets: int32 length, no type byte.
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        if (code !== 80877103) started = true; // not an SSLRequest: the real startup message
        buf = buf.subarray(len);
        continue;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0] as number);
      const len = buf.readInt32BE(1);
      if (buf.length < 1 + len) return;
      const c = counts();
      bump(c, type);
      const body = buf.subarray(5, 1 + len);
      // A statement counts when it runs: a simple query at once; a parsed one (named statements are
      // parsed once per connection) at each Bind, by the text its Parse gave that name.
      if (type === 'Q') tally(c, sqlOf(type, body));
      else if (type === 'P') parsed.set(cstring(body, 0), sqlOf(type, body));
      else if (type === 'B') tally(c, parsed.get(cstring(body, body.indexOf(0) + 1)) ?? '?');
      if (type === 'Q' || type === 'S') c.roundTrips++;
      if (type === 'Q' || type === 'E') c.commands++;
      buf = buf.subarray(1 + len);
    }
  };
}

/** Reads RESP commands (arrays of bulk strings) out of a client stream. */
function redisReader(counts: () => WireCounts) {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk: Buffer) => {
    counts().roundTrips++;
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const parsed = command(buf);
      if (!parsed) return;
      const c = counts();
      c.commands++;
      bump(c, parsed.name);
      buf = buf.subarray(parsed.end);
    }
  };
}

/** One whole RESP array command at the start of `buf`: its name and where it ends; undefined if partial. */
function command(buf: Buffer): { name: string; end: number } | undefined {
  if (!buf.length) return undefined;
  let at = buf.indexOf('\r\n');
  if (at < 0) return undefined;
  if (buf[0] !== 0x2a)
    return { name: buf.subarray(0, at).toString('latin1').split(' ')[0] ?? '?', end: at + 2 }; // inline
  const items = Number(buf.subarray(1, at).toString('latin1'));
  let pos = at + 2;
  let name = '';
  for (let i = 0; i < items; i++) {
    at = buf.indexOf('\r\n', pos);
    if (at < 0) return undefined;
    const size = Number(buf.subarray(pos + 1, at).toString('latin1'));
    const start = at + 2;
    if (buf.length < start + size + 2) return undefined;
    if (i < 2) {
      const item = buf.subarray(start, start + size).toString('latin1');
      if (i === 0) name = item.toUpperCase();
      // A script run says which script: its sha (the report names it).
      else if (name === 'EVALSHA') name = `EVALSHA ${item}`;
    }
    pos = start + size + 2;
  }
  return { name, end: pos };
}

export async function countingHop(
  target: { host: string; port: number },
  protocol: 'postgres' | 'redis',
): Promise<CountingHop> {
  let counts = fresh();
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(target.port, target.host);
    const read = protocol === 'postgres' ? postgresReader(() => counts) : redisReader(() => counts);
    inbound.on('data', read);
    for (const s of [inbound, outbound]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    get counts() {
      return counts;
    },
    reset() {
      counts = fresh();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
