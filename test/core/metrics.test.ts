import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.ts';
import type { JobView } from '../../src/core/job-types.ts';
import { createMetrics } from '../../src/core/metrics.ts';
import { request } from '../support/core.ts';
import { createFakeProvider, rateLimited } from '../support/fake-provider.ts';

function job(over: Partial<JobView> = {}): JobView {
  return {
    id: 'j1',
    state: 'ready',
    request: request({ prompt: 'a fox', model: 'klein-4b' }),
    origin: { platform: 'slack', userId: 'U_SECRET_USER', workspaceId: 'T_SECRET_TEAM', channelId: 'C1' },
    delivery: {},
    estimateMicros: 15_000,
    costMicros: 15_000,
    createdAt: 1_000,
    startedAt: 3_000,
    tasks: [],
    ...over,
  };
}

const value = (text: string, line: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(line))
      ?.slice(line.length)
      .trim(),
  );

describe('metrics', () => {
  it('counts outcomes, images, spend and durations in base units, with no user, channel or workspace ids', async () => {
    let now = 5_000;
    const metrics = createMetrics({ load: () => ({ queued: 7, active: 3 }) }, { now: () => now });
    const j = job();
    metrics.jobEvent({ type: 'started', job: j });
    metrics.jobEvent({
      type: 'ready',
      job: j,
      images: [{ index: 0, seed: 1, data: Buffer.alloc(1), contentType: 'image/png', costMicros: 15_000 }],
    });
    now = 5_250;
    metrics.delivered(j, 'delivered', 5_000);
    metrics.jobEvent({
      type: 'failed',
      job: job({ id: 'j2', state: 'failed', costMicros: 0 }),
      error: { code: 'CONTENT_MODERATED', message: 'x', charge: 'none' },
    });
    metrics.platformError('slack');
    const { body, contentType } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    expect(value(body, 'flux_jobs_total{outcome="delivered"}')).toBe(1);
    expect(value(body, 'flux_jobs_total{outcome="failed"}')).toBe(1);
    expect(value(body, 'flux_images_total{model="klein-4b"}')).toBe(1);
    expect(value(body, 'flux_spend_usd_total{model="klein-4b"}')).toBeCloseTo(0.015, 9);
    expect(value(body, 'flux_queue_depth')).toBe(7);
    expect(value(body, 'flux_provider_tasks_active')).toBe(3);
    expect(value(body, 'flux_queue_wait_seconds_sum')).toBeCloseTo(2, 9);
    expect(value(body, 'flux_generation_seconds_sum{model="klein-4b"}')).toBeCloseTo(2, 9);
    expect(value(body, 'flux_ready_to_delivered_seconds_sum')).toBeCloseTo(0.25, 9);
    expect(value(body, 'flux_platform_api_errors_total{platform="slack"}')).toBe(1);
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).not.toMatch(/U_SECRET_USER|T_SECRET_TEAM|C1"/);
  });

  it('counts every provider error by code, 429s separately, and passes results and errors through', async () => {
    const metrics = createMetrics({ load: () => ({ queued: 0, active: 0 }) });
    const fake = createFakeProvider();
    const provider = metrics.instrument(fake);
    fake.onSubmit((_, n) => {
      if (n === 0) throw rateLimited();
      if (n === 1) throw new ProviderError('PROVIDER_OUT_OF_CREDITS', 'out of credits');
      return { taskId: 'ok', pollingUrl: 'https://poll.example/ok', submittedAt: 1 };
    });
    const spec = { request: request({ prompt: 'a fox', model: 'klein-4b' }), seed: 1 };
    await expect(provider.submit(spec)).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    await expect(provider.submit(spec)).rejects.toMatchObject({ code: 'PROVIDER_OUT_OF_CREDITS' });
    await expect(provider.submit(spec)).resolves.toMatchObject({ taskId: 'ok' });
    expect(provider.name).toBe('bfl');
    const { body } = await metrics.scrape();
    expect(value(body, 'flux_provider_errors_total{code="PROVIDER_RATE_LIMITED"}')).toBe(1);
    expect(value(body, 'flux_provider_errors_total{code="PROVIDER_OUT_OF_CREDITS"}')).toBe(1);
    expect(value(body, 'flux_provider_rate_limited_total')).toBe(1);
  });
});
