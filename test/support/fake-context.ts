/**
 * A CommandContext that records what a command did — private replies, cards, results, forms — for unit
 * tests of the command modules. Platform adapters are tested against their loopback fakes instead.
 */
import type {
  Actor,
  Button,
  Card,
  CommandContext,
  Form,
  OutputImage,
  PostedResult,
  ResultPost,
} from '../../src/commands/context.ts';
import type { Platform } from '../../src/core/job-types.ts';
import type { Reference } from '../../src/core/request.ts';

export interface FakeContext extends CommandContext {
  /** Private replies (errors, refusals, usage, help), in order. */
  readonly replies: Array<{ text: string; images: OutputImage[]; buttons: Button[] }>;
  /** Every card shown, in order (the first posts, later ones edit). */
  readonly cards: Card[];
  readonly results: ResultPost[];
  readonly forms: Form[];
  /** Texts sent with tellRequester. */
  readonly told: string[];
  /** How many times removeResult was called. */
  removals: number;
  /** `--ref` values the command asked to resolve. */
  readonly resolved: string[][];
}

export interface FakeContextOptions {
  platform?: Platform;
  actor?: Partial<Actor>;
  workspaceId?: string | null;
  channelId?: string;
}

export function createFakeContext(options: FakeContextOptions = {}): FakeContext {
  const actor: Actor = { id: 'U_ANA', name: 'Ana', isAdmin: false, ...options.actor };
  const ctx: FakeContext = {
    platform: options.platform ?? 'slack',
    actor,
    ...(options.workspaceId === null ? {} : { workspaceId: options.workspaceId ?? 'T1' }),
    channelId: options.channelId ?? 'C1',
    replies: [],
    cards: [],
    results: [],
    forms: [],
    told: [],
    removals: 0,
    resolved: [],
    async replyPrivate(text, images = [], buttons = []) {
      ctx.replies.push({ text, images, buttons });
    },
    async showCard(card) {
      ctx.cards.push(card);
    },
    async postResult(post): Promise<PostedResult> {
      ctx.results.push(post);
      return { imageUrls: post.images.map((img) => `https://files.example/${img.name}`) };
    },
    async removeResult() {
      ctx.removals++;
      return { failures: [] };
    },
    async tellRequester(text) {
      ctx.told.push(text);
      return { told: true, imagesSent: false };
    },
    async resolveReferences(refs): Promise<Reference[]> {
      ctx.resolved.push(refs);
      return refs.map((url) => ({ kind: 'url', url }));
    },
    async openForm(form) {
      ctx.forms.push(form);
    },
    delivery: () => ({ fake: true }),
  };
  return ctx;
}

/** A status card as the /flux use case shows it; a summary is the job's last word (a final card). */
export const statusCard = (status: string, summary?: string, title = 'Ana asked for'): Card => ({
  title,
  prompt: 'a fox',
  fields: [],
  status,
  buttons: [],
  final: summary !== undefined,
  ...(summary ? { summary } : {}),
});
