import pRetry from 'p-retry';
import { ENTITIES, type EntityName, type SyncRecord } from '../domain/records.js';
import { asMegaCrmError, type MegaCrmError } from '../errors.js';
import type { DeliveryReceipt, OutboxItem, SyncStore } from '../ports.js';
import { type CaptureFeed, captureNow, loadRecords } from './capture.js';
import type { EngineContext } from './context.js';
import { type FlowSnapshot, NotAttempted } from './flow.js';
import { resolveHolds, settleFailure } from './outcomes.js';
import { isDeadOnThisHost } from './owner.js';
import { runPool } from './pool.js';
import { applyRemoval, isRemoval } from './removals.js';
import type { RunLock } from './run-lock.js';
import type { RunTally } from './summary.js';

/**
 * Delivery claims at most this many records at a time, whatever the read batch. Claimed payloads live
 * until their batch is sent; at 500 they outlive young-generation collections and the heap grows
 * (peak RSS 205 MB on a 117 k-record backfill), at 100 it does not (167 MB), at the same speed.
 */
const MAX_CLAIM = 100;
/**
 * With a larger concurrency limit (a remote CRM), a claim holds `ROUNDS_PER_CLAIM` rounds of calls, up
 * to this, so that a batch of mixed entities (each entity group drains before the next) keeps the pool
 * full most of its time.
 */
const MAX_CLAIM_FILLED = 200;
const ROUNDS_PER_CLAIM = 8;

export interface DeliveryRun {
  readonly runId: string;
  readonly tally: RunTally;
  readonly feed: CaptureFeed;
  /** Held while capturing (run()); absent for a worker (deliver()). */
  readonly lock?: RunLock | undefined;
  /** Why delivery must stop now (a stop request, capture failed), if it must. */
  readonly halt: () => MegaCrmError | undefined;
  /** Aborted on a stop request: cuts short the wait between retries. */
  readonly signal: AbortSignal;
  /** The breaker's counters when the run started (how long this run waited for a CRM that is down). */
  readonly flowAtStart: FlowSnapshot;
}

/**
 * Delivers the outbox in dependency order: within each claimed batch, every spouse is answered before
 * any client is sent, every client before any contract, every contract before any occurrence. Before
 * each claim, held records whose dependency is not queued are resolved; before each CRM call, this
 * worker checks it still owns its claim (lease) and the run lock, and renews its claims while it works.
 * Returns the error that stopped the run, if any.
 */
