/**
 * `--ref` links on Slack. Files shared in Slack (`url_private`, permalinks) are looked up with files.info,
 * downloaded with the bot token — sent only to Slack's own hosts — checked by magic bytes, and handed to
 * the provider as bytes; a file the bot cannot read refuses the job, which never runs without it. Other
 * links go to the provider as links (checkReferenceUrl: public http(s) only); we never fetch them.
 *
 * The bot sees files in every channel it was added to, so a member could otherwise pull an image out of a
 * private channel they are not in: a file is used only if it is public, the requester's own, or shared
 * in the channel the command runs in.
 */
import type { webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import { ValidationError } from '../../core/errors.ts';
import { checkReferenceUrl } from '../../core/reference-url.ts';
import type { Reference } from '../../core/request.ts';
import { CANNOT_READ, downloadSlackFile } from './download.ts';
import { isSlackFileUrl, isSlackHost, type SlackHosts } from './hosts.ts';

export { slackHostsFor } from './hosts.ts';

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
const SLACK_FILE_SCHEME = 'slack-file:';

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
      // completeUploadExternal names only id and title: url_private comes from files.info, always.
      if (!file.url_private)
        throw new ValidationError('REFERENCE_INVALID', option, CANNOT_READ, 'a file without a download link');
      out.push(await downloadSlackFile(new URL(file.url_private), option, deps, file.name));
    } else if (isSlackHost(url, deps.hosts)) {
      // A Slack page or API link is never an image, and must not be fetched with the token.
      throw new ValidationError('REFERENCE_INVALID', option, SLACK_FILE, 'a Slack link that is not a file');
    } else {
      out.push({ kind: 'url', url: checkReferenceUrl(raw, { option }).toString() });
    }
  }
  return out;
}

/**
 * How a result the bot uploaded is named for "Use as reference": Slack's upload answer carries only the
 * file's id, and its download link is read with files.info when the reference is used.
 */
export function slackFileReference(fileId: string): string {
  return `${SLACK_FILE_SCHEME}${fileId}`;
}

/** The file id of `url_private` (`/files-pri/T123-F456/…`) or a permalink (`team.slack.com/files/U1/F456/…`). */
export function slackFileId(url: URL, hosts: SlackHosts): string | undefined {
  if (url.protocol === SLACK_FILE_SCHEME) return /^F[A-Z0-9]+$/.exec(url.pathname)?.[0];
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
      throw new ValidationError('REFERENCE_INVALID', option, CANNOT_READ, 'no files:read scope');
    if (code !== 'file_not_found' && code !== 'file_deleted') throw err;
  }
  throw new ValidationError('REFERENCE_INVALID', option, CANNOT_READ, 'a file the bot cannot find');
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
