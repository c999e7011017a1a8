/**
 * `--ref` links on Slack. Files shared in Slack (`url_private`, permalinks) are looked up with files.info,
 * downloaded with the bot token — sent only to Slack's own hosts — checked by magic bytes, and handed to
 * the provider as bytes. Other links go to the provider as links; we never fetch them, and refuse
 * private-network addresses.
 *
 * The bot sees files in every channel it was added to, so a member could otherwise pull an image out of a
 * private channel they are not in: a file is used only if it is public, the requester's own, or shared
 * in the channel the command runs in.
 */
import type { webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import { ValidationError } from '../../core/errors.ts';
import type { Reference } from '../../core/request.ts';
import { downloadSlackFile, MISSING_FILES_READ } from './download.ts';
import { isPrivateHost, isSlackFileUrl, isSlackHost, type SlackHosts } from './hosts.ts';

export { isPrivateHost, slackHostsFor } from './hosts.ts';

export interface SlackFileDeps {
  token: string;
  hosts: SlackHosts;
  client: webApi.WebClient;
  dispatcher: Dispatcher;
}

/** Who asks and where: a file must be visible there (see above). */
export interface RefScope {
  channelId: string;
  userId: string;
}

type FileInfo = NonNullable<webApi.FilesInfoResponse['file']>;

const SLACK_FILE = 'a Slack file from this channel, or a public https link to an image';

export async function resolveSlackReferences(
  urls: string[],
  deps: SlackFileDeps,
  scope: RefScope,
): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const [i, raw] of urls.entries()) {
    const option = urls.length > 1 ? `--ref ${i + 1}` : '--ref';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('REFERENCE_INVALID', option, SLACK_FILE, raw);
    }
    const fileId = slackFileId(url, deps.hosts);
    if (fileId) {
      const file = await fileInfo(fileId, option, deps);
      if (!visibleTo(file, scope))
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          'a Slack file shared in this channel (or your own upload)',
          'a file from a conversation this channel cannot see',
        );
      const source = file.url_private ? new URL(file.url_private) : url;
      out.push(await downloadSlackFile(source, option, deps, file.name));
    } else if (isSlackHost(url, deps.hosts)) {
      // A Slack page or API link is never an image, and must not be fetched with the token.
      throw new ValidationError('REFERENCE_INVALID', option, SLACK_FILE, 'a Slack link that is not a file');
    } else {
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', raw);
      if (url.username || url.password || isPrivateHost(url.hostname))
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          'a public link (not a private or local address)',
          url.hostname,
        );
      out.push({ kind: 'url', url: url.toString() });
    }
  }
  return out;
}

/** The file id of `url_private` (`/files-pri/T123-F456/…`) or a permalink (`team.slack.com/files/U1/F456/…`). */
export function slackFileId(url: URL, hosts: SlackHosts): string | undefined {
  if (isSlackFileUrl(url, hosts))
    return /^\/files-(?:pri|tmb)\/(?:[A-Z0-9]+-)?(F[A-Z0-9]+)/.exec(url.pathname)?.[1];
  if (url.protocol === 'https:' && /(^|\.)slack\.com$/.test(url.hostname))
    return /^\/files\/[A-Z0-9]+\/(F[A-Z0-9]+)/.exec(url.pathname)?.[1];
  return undefined;
}

async function fileInfo(file: string, option: string, deps: SlackFileDeps): Promise<FileInfo> {
  try {
    const res = await deps.client.files.info({ file });
    if (res.file) return res.file;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === 'missing_scope')
      throw new ValidationError('REFERENCE_INVALID', option, MISSING_FILES_READ, 'no files:read scope');
    if (code !== 'file_not_found' && code !== 'file_deleted') throw err;
  }
  throw new ValidationError(
    'REFERENCE_INVALID',
    option,
    'a Slack file the bot can see (share it in this channel)',
    'a file the bot cannot find',
  );
}

function visibleTo(file: FileInfo, scope: RefScope): boolean {
  if (file.is_public || file.user === scope.userId) return true;
  const shares = file.shares as
    | { public?: Record<string, unknown>; private?: Record<string, unknown> }
    | undefined;
  const where = [
    ...(file.channels ?? []),
    ...(file.groups ?? []),
    ...(file.ims ?? []),
    ...Object.keys(shares?.public ?? {}),
    ...Object.keys(shares?.private ?? {}),
  ];
  return where.includes(scope.channelId);
}