export async function deliverQueue(ctx: EngineContext, run: DeliveryRun): Promise<MegaCrmError | undefined> {
  const { store, clock, logger, flow, batchSize, claimLeaseMs, onProgress } = ctx;
  const { runId, tally, feed, lock } = run;
  await recoverDeadOwners(ctx);
  const counts = await store.counts();
  let total = counts.pending + counts.inflight;
  const completions = new CompletionBuffer(store, (refused) => resendLatest(ctx, refused));
  const lookedFor = new Set<string>();
  let leaseUntil = 0;
  const renewal = setInterval(
    () => {
      const started = clock.now();
      if (started >= leaseUntil) return; // already lost: another worker may own these items now
      store
        .renewClaims(runId, claimLeaseMs, started)
        .then(() => {
          leaseUntil = Math.max(leaseUntil, started + claimLeaseMs);
        })
        .catch(() => undefined);
    },
    Math.max(50, Math.floor(claimLeaseMs / 3)),
  );
  renewal.unref();
  let processed = 0;
  let stop: MegaCrmError | undefined;
  let resolveNeeded = true;
  const owns = () => (!lock || lock.valid) && clock.now() < leaseUntil;
  const halted = () => stop !== undefined || run.halt() !== undefined || !owns() || flow.gaveUp(run.flowAtStart) !== undefined;
  const work = async (item: OutboxItem): Promise<void> => {
    if (halted()) return; // not attempted: released below, or already another worker's
    const outcome = await deliverOne(ctx, item, tally, completions, run.signal, halted);
    if (outcome.stop && !stop) stop = outcome.stop;
    if (outcome.resolve) resolveNeeded = true;
    processed++;
    onProgress?.({ phase: 'deliver', processed, total: Math.max(total, processed) });
  };
  const claim = async (): Promise<OutboxItem[]> => {
    const claimedAt = clock.now();
    // A read batch set below the claim size bounds the claims too (memory).
    const limit = batchSize < MAX_CLAIM ? batchSize : Math.max(MAX_CLAIM, Math.min(ROUNDS_PER_CLAIM * flow.limit, MAX_CLAIM_FILLED));
    const items = await store.claim({ limit, runId, leaseMs: claimLeaseMs, owner: ctx.owner, now: claimedAt });
    leaseUntil = claimedAt + claimLeaseMs;
    feed.taken(items.length);
    return items;
  };
  /** Claimed while the previous batch's last entity was being sent, for later entities: the next batch. */
  let carried: OutboxItem[] = [];
  // The first call of a run goes alone: a misconfigured CRM (IP, WSDL, credentials) is told once, not eight times.
  let probe = true;
  try {
    while (!stop) {
      const halt = run.halt() ?? flow.gaveUp(run.flowAtStart) ?? (lock && !(await lock.confirm()) ? lock.lostError() : undefined);
      if (halt) {
        stop = halt;
        break;
      }
      if (resolveNeeded) {
        resolveNeeded = false;
        await resolveHolds(ctx, tally, lookedFor);
      }
      let items = carried;
      carried = [];
      if (items.length === 0) {
        const waiting = feed.nextBatch();
        // Read before the claim: a batch committed while a (PostgreSQL) claim runs is not in its result,
        // and capture may finish meanwhile; only a capture already done means an empty claim is the end.
        const captureDone = feed.done;
        items = await claim();
        if (items.length === 0) {
          if (captureDone) break;
          await feed.idle(waiting); // more records are being captured
          total = Math.max(total, processed + (await store.counts()).pending);
          continue;
        }
      }
      const last = ENTITIES.filter((entity) => items.some((item) => item.entity === entity)).at(-1);
      for (const entity of ENTITIES) {
        let group = items.filter((item) => item.entity === entity);
        if (group.length === 0 || halted()) continue;
        if (probe) {
          probe = false;
          await work(group[0] as OutboxItem);
          group = group.slice(1);
          if (stop) continue;
        }
        // The batch's last entity keeps the pool full across batches: the next batch is claimed before the
        // calls drain, and its records of this entity join the pool (they depend on none of it); the rest,
        // or all of it if it holds an entity this one may depend on, is the next batch.
        const refill =
          entity === last
            ? async (): Promise<OutboxItem[]> => {
                if (carried.length > 0 || halted() || resolveNeeded || (lock && !lock.valid)) return [];
                const more = await claim();
                const rank = ENTITIES.indexOf(entity);
                if (more.some((item) => ENTITIES.indexOf(item.entity) < rank)) {
                  carried = more;
                  return [];
                }
                carried = more.filter((item) => item.entity !== entity);
                return more.filter((item) => item.entity === entity);
              }
            : undefined;
        await runPool(group, () => flow.limit, work, halted, refill);
        // Completions are written in batches; before the next entity, so its dependencies are recorded.
        await completions.flush();
      }
      if (!owns() && !stop && run.halt() === undefined && (!lock || lock.valid))
        logger.warn({ runId }, 'the claim lease ran out (the process was paused or slow): the rest of the batch is left to whoever claims it');
    }
  } finally {
    clearInterval(renewal);
    await completions.flush();
    // Items claimed but not attempted go back to the queue untouched.
    await store.releaseClaims(runId);
  }
  const gaveUp = stop ? undefined : flow.gaveUp(run.flowAtStart);
  if (gaveUp) {
    stop = gaveUp;
    logger.error(
      { runId, waitedMs: Math.round(flow.breaker.waitedMs - run.flowAtStart.waitedMs) },
      'the CRM stayed unavailable: delivery stopped, the records stay queued for the next run',
    );
  }
  if (stop?.code === 'RUN_LOCK_LOST') logger.error({ runId }, 'the run lock was lost (lease not renewed in time): delivery stopped; the next run resumes');
  else if (stop) logger.error({ code: stop.code, message: stop.summary }, 'sync run stopped');
  return stop;
}

