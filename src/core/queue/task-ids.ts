/**
 * Task keys (`jobId:index`) as BullMQ job ids. BullMQ refuses custom ids with a ':' (it reserves them
 * for repeatable jobs), so the key is URI-encoded: reversible, and never all digits (also refused).
 * One id per task also makes enqueueing idempotent across processes.
 */
export const idOf = (key: string): string => encodeURIComponent(key);
export const keyOf = (id: string): string => decodeURIComponent(id);
