import { describe, expect, it } from 'vitest';
import {
  BudgetError,
  DEFAULT_SETTINGS,
  nextReset,
  type WorkspaceSettings,
  windowStart,
} from '../../src/core/budgets.ts';
import { buildCore, type Core, origin, request, tempDb } from '../support/core.ts';
import { inOrder } from '../support/in-order.ts';
import { runProcess } from '../support/main-process.ts';
import { useCores } from '../support/use-cores.ts';

const W = 'W1';
const inWorkspace = (user = 'u1', channel = 'c1') => ({
  ...origin(user),
  workspaceId: W,
  channelId: channel,
});
const settings = (over: Partial<WorkspaceSettings>): WorkspaceSettings => ({ ...DEFAULT_SETTINGS, ...over });

const fakes = useCores({ generationMs: 20 });
let core: Core;

describe('budget windows', () => {
  it('start days and months at the reset hour, in UTC', () => {
    const t = Date.UTC(2026, 10, 24, 3, 30);
    expect(new Date(windowStart('day', t, 0)).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(new Date(windowStart('day', t, 6)).toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(new Date(nextReset('day', t, 6)).toISOString()).toBe('2026-11-24T06:00:00.000Z');
    expect(new Date(windowStart('month', t, 0)).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(nextReset('month', Date.UTC(2026, 11, 31, 23), 0)).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });
});

describe('budgets', () => {
  it('refuses a job that would cross a budget, saying which, what is left and when it resets', async () => {
    core = fakes.core();
    core.store.putSettings(
      'cli',
      W,
      settings({ budgets: [{ scope: 'user', period: 'day', limitMicros: 100_000 }] }),
    );
    await core.jobs.start();
    const first = await core.jobs.create({
      request: request({ prompt: 'a', model: 'pro' }),
      origin: inWorkspace(),
    });
    await core.done(first.id);
    let err: unknown;
    try {
      await core.jobs.create({
        request: request({ prompt: 'b', model: 'pro', count: 2 }),
        origin: inWorkspace(),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BudgetError);
    const b = err as BudgetError;
    expect(b.state.budget).toMatchObject({ scope: 'user', period: 'day' });
    expect(b.state.leftMicros).toBe(100_000 - 45_000);
    expect(b.estimateMicros).toBe(90_000);
    expect(b.state.resetsAt).toBeGreaterThan(Date.now());
    // Another member has their own allowance.
    await expect(
      core.jobs.create({ request: request({ prompt: 'c', model: 'pro' }), origin: inWorkspace('u2') }),
    ).resolves.toBeDefined();
  });

  it('keeps an exact ledger: provider costs for charged jobs, nothing for moderated or refused ones', async () => {
    core = fakes.core();
    await core.jobs.start();
    const prompts = ['ok one', '[content-moderated] two', '[402] three', 'ok four'];
    const jobs = await inOrder(prompts.length, (i) =>
      core.jobs.create({
        request: request({ prompt: prompts[i] as string, model: 'klein-4b' }),
        origin: inWorkspace(`u${i}`),
      }),
    );
    await Promise.all(jobs.map((j) => core.done(j.id)));
    // The fake charges 4.5 credits per generated image.
    expect(core.store.spent({ platform: 'cli', workspaceId: W }, 0)).toBe(2 * 45_000);
    expect(core.store.spent({ platform: 'cli', workspaceId: W, userId: 'u1' }, 0)).toBe(0);
  });

  it('lets only the jobs that fit through when ten race one cap', async () => {
    core = fakes.core({ maxActive: 1 });
    core.store.putSettings(
      'cli',
      W,
      settings({ budgets: [{ scope: 'channel', period: 'month', limitMicros: 200_000 }] }),
    );
    const results = await Promise.allSettled(
      Array.from(
        { length: 10 },
        async (_, i) =>
          await core.jobs.create({
            request: request({ prompt: `r${i}`, model: 'pro' }),
            origin: inWorkspace(`u${i}`),
          }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => (r as PromiseRejectedResult).reason instanceof BudgetError),
    ).toBe(true);
  });

  it('holds the cap across processes sharing the store', async () => {
    const dbPath = tempDb();
    core = fakes.core({ dbPath });
    core.store.putSettings(
      'cli',
      W,
      settings({ budgets: [{ scope: 'workspace', period: 'day', limitMicros: 5 * 45_000 }] }),
    );
    const run = async () => {
      const child = runProcess('test/support/budget-child.ts', process.cwd(), {}, [dbPath, '10']);
      const { code } = await child.exited;
      if (code !== 0) throw new Error(`child exited ${code}: ${child.output()}`);
      return Number(child.stdout().trim());
    };
    const [a, b] = await Promise.all([run(), run()]);
    expect(a + b).toBe(5);
  });

  it('holds a job for confirmation with its estimate reserved, and queues it when confirmed', async () => {
    core = fakes.core();
    await core.jobs.start();
    const job = await core.jobs.create({
      request: request({ prompt: 'big', model: 'klein-4b' }),
      origin: inWorkspace(),
      awaitConfirmation: true,
    });
    expect(job.state).toBe('awaiting_confirmation');
    expect(core.store.spent({ platform: 'cli', workspaceId: W }, 0)).toBe(job.estimateMicros);
    await new Promise((r) => setTimeout(r, 50));
    expect(fakes.bfl.counts.submits).toBe(0);
    await core.jobs.confirm(job.id);
    expect((await core.done(job.id)).type).toBe('ready');
  });

  it('releases an unconfirmed job’s reservation when it expires, also after a restart', async () => {
    const dbPath = tempDb();
    const first = buildCore(fakes.bfl, { dbPath });
    const job = await first.jobs.create({
      request: request({ prompt: 'forgotten', model: 'pro' }),
      origin: inWorkspace(),
      awaitConfirmation: true,
    });
    expect(first.store.spent({ platform: 'cli', workspaceId: W }, 0)).toBe(45_000);
    // The process dies with the reservation open.
    first.store.close();
    core = fakes.core({ dbPath, confirmTtlMs: 30 });
    await core.jobs.start();
    const end = await core.done(job.id);
    expect(end.type).toBe('cancelled');
    expect(core.store.spent({ platform: 'cli', workspaceId: W }, 0)).toBe(0);
    await expect(core.jobs.confirm(job.id)).rejects.toThrow(
      expect.objectContaining({ code: 'CONFIRMATION_EXPIRED' }),
    );
  });
});