async function deliverOne(
  ctx: EngineContext,
  item: OutboxItem,
  tally: RunTally,
  completions: CompletionBuffer,
  signal: AbortSignal,
  halted: () => boolean,
): Promise<{ stop?: MegaCrmError; resolve?: boolean }> {
  const { sink, retry, logger, flow } = ctx;
  const entity: EntityName = item.entity;
  const record = { entity, key: item.key, payload: item.payload };
  // Every attempt goes through the breaker (it waits while the CRM is down) and feeds the concurrency limit.
  const send = () => flow.call(() => sink.deliver(record), halted);
  try {
    if (isRemoval(item)) {
      await completions.add(item, await applyRemoval(ctx, item, tally, signal));
      return {};
    }
    // The first attempt goes straight to the CRM; the retry machinery is set up only after a failure.
    const receipt = await send().catch((first: unknown) => {
      if (first instanceof NotAttempted) throw first;
      const e = asMegaCrmError(first);
      if (!e.retryable || retry.retries === 0 || signal.aborted) throw first;
      logger.warn({ entity, key: item.key, code: e.code, attemptNumber: 1 }, 'delivery failed, retrying');
      return retryDelivery(ctx, record, signal, send);
    });
    await completions.add(item, receipt);
    tally.count(entity, 'sent');
    return {};
  } catch (thrown) {
    // Stopped while the CRM was down, before this attempt: the claim is released below, the record stays queued as it was.
    if (thrown instanceof NotAttempted) return {};
    const outcome = await settleFailure(ctx, item, thrown, tally, () => completions.flush());
    if (outcome.refused) await resendLatest(ctx, [item]);
    return { ...(outcome.stop ? { stop: outcome.stop } : {}), resolve: outcome.stop === undefined };
  }
}

function retryDelivery(ctx: EngineContext, record: SyncRecord, signal: AbortSignal, send: () => Promise<DeliveryReceipt>): Promise<DeliveryReceipt> {
  const { retry, logger } = ctx;
  const { entity, key } = record;
  return pRetry(send, {
    retries: retry.retries - 1,
    minTimeout: retry.minTimeoutMs,
    maxTimeout: retry.maxTimeoutMs,
    randomize: true,
    signal,
    shouldRetry: ({ error }) => !(error instanceof NotAttempted) && asMegaCrmError(error).retryable,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      const e = asMegaCrmError(error);
      if (e.retryable && retriesLeft > 0) logger.warn({ entity, key, code: e.code, attemptNumber: attemptNumber + 1 }, 'delivery failed, retrying');
    },
  });
}

/** Claims left by a process that died on this host are put back at once, not after their lease. */
async function recoverDeadOwners(ctx: EngineContext): Promise<void> {
  if (!ctx.store.concurrentDelivery) return; // a single-deliverer store recovers every claim under the run lock
  for (const owner of await ctx.store.claimOwners()) {
    if (!isDeadOnThisHost(owner)) continue;
    const released = await ctx.store.releaseOwner(owner);
    if (released > 0) ctx.logger.warn({ owner, released }, 'claims of a process that died on this host were queued again');
  }
}

/**
 * This worker wrote these records to the CRM after it lost their claim (it was paused past the
 * lease): another worker may have sent a newer version meanwhile, which this late write overwrote.
 * The latest version is read from Mega and queued again, so the CRM ends with Mega's latest values.
 */
async function resendLatest(ctx: EngineContext, items: readonly OutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  const keys = items.map((i) => `${i.entity}:${i.key}`);
  if (!ctx.source.load) {
    ctx.logger.error({ keys }, 'a fenced-out write may have reached the CRM and this source cannot read records on demand: resync these keys');
    return;
  }
  for (const entity of ENTITIES) {
    const group = items.filter((i) => i.entity === entity).map((i) => i.key);
    if (group.length === 0) continue;
    try {
      const queued = await captureNow(ctx.store, ctx.source, await loadRecords(ctx.source, entity, group));
      ctx.logger.warn({ entity, keys: group, queued: queued.length }, 'written after the claim was lost: the latest version is queued again');
    } catch (error) {
      ctx.logger.error({ entity, keys: group, code: asMegaCrmError(error).code }, 'a fenced-out write could not be repaired now: resync these keys');
    }
  }
}

/**
 * Completed deliveries, written to the store in one transaction per batch. A crash loses at most a
 * batch of completion marks: those records are sent again, which an upsert makes harmless. Marks the
 * store refuses (the claim passed to another worker) go to `onRefused`.
 */
class CompletionBuffer {
  readonly #store: SyncStore;
  readonly #onRefused: (items: OutboxItem[]) => Promise<void>;
  #done: Array<readonly [OutboxItem, DeliveryReceipt]> = [];

  constructor(store: SyncStore, onRefused: (items: OutboxItem[]) => Promise<void>) {
    this.#store = store;
    this.#onRefused = onRefused;
  }

  async add(item: OutboxItem, receipt: DeliveryReceipt): Promise<void> {
    this.#done.push([item, receipt]);
    if (this.#done.length >= 100) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#done.length === 0) return;
    const batch = this.#done;
    this.#done = [];
    const refused = await this.#store.completeMany(batch);
    if (refused.length > 0) await this.#onRefused(refused);
  }
}
