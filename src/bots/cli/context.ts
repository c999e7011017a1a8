/**
 * The command line as a CommandContext: the card is a status line on stderr, results are files. It
 * lets an admin try a key with the exact grammar and core the bots use.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, writeFile } from 'node:fs/promises';
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
import { checkReferenceUrl } from '../../core/reference-url.ts';
import { LIMITS, type Reference, sniffImageType } from '../../core/request.ts';

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
      // A failure's words live on the card itself (platforms lay them out); the terminal prints them.
      const line = card.failure ? `${card.status} · ${card.failure.text}` : (card.summary ?? card.status);
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
  const option = `--ref ${i + 1}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref))
    return { kind: 'url', url: checkReferenceUrl(ref, { option }).toString() };
  const data = await readImageFile(ref, option);
  const contentType = sniffImageType(data);
  if (!contentType)
    throw new ValidationError('REFERENCE_INVALID', option, 'PNG, JPEG, WebP or GIF images', basename(ref));
  return { kind: 'bytes', data, contentType, name: basename(ref) };
}

/**
 * A regular file of at most 20 MB, checked before reading: `/dev/zero` would grow without end, and a FIFO
 * would wait forever (opened non-blocking, so even its open returns at once). The check and the read use
 * one handle, so the file cannot be swapped in between.
 */
async function readImageFile(path: string, option: string): Promise<Buffer> {
  const mb = LIMITS.referenceMaxBytes / 1024 / 1024;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    throw new ValidationError('REFERENCE_INVALID', option, 'an image file path or an http(s) link', path);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        'a regular image file',
        `${path} (${kindOf(stat)})`,
      );
    if (stat.size > LIMITS.referenceMaxBytes)
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        `images up to ${mb} MB`,
        `${(stat.size / 1024 / 1024).toFixed(1)} MB`,
      );
    // One byte more than stat said: a file that grew since (a log, a device) is refused, not truncated.
    const buffer = Buffer.alloc(stat.size + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > stat.size)
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        'a regular image file',
        `${path} (still growing)`,
      );
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function numbered(out: string, index: number, total: number, generated: string): string {
  const ext = extname(out) || extname(generated);
  const stem = extname(out) ? out.slice(0, -extname(out).length) : out;
  return total > 1 ? `${stem}-${index + 1}${ext}` : `${stem}${ext}`;
}

function stripMarkup(text: string): string {
  return text.replace(/`/g, '').replace(/\*/g, '');
}
