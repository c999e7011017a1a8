/**
 * The contract every CommandContext adapter passes (Discord, Slack, CLI). Each platform supplies a
 * harness that builds a real context against its loopback fake and reads back what the fake saw, in
 * platform-neutral terms. Call `describeContextContract` from the platform's test file.
 */
import { describe, expect, it } from 'vitest';
import type { Card, CommandContext, ContextFactory, ResultPost } from '../../src/commands/context.ts';

/** What a platform fake observed, reduced to what the contract cares about. */
export interface Observed {
  /** Texts only the actor could see (ephemeral / postEphemeral / response_url with ephemeral). */
  privateTexts: string[];
  /** The card as last rendered, as plain text (all text of the message, buttons' labels included). */
  cardText: string | undefined;
  /** How many distinct public card messages were created (must be 1 per job). */
  cardsCreated: number;
  /** Result posts: file byte lengths and all their text, and whether they went into a thread. */
  results: Array<{ fileSizes: number[]; text: string; inThread: boolean; threadName?: string }>;
  /** Result posts deleted so far. */
  deletedResults: number;
  /** Forms opened, with their field names and prefilled values. */
  forms: Array<{ id: string; title: string; fields: Record<string, string | undefined> }>;
}

export interface ContractHarness {
  ctx: CommandContext;
  /** The adapter's factory, to rebuild the context from `ctx.delivery()` as after a restart. */
  factory: ContextFactory;
  observe(): Promise<Observed>;
  /** A case where a thread cannot be made (DM, missing permission, already in a thread). */
  withoutThreads(): Promise<ContractHarness>;
  close(): Promise<void>;
}

/**
 * Where an adapter legitimately works otherwise than a chat platform (the CLI: a terminal and files); the
 * contract then checks what the adapter does instead. Discord and Slack pass none.
 */
export interface ContextDifferences {
  /** No threads: results always go under the card. */
  noThreads?: boolean;
  /** No buttons: results carry no Reroll/Delete labels. */
  noButtons?: boolean;
  /** A context rebuilt from its delivery data starts a card of its own instead of editing the first. */
  restoredCardIsNew?: boolean;
  /** Posted results are never removed (they are the member's own files). */
  keepsResults?: boolean;
  /** Forms cannot open: the actor is told so privately, by the form's title. */
  noForms?: boolean;
}

const png = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

function card(status: string, summary?: string): Card {
  const c: Card = {
    title: 'Ana asked for',
    prompt: 'a red fox in the snow',
    fields: [
      { label: 'Model', value: 'FLUX.2 [pro]' },
      { label: 'Seed', value: '42', code: true },
    ],
    status,
    buttons: [{ action: 'cancel', jobId: 'job-1', label: 'Cancel', style: 'secondary' }],
    final: false,
  };
  if (summary) {
    c.summary = summary;
    c.final = true;
  }
  return c;
}

function result(count = 1): ResultPost {
  return {
    jobId: 'job-1',
    images: Array.from({ length: count }, (_, i) => ({
      name: `flux-${42 + i}.png`,
      data: png,
      contentType: 'image/png',
    })),
    fields: [
      { label: 'Prompt', value: 'a red fox in the snow' },
      { label: 'Cost', value: '$0.045' },
    ],
    notes: ['Image 2 (seed 43): refused by the safety filter. Not charged.'],
    buttons: [
      { action: 'reroll', jobId: 'job-1', label: 'Reroll' },
      { action: 'delete', jobId: 'job-1', label: 'Delete', style: 'danger' },
    ],
  };
}

