import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  resolveSlackReferences,
  type SlackFileDeps,
  slackFileReference,
} from '../../../src/bots/slack/files.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { ReferenceUrlError } from '../../../src/core/reference-url.ts';
import { makePng } from '../../fakes/images.ts';
import type { FakeSlack } from '../../fakes/slack-server.ts';
import { startSlackContextDeps } from '../../support/slack.ts';

const HERE = { channelId: 'C100', userId: 'U100' };

let slack: FakeSlack;
let closeSlack: () => Promise<void>;
let deps: SlackFileDeps;
/** Another loopback host: must never be contacted with (or without) the token. */
let other: { server: Server; url: string; hits: Array<string | undefined> };

beforeEach(async () => {
  const started = await startSlackContextDeps();
  ({ slack, close: closeSlack } = started);
  deps = started.deps.files;
  const hits: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    hits.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'image/png' }).end(makePng(4, 4));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  other = { server, url: `http://localhost:${(server.address() as AddressInfo).port}`, hits };
});
afterEach(async () => {
  await closeSlack();
  await new Promise((r) => other.server.close(r));
});

const resolve = (refs: string[], scope = HERE) => resolveSlackReferences(refs, deps, scope);
async function refusal(refs: string[], scope = HERE): Promise<ValidationError> {
  const err = await resolve(refs, scope).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('Slack file references', () => {
  it('reads a url_private with the bot token and hands the provider bytes', async () => {
    const png = makePng(8, 8);
    const file = slack.addFile('cat.png', png);
    const [ref] = await resolve([file.url_private]);
    expect(ref).toMatchObject({ kind: 'bytes', contentType: 'image/png', name: 'cat.png' });
    expect(ref?.kind === 'bytes' && ref.data.equals(png)).toBe(true);
    expect(slack.calls.find((c) => c.method === 'files.info')?.params.file).toBe(file.id);
  });

  it('resolves a permalink through files.info', async () => {
    const file = slack.addFile('dog.png', makePng(8, 8));
    const [ref] = await resolve([file.permalink]);
    expect(ref?.kind).toBe('bytes');
    expect(slack.fileRequests).toEqual([
      { path: `/files-pri/T1-${file.id}/dog.png`, auth: `Bearer ${slack.botToken}` },
    ]);
  });

  it('never sends the token to a Slack API path given as a reference', async () => {
    const err = await refusal([`${slack.apiUrl}chat.delete?channel=C100&ts=1.000001`]);
    expect(err.got).toContain('not a file');
    expect(slack.calls).toHaveLength(0);
  });

  it('refuses a file from a private conversation this channel cannot see, unless it is the requester’s own', async () => {
    const secret = slack.addFile('secret.png', makePng(8, 8), 'image/png', {
      user: 'U555',
      groups: ['G9'],
    });
    const err = await refusal([secret.url_private]);
    expect(err.allowed).toContain('shared in this channel');
    expect(slack.fileRequests).toHaveLength(0);
    await expect(resolve([secret.url_private], { channelId: 'C100', userId: 'U555' })).resolves.toHaveLength(
      1,
    );
    await expect(resolve([secret.url_private], { channelId: 'G9', userId: 'U100' })).resolves.toHaveLength(1);
  });

  it('says the files:read scope is missing (files.info refused, or the file host answers a login page)', async () => {
    const file = slack.addFile('cat.png', makePng(8, 8));
    slack.missingFilesScope = true;
    expect((await refusal([file.url_private])).allowed).toContain('files:read');
    slack.missingFilesScope = false;
    const page = slack.addFile('login.png', Buffer.from('<!DOCTYPE html><html>Sign in</html>'));
    expect((await refusal([page.url_private])).allowed).toContain('files:read');
  });

  it('reads a result the bot uploaded, named by file id only, through files.info', async () => {
    const png = makePng(8, 8);
    const file = slack.addFile('flux-1.png', png);
    const [ref] = await resolve([slackFileReference(file.id)]);
    expect(ref?.kind === 'bytes' && ref.data.equals(png)).toBe(true);
    expect(slack.calls.find((c) => c.method === 'files.info')?.params.file).toBe(file.id);
  });

  it('says the bot cannot read a file that is gone, naming both causes', async () => {
    const err = await refusal([slackFileReference('F0NOSUCH')]);
    expect(err.allowed).toContain('shared in this channel');
    expect(err.allowed).toContain('files:read');
    expect(slack.fileRequests).toHaveLength(0);
  });

  it('follows Slack’s redirect within Slack with the token, and refuses one that leaves Slack', async () => {
    const file = slack.addFile('cdn.png', makePng(8, 8));
    slack.fileRedirect = `${slack.base}/files-cdn/T1-${file.id}/cdn.png`;
    await expect(resolve([file.url_private])).resolves.toHaveLength(1);
    expect(slack.fileRequests.map((r) => [r.path.split('/')[1], r.auth])).toEqual([
      ['files-pri', `Bearer ${slack.botToken}`],
      ['files-cdn', `Bearer ${slack.botToken}`],
    ]);
    slack.fileRedirect = `${other.url}/stolen.png`;
    expect((await refusal([file.url_private])).got).toContain('redirect');
    expect(other.hits).toEqual([]);
  });

  it('refuses non-images and files over 20 MB before spending anything', async () => {
    const text = slack.addFile('notes.png', Buffer.from('just some text, not an image'));
    expect((await refusal([text.url_private])).got).toBe('not an image');
    const big = slack.addFile('big.png', Buffer.concat([makePng(4, 4), Buffer.alloc(21 * 1024 * 1024)]));
    expect((await refusal([big.url_private])).allowed).toContain('20 MB');
  });
});

describe('other references', () => {
  it('passes public links on as links without fetching them', async () => {
    const refs = await resolve(['https://images.example.com/fox.jpg?w=1&h=2']);
    expect(refs).toEqual([{ kind: 'url', url: 'https://images.example.com/fox.jpg?w=1&h=2' }]);
    expect(slack.calls).toHaveLength(0);
  });

  it('refuses private, loopback and link-local hosts, other schemes, and credentials in links', async () => {
    for (const bad of [
      'http://10.0.0.5/a.png',
      'http://192.168.1.10/a.png',
      'http://127.0.0.1/a.png',
      'http://2130706433/a.png',
      'http://0x7f.1/a.png',
      'http://localhost:8080/a.png',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/a.png',
      'http://[::ffff:127.0.0.1]/a.png',
      'http://metadata/computeMetadata',
      'https://user:pass@images.example.com/a.png',
      `${other.url}/a.png`,
    ])
      expect(await refusal([bad]), bad).toBeInstanceOf(ReferenceUrlError);
    expect((await refusal(['file:///etc/passwd'])).allowed).toContain('http(s)');
    expect((await refusal(['not a link'])).allowed).toContain('Slack file');
    expect(other.hits).toEqual([]);
  });

  it('names which --ref is wrong when there are several', async () => {
    const file = slack.addFile('ok.png', makePng(8, 8));
    const err = await refusal([file.url_private, 'http://10.1.1.1/x.png']);
    expect(err.option).toBe('--ref 2');
  });
});
