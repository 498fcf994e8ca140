/**
 * Runs `worker` over `items` with at most `limit()` promises in flight, read again each time one
 * finishes (an adaptive limit grows and shrinks while the pool runs); stops starting items when
 * `shouldStop()`. `refill()`, when given, is asked for more items once fewer than a round of them
 * are left to start, so the calls never drain between batches; it answers none when there are no
 * more. Rejects with the first error a worker or `refill` throws, after the others in flight settle.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number | (() => number),
  worker: (item: T) => Promise<void>,
  shouldStop: () => boolean,
  refill?: () => Promise<readonly T[]>,
): Promise<void> {
  const allowed = typeof limit === 'number' ? () => limit : limit;
  const queue = [...items];
  let next = 0;
  let inflight = 0;
  let refilling = false;
  let canRefill = refill !== undefined;
  let failed: { error: unknown } | undefined;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const max = Math.max(1, allowed());
      while (!failed && next < queue.length && inflight < max && !shouldStop()) {
        const item = queue[next++] as T;
        inflight++;
        worker(item).then(done, (error: unknown) => {
          failed ??= { error };
          done();
        });
      }
      if (canRefill && !refilling && !failed && queue.length - next < max && !shouldStop()) {
        refilling = true;
        (refill as () => Promise<readonly T[]>)().then(
          (more) => {
            refilling = false;
            if (more.length === 0) canRefill = false;
            else {
              queue.splice(0, next); // started items are let go (a backfill streams through one pool)
              next = 0;
              queue.push(...more);
            }
            pump();
          },
          (error: unknown) => {
            refilling = false;
            failed ??= { error };
            pump();
          },
        );
      }
      if (inflight === 0 && !refilling) resolve();
    };
    const done = (): void => {
      inflight--;
      pump();
    };
    pump();
  });
  if (failed) throw failed.error;
}
