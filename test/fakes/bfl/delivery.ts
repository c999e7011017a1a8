/** The delivery host: serves signed sample URLs, needs no key, and refuses expired or tampered links. */
import type { ServerResponse } from 'node:http';
import { makePng, tinyJpeg, tinyPng } from '../images.ts';
import { sign } from './poll.ts';
import type { FakeState, FakeTask, RecordedRequest } from './types.ts';

/** An 8×8 lossless WebP. */
export const tinyWebp = Buffer.from(
  '524946461e000000574542505650384c110000002f07c001000750a82217aaff8188e87f0000',
  'hex',
);

const pngs = new Map<string, Buffer>();

export function handleDelivery(state: FakeState, entry: RecordedRequest, res: ServerResponse): void {
  if (state.opts.holdDeliveries) {
    state.held.push(() => handleDelivery(state, entry, res));
    return;
  }
  const url = new URL(entry.path, 'http://x');
  const m = /^\/samples\/([^.]+)\.(png|jpg|webp)$/.exec(url.pathname);
  const task = m ? state.tasks.get(m[1] as string) : undefined;
  if (!task)
    return void res
      .writeHead(404, { 'content-type': 'application/xml' })
      .end('<Error><Code>BlobNotFound</Code></Error>');
  const exp = url.searchParams.get('se') ?? '';
  const valid = url.searchParams.get('sig') === sign(state, `${url.pathname}:${exp}`);
  if (!valid || Number(exp) < Date.now()) {
    res
      .writeHead(403, { 'content-type': 'application/xml' })
      .end('<Error><Code>AuthenticationFailed</Code></Error>');
    return;
  }
  state.counts.downloads++;
  task.downloads++;
  task.downloadedAt ??= Date.now();
  const { data, type } = imageFor(state, task, m?.[2] as string);
  if (task.plan.noLength) {
    // Chunked, no content-length: the client must count while streaming.
    res.writeHead(200, { 'content-type': type });
    const half = Math.floor(data.length / 2);
    res.write(data.subarray(0, half));
    res.end(data.subarray(half));
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': data.length }).end(data);
}

function imageFor(state: FakeState, task: FakeTask, ext: string): { data: Buffer; type: string } {
  const image = task.plan.image;
  if (image.kind === 'html')
    return {
      data: Buffer.from('<!doctype html><title>Oops</title><p>Something went wrong</p>'),
      type: 'image/png',
    };
  if (image.kind === 'big' && state.opts.bigImage) return { data: state.opts.bigImage, type: 'image/png' };
  if (image.kind === 'png') {
    const key = `${image.width}x${image.height}`;
    let data = pngs.get(key);
    if (!data) {
      data = makePng(image.width, image.height, true);
      pngs.set(key, data);
    }
    return { data, type: 'image/png' };
  }
  if (ext === 'png') return { data: tinyPng, type: 'image/png' };
  if (ext === 'webp') return { data: tinyWebp, type: 'image/webp' };
  return { data: tinyJpeg, type: 'image/jpeg' };
}
