/**
 * BullMQ's Lua scripts by the sha1 that EVALSHA names them with (ioredis defines each script as a
 * command and runs it by the sha1 of its text), so a count of Redis commands can say which script ran.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function bullmqScripts(): Promise<Map<string, string>> {
  const root = dirname(createRequire(import.meta.url).resolve('bullmq/package.json'));
  const dir = join(root, 'dist/esm/scripts');
  const names = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<
      string,
      { name?: string; content?: string }
    >;
    for (const script of Object.values(mod))
      if (script?.name && script.content)
        names.set(createHash('sha1').update(script.content).digest('hex'), script.name);
  }
  return names;
}

/** `EVALSHA <sha>` → `EVALSHA <script name>` where the sha is BullMQ's. */
export function nameScripts(byName: Map<string, number>, scripts: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of byName) {
    const sha = name.startsWith('EVALSHA ') ? name.slice(8) : undefined;
    const named = sha ? `EVALSHA ${scripts.get(sha) ?? sha.slice(0, 8)}` : name;
    out.set(named, (out.get(named) ?? 0) + n);
  }
  return out;
}
