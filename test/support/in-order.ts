/**
 * `make(0)` … `make(n - 1)` one after another, each awaited: a burst created in order, as a synchronous
 * loop once made it (jobs.create became asynchronous with the Store port).
 */
export async function inOrder<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < n; i++) made.push(await make(i));
  return made;
}
