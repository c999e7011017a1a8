/**
 * A deploy's SIGTERM against real `npm start` processes (Slack HTTP mode, fake BFL and Slack): readiness
 * goes 503 at once, a command that still arrives is stored, a delivery under way gets the grace period,
 * the process exits 0 by itself, and the next start delivers every paid image once, resubmitting nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Run, startedPort } from './support/main-process.ts';
import { commandBody, postForm } from './support/slack.ts';
import { useSlackBotProcesses } from './support/slack-app.ts';
import { until } from './support/until.ts';

const fakes = useSlackBotProcesses({ generationMs: 50 });
const bot = (cwd: string, dataDir: string): Run =>
  fakes.run('main', cwd, dataDir, { env: { FLUX_STOP_GRACE_SECONDS: '3' } });

const completedFiles = () => [...fakes.slack.uploads.values()].filter((u) => u.completed).length;

describe('SIGTERM', () => {
  it('drains: not ready, new commands stored, exit 0 within the grace period; the next start delivers all 26 images once, with 0 resubmits', async () => {
    const { bfl, slack } = fakes;
    const cwd = mkdtempSync(join(tmpdir(), 'flux-drain-'));
    const dataDir = join(cwd, 'data');
    const first = bot(cwd, dataDir);
    const port = await startedPort(first);
    const command = (text: string, user: string) =>
      postForm(port, commandBody(text, slack, { user_id: user })).then((r) => expect(r.status).toBe(200));

    // A delivery under way at SIGTERM: its share (the images with their details) never answers.
    slack.faults.push({ method: 'files.completeUploadExternal', count: 1, hang: true });
    await command('held fox --model klein-4b --seed 1', 'U0');
    await until(
      () => slack.calls.some((c) => c.method === 'files.completeUploadExternal'),
      60_000,
      'the delivery to hang',
    );
    // 24 tasks in flight at the provider: six members, four images each, generating for 8 s.
    for (let u = 1; u <= 6; u++) await command(`[gen-ms=8000] fox ${u} --model klein-4b --count 4`, `U${u}`);
    await until(() => bfl.counts.accepted === 25, 60_000, '24 more tasks submitted');

    first.child.kill('SIGTERM');
    const ready = await until(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 503 && ((await res.json()) as Record<string, unknown>);
      },
      10_000,
      'readiness 503',
    );
    expect(ready).toMatchObject({ ok: false, draining: true });
    // A command that arrives while draining is acknowledged and kept for the next start.
    await command('late fox --model klein-4b --seed 3', 'U7');
    const { code, signal } = await first.exited;
    expect(signal).toBeNull();
    expect(code).toBe(0); // main.ts exits 1 when it has to force its way out past the grace period.
    expect(bfl.counts.submits).toBe(25); // The late one was stored, not submitted.

    const second = bot(cwd, dataDir);
    await startedPort(second);
    await until(() => completedFiles() === 26, 90_000, 'all 26 images in their threads');
    expect(bfl.counts.submits).toBe(26);
    expect(bfl.counts.accepted).toBe(26);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    // Delivered once each: no file was shared twice.
    expect(completedFiles()).toBe(26);
  }, 240_000);
});
