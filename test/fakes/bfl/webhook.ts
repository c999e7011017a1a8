/**
 * BFL's webhook, as bfl-api.md describes it: when a task submitted with `webhook_url` and
 * `webhook_secret` is terminal, a POST to that URL with the secret verbatim in `X-Webhook-Secret`.
 * The body is not documented; this one names the task as `task_id` (clients must accept `id` too) and
 * carries a status and result that a client must not trust. `dropWebhooks` loses the next N calls.
 */
import type { FakeState, FakeTask } from './types.ts';

const STATUS: Record<string, string> = {
  ready: 'Ready',
  'request-moderated': 'Request Moderated',
  'content-moderated': 'Content Moderated',
  error: 'Error',
  failed: 'Failed',
};

export function scheduleWebhook(state: FakeState, task: FakeTask): void {
  const hook = task.webhook;
  const status = STATUS[task.outcome];
  if (!hook || !status) return;
  const timer = setTimeout(
    () => {
      state.timers.delete(timer);
      void call(state, task, hook, status);
    },
    Math.max(0, task.readyAt - Date.now()),
  );
  state.timers.add(timer);
}

async function call(state: FakeState, task: FakeTask, hook: { url: string; secret: string }, status: string) {
  const record = {
    taskId: task.id,
    status,
    at: Date.now(),
    lost: false,
  } as FakeState['webhookCalls'][number];
  state.webhookCalls.push(record);
  if (state.opts.dropWebhooks > 0) {
    state.opts.dropWebhooks--;
    record.lost = true;
    state.counts.lostWebhooks++;
    return;
  }
  state.counts.webhooks++;
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': hook.secret },
      body: JSON.stringify({
        task_id: task.id,
        status,
        result: status === 'Ready' ? { seed: task.body.seed } : null,
      }),
    });
    record.answer = res.status;
    await res.text();
  } catch {
    // Nobody listening: BFL does not tell the client either.
  }
}
