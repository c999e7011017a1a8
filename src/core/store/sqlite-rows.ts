/**
 * Rows ↔ records for the SQLite store: which columns a patch writes, and how JSON, booleans, blobs and
 * reference bytes (base64 in the request JSON) cross the boundary.
 */
import type { GenerationRequest, Reference } from '../request.ts';
import type { JobRow, TaskRow } from './types.ts';

type Columns = Array<[column: string, value: unknown]>;

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const plain = (v: unknown) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** Column writes for a job patch; fields that are not columns (id, request, origin) are ignored. */
export function jobColumns(patch: Partial<JobRow>): Columns {
  const out: Columns = [];
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'state') out.push(['state', value]);
    else if (field === 'delivery') out.push(['delivery', json(value ?? {})]);
    else if (field === 'parentId') out.push(['parent_id', plain(value)]);
    else if (field === 'estimateMicros') out.push(['estimate', value]);
    else if (field === 'costMicros') out.push(['cost', plain(value)]);
    else if (field === 'startedAt') out.push(['started_at', plain(value)]);
    else if (field === 'finishedAt') out.push(['finished_at', plain(value)]);
    else if (field === 'error') out.push(['error', json(value)]);
  }
  return out;
}

/**
 * Column writes for a task patch. The provider task id (for webhooks) and the image's type travel with
 * their fields, so one state change is one UPDATE.
 */
export function taskColumns(patch: Partial<TaskRow>): Columns {
  const out: Columns = [];
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'state') out.push(['state', value]);
    else if (field === 'submitted') {
      const s = value as TaskRow['submitted'];
      out.push(['submitted', json(s)], ['provider_task_id', s?.taskId ?? null]);
    } else if (field === 'costMicros') out.push(['cost', plain(value)]);
    else if (field === 'costEstimated') out.push(['cost_estimated', plain(value)]);
    else if (field === 'error') out.push(['error', json(value)]);
    else if (field === 'image') {
      const img = value as TaskRow['image'];
      out.push(['image', img?.data ?? null], ['image_type', img?.contentType ?? null]);
    }
  }
  return out;
}

export function toJob(row: Record<string, unknown>): JobRow {
  const job: JobRow = {
    id: row.id as string,
    state: row.state as JobRow['state'],
    request: parseRequest(row.request as string),
    origin: JSON.parse(row.origin as string),
    delivery: JSON.parse(row.delivery as string),
    estimateMicros: row.estimate as number,
    createdAt: row.created_at as number,
  };
  if (row.parent_id) job.parentId = row.parent_id as string;
  if (row.cost !== null) job.costMicros = row.cost as number;
  if (row.started_at !== null) job.startedAt = row.started_at as number;
  if (row.finished_at !== null) job.finishedAt = row.finished_at as number;
  if (row.error) job.error = JSON.parse(row.error as string);
  return job;
}

export function toTask(row: Record<string, unknown>): TaskRow {
  const task: TaskRow = {
    jobId: row.job_id as string,
    index: row.idx as number,
    seed: row.seed as number,
    state: row.state as TaskRow['state'],
  };
  if (row.submitted) task.submitted = JSON.parse(row.submitted as string);
  if (row.cost !== null && row.cost !== undefined) task.costMicros = row.cost as number;
  if (row.cost_estimated) task.costEstimated = true;
  if (row.error) task.error = JSON.parse(row.error as string);
  if (row.image) task.image = { data: row.image as Buffer, contentType: row.image_type as string };
  return task;
}

/** Requests as JSON; reference bytes as base64 so a restart can still send them. */
export function serializeRequest(request: GenerationRequest): string {
  if (!request.references.some((r) => r.kind === 'bytes')) return JSON.stringify(request);
  const references = request.references.map((r) =>
    r.kind === 'bytes' ? { ...r, data: r.data.toString('base64') } : r,
  );
  return JSON.stringify({ ...request, references });
}

export function parseRequest(text: string): GenerationRequest {
  const request = JSON.parse(text) as GenerationRequest;
  request.references = request.references.map((r) =>
    r.kind === 'bytes'
      ? ({ ...r, data: Buffer.from(r.data as unknown as string, 'base64') } as Reference)
      : r,
  );
  return request;
}