export function describeContextContract(
  platform: string,
  setup: () => Promise<ContractHarness>,
  differs: ContextDifferences = {},
): void {
  describe(`CommandContext contract: ${platform}`, () => {
    it('shows private replies only to the actor', async () => {
      const h = await setup();
      try {
        await h.ctx.replyPrivate('`size`: allowed WxH');
        const seen = await h.observe();
        expect(seen.privateTexts.join('\n')).toContain('allowed WxH');
        expect(seen.cardsCreated).toBe(0);
      } finally {
        await h.close();
      }
    });

    it('creates one card and edits it in place', async () => {
      const h = await setup();
      try {
        await h.ctx.showCard(card('Queued · #3 in line'));
        await h.ctx.showCard(card('Generating · 4 s'));
        await h.ctx.showCard(card('Done', 'Done in 8.2 s · $0.045 · see thread'));
        const seen = await h.observe();
        expect(seen.cardsCreated).toBe(1);
        expect(seen.cardText).toContain('Done in 8.2 s · $0.045 · see thread');
      } finally {
        await h.close();
      }
    });

    it('posts images and details in a thread named after the prompt', async () => {
      const h = await setup();
      try {
        await h.ctx.showCard(card('Uploading'));
        const posted = await h.ctx.postResult(result(2), 'a red fox in the snow');
        const seen = await h.observe();
        expect(seen.results).toHaveLength(1);
        expect(seen.results[0]?.fileSizes).toEqual([png.length, png.length]);
        expect(seen.results[0]?.inThread).toBe(!differs.noThreads);
        if (!differs.noThreads) expect(seen.results[0]?.threadName).toContain('a red fox');
        expect(seen.results[0]?.text).toContain('$0.045');
        if (!differs.noButtons) expect(seen.results[0]?.text).toContain('Reroll');
        expect(posted.imageUrls).toHaveLength(2);
      } finally {
        await h.close();
      }
    });

    it('falls back to posting under the card when no thread can be made', async () => {
      const base = await setup();
      const h = await base.withoutThreads();
      try {
        await h.ctx.showCard(card('Uploading'));
        await h.ctx.postResult(result(1), 'a red fox');
        const seen = await h.observe();
        expect(seen.results).toHaveLength(1);
        expect(seen.results[0]?.inThread).toBe(false);
      } finally {
        await h.close();
        await base.close();
      }
    });

    it('is rebuilt from its delivery data and keeps editing the same card', async () => {
      const h = await setup();
      try {
        await h.ctx.showCard(card('Queued · #1 in line'));
        const json = JSON.parse(JSON.stringify(h.ctx.delivery())) as Record<string, unknown>;
        const restored = h.factory.restore(json, h.ctx.actor);
        await restored.showCard(card('Done', 'Done in 1.0 s · $0.014 · see thread'));
        await restored.postResult(result(1), 'a red fox');
        const seen = await h.observe();
        expect(seen.cardsCreated).toBe(differs.restoredCardIsNew ? 2 : 1);
        expect(seen.cardText).toContain('Done in 1.0 s');
        expect(seen.results).toHaveLength(1);
      } finally {
        await h.close();
      }
    });

    it('deletes the result it posted', async () => {
      const h = await setup();
      try {
        await h.ctx.showCard(card('Uploading'));
        await h.ctx.postResult(result(1), 'a red fox');
        const restored = h.factory.restore(JSON.parse(JSON.stringify(h.ctx.delivery())), h.ctx.actor);
        await restored.removeResult();
        expect((await h.observe()).deletedResults).toBe(differs.keepsResults ? 0 : 1);
      } finally {
        await h.close();
      }
    });

    it('opens a form with its fields prefilled', async () => {
      const h = await setup();
      try {
        await h.ctx.openForm({
          id: 'remix:job-1',
          title: 'Remix',
          fields: [
            { name: 'prompt', label: 'Prompt', value: 'a red fox', multiline: true, required: true },
            { name: 'seed', label: 'Seed', value: '42' },
          ],
        });
        const seen = await h.observe();
        if (differs.noForms) {
          expect(seen.forms).toHaveLength(0);
          expect(seen.privateTexts.join('\n')).toContain('Remix');
          return;
        }
        expect(seen.forms).toHaveLength(1);
        expect(seen.forms[0]?.fields.prompt).toBe('a red fox');
        expect(seen.forms[0]?.fields.seed).toBe('42');
      } finally {
        await h.close();
      }
    });

    it('never puts a secret in its delivery data', async () => {
      const h = await setup();
      try {
        await h.ctx.showCard(card('Queued'));
        const json = JSON.stringify(h.ctx.delivery());
        expect(json).not.toMatch(/xox[bp]-|Bot [A-Za-z0-9]|signing/i);
      } finally {
        await h.close();
      }
    });
  });
}
