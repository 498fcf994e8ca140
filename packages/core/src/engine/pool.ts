/**
 * Runs `worker` over `items` with at most `limit()` promises in flight, read again each time one
 * finishes (an adaptive limit grows and shrinks while the pool runs); stops starting items when
 * `shouldStop()`. Rejects with the first error a worker throws, after the others in flight settle.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number | (() => number),
  worker: (item: T) => Promise<void>,
  shouldStop: () => boolean,
): Promise<void> {
  const allowed = typeof limit === 'number' ? () => limit : limit;
  let next = 0;
  let inflight = 0;
  let failed: { error: unknown } | undefined;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (!failed && next < items.length && inflight < Math.max(1, allowed()) && !shouldStop()) {
        const item = items[next++] as T;
        inflight++;
        worker(item).then(done, (error: unknown) => {
          failed ??= { error };
          done();
        });
      }
      if (inflight === 0) resolve();
    };
    const done = (): void => {
      inflight--;
      pump();
    };
    pump();
  });
  if (failed) throw failed.error;
}
