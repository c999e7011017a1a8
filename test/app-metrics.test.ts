/**
 * GET /metrics on the real HTTP server after real jobs through the Slack bot and the fake BFL: the
 * figures move with what happened, carry no member or workspace ids, and the token guards them.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL, commandBody, postForm, TEAM, USER } from './support/slack.ts';
import { useSlackApp } from './support/slack-app.ts';
import { until } from './support/until.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';
const t = useSlackApp({
  bfl: { generationMs: 30 },
  config: (c) => ({ ...c, metricsToken: TOKEN }),
  once: true,
});

const scrape = (auth?: string) =>
  fetch(`http://127.0.0.1:${t.port}/metrics`, auth ? { headers: { authorization: auth } } : {});
const value = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.slice(series.length + 1),
  );

describe('GET /metrics', () => {
  it('counts delivered jobs, images, spend, moderation and provider errors, with no member ids', async () => {
    await postForm(t.port, commandBody('a fox --model klein-4b --count 2 --seed 4', t.slack));
    await postForm(t.port, commandBody('[content-moderated] a fox --model klein-4b --seed 5', t.slack));
    await until(
      () => t.slack.uploads.size === 2 && t.bfl.counts.accepted === 3,
      15_000,
      'two images and one refusal',
    );
    let text = '';
    await until(
      async () => {
        text = await (await scrape(`Bearer ${TOKEN}`)).text();
        return (
          value(text, 'flux_jobs_total{outcome="delivered"}') === 1 &&
          value(text, 'flux_jobs_total{outcome="failed"}') === 1
        );
      },
      15_000,
      'both outcomes counted',
    );
    expect(value(text, 'flux_images_total{model="klein-4b"}')).toBe(2);
    expect(value(text, 'flux_spend_usd_total{model="klein-4b"}')).toBeGreaterThan(0);
    expect(value(text, 'flux_provider_errors_total{code="CONTENT_MODERATED"}')).toBe(1);
    expect(value(text, 'flux_ready_to_delivered_seconds_count')).toBe(1);
    expect(value(text, 'flux_queue_depth')).toBe(0);
    expect(value(text, 'flux_provider_tasks_active')).toBe(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    for (const id of [USER, TEAM, CHANNEL]) expect(text).not.toContain(id);
  });

  it('answers 401 without the bearer token, or with a wrong one', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('keeps /livez and /readyz open and answers 200 while all is well', async () => {
    expect((await fetch(`http://127.0.0.1:${t.port}/livez`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${t.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, store: 'ok' });
  });
});
