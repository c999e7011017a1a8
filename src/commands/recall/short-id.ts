/**
 * Short job ids: the first 8 characters of a job's UUID, shown as `#ab12cd34` on every result. Eight hex
 * digits make a clash within one member's or server's jobs unlikely; a clash is refused as ambiguous,
 * never resolved by guessing (find-job.ts).
 */
export const SHORT_ID_LENGTH = 8;

export function shortId(jobId: string): string {
  return `#${jobId.slice(0, SHORT_ID_LENGTH)}`;
}

/** A typed id (`#ab12cd34`, `ab12cd34`, a whole UUID) as the prefix to look for; undefined when it is none. */
export function parseShortId(text: string | undefined): string | undefined {
  const id = (text ?? '').trim().replace(/^#/, '').toLowerCase();
  // At least 4 characters: a shorter prefix would match half a server's jobs.
  return /^[0-9a-f][0-9a-f-]{3,35}$/.test(id) ? id : undefined;
}
