/**
 * The command line as a CommandContext: the card is a status line on stderr, results are files. It
 * lets an admin try a key with the exact grammar and core the bots use.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type {
  Actor,
  Card,
  CommandContext,
  ContextFactory,
  Form,
  PostedResult,
  ResultPost,
} from '../../commands/context.ts';
import { ValidationError } from '../../core/errors.ts';
import { type Reference, sniffImageType } from '../../core/request.ts';

export interface CliOutput {
  write(line: string): void;
}

export interface CliContextOptions {
  /** Where to write images; count > 1 adds -1, -2 … before the extension. Default: ./flux-<seed>.<ext> */
  out?: string;
  output: CliOutput;
}

export function createCliContext(options: CliContextOptions): CommandContext & { written: string[] } {
  const actor: Actor = { id: 'cli', name: 'You', isAdmin: true };
  const written: string[] = [];
  let lastStatus = '';
  const say = (line: string) => options.output.write(`${line}\n`);

  return {
    platform: 'cli',
    actor,
    written,
    async replyPrivate(text) {
      say(stripMarkup(text));
    },
    async showCard(card: Card) {
      const line = card.summary ?? card.status;
      if (!lastStatus) {
        for (const f of card.fields) say(`${f.label}: ${f.value}`);
      }
      if (line !== lastStatus) say(line);
      lastStatus = line;
    },
    async postResult(post: ResultPost): Promise<PostedResult> {
      for (const [i, image] of post.images.entries()) {
        const path = options.out ? numbered(options.out, i, post.images.length, image.name) : image.name;
        await writeFile(path, image.data);
        written.push(path);
        say(`Wrote ${path} (${(image.data.length / 1024).toFixed(0)} KiB)`);
      }
      for (const note of post.notes) say(note);
      const cost = post.fields.find((f) => f.label === 'Cost');
      if (cost) say(`Cost charged: ${cost.value}`);
      return { imageUrls: [...written] };
    },
    async removeResult() {
      return { failures: [] };
    },
    async tellRequester(text) {
      say(stripMarkup(text));
      return { told: true, imagesSent: false };
    },
    async openForm(form: Form) {
      say(`(${form.title} is not available on the command line)`);
    },
    async resolveReferences(refs) {
      return Promise.all(refs.map((ref, i) => resolveOne(ref, i)));
    },
    delivery() {
      return { out: options.out ?? null };
    },
  };
}

/** The CLI never resumes a job in another process's terminal; restored jobs just log. */
export function createCliFactory(output: CliOutput): ContextFactory {
  return {
    restore(delivery) {
      const out = typeof delivery.out === 'string' ? delivery.out : undefined;
      return createCliContext(out ? { out, output } : { output });
    },
  };
}

async function resolveOne(ref: string, i: number): Promise<Reference> {
  if (/^https?:\/\//i.test(ref)) return { kind: 'url', url: ref };
  let data: Buffer;
  try {
    data = await readFile(ref);
  } catch {
    throw new ValidationError(
      'REFERENCE_INVALID',
      `--ref ${i + 1}`,
      'an image file path or an http(s) link',
      ref,
    );
  }
  const contentType = sniffImageType(data);
  if (!contentType)
    throw new ValidationError(
      'REFERENCE_INVALID',
      `--ref ${i + 1}`,
      'PNG, JPEG, WebP or GIF images',
      basename(ref),
    );
  return { kind: 'bytes', data, contentType, name: basename(ref) };
}

function numbered(out: string, index: number, total: number, generated: string): string {
  const ext = extname(out) || extname(generated);
  const stem = extname(out) ? out.slice(0, -extname(out).length) : out;
  return total > 1 ? `${stem}-${index + 1}${ext}` : `${stem}${ext}`;
}

function stripMarkup(text: string): string {
  return text.replace(/`/g, '').replace(/\*/g, '');
}
