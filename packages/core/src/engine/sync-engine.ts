import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import { ENTITIES, type EntityName } from '../domain/records.js';
import { AlreadyRunningError, asMegaCrmError, ConfigurationError, type MegaCrmError, RunAbortedError } from '../errors.js';
import { type Logger, redactingLogger, silentLogger } from '../logger.js';
import type { CapturedItem, ChangeSource, CrmSink, ParkedFilter, SyncStore } from '../ports.js';
import { BREAKER_DEFAULTS } from './breaker.js';
import { CaptureFeed, captureChanges, captureNow, loadRecords, notSupported } from './capture.js';
import { type Clock, systemClock } from './clock.js';
import type { EngineContext, HoldOptions, RetryOptions, SyncProgress } from './context.js';
import { deliverQueue } from './delivery.js';
import { adaptiveBounds, type BreakerSettings, CallFlow, type ConcurrencyOption, type FlowSnapshot } from './flow.js';
import { ADAPTIVE_DEFAULTS } from './limiter.js';
import { ownerId } from './owner.js';
import { type PreviewOptions, previewChanges, type SyncPreview } from './preview.js';
import { reconcileDelivered, reconcileDue } from './reconcile.js';
import { type RemovalsOption, resolveRemovals } from './removals.js';
import { RunLock } from './run-lock.js';
import { emptyCounts, type RunSummary, RunTally } from './summary.js';

export type { HoldOptions, RetryOptions, SyncProgress } from './context.js';
export type { RemovalAction } from './removals.js';

export interface SyncEngineOptions {
  readonly source: ChangeSource;
  readonly sink: CrmSink;
  readonly store: SyncStore;
  /** Records read from Mega and committed to the outbox per transaction. Default 100 (memory; see the default). */
  readonly batchSize?: number;
  /**
   * CRM calls in flight at once, across different keys. Default `'adaptive'`: starts at 8 and follows
   * the CRM's capacity (grows while its latency stays at its floor, shrinks when the latency rises or
   * calls time out), between `min` 2 and `max` 64; `{ min, max, initial }` bounds it; a number fixes it.
   */
  readonly concurrency?: ConcurrencyOption;
  /** When the CRM is down (refused, reset, timing out): stop calling, probe once per backoff, resume by itself. */
  readonly breaker?: Partial<BreakerSettings>;
  readonly retry?: Partial<RetryOptions>;
  /** Bounds on how long a record waits for a dependency that does not arrive before it is parked. */
  readonly holds?: Partial<HoldOptions>;
  /** How long the run lock lasts without renewal (renewed every third of it). Default 60 s. */
  readonly lockTtlMs?: number;
  /** How long a claimed item stays reserved to its worker without renewal (renewed every third of it). Default 5 min. */
  readonly claimLeaseMs?: number;
  /** A label added to this engine's identity in locks, claims and logs (`<host>:<pid>:<random>:<label>`). */
  readonly owner?: string;
  /** pino-compatible; everything is redacted before it reaches it. */
  readonly logger?: Logger;
  readonly onProgress?: (progress: SyncProgress) => void;
  /** Time source (tests). Default the system clock. */
  readonly clock?: Clock;
  /**
   * What a record the CRM holds becomes once deleted in Mega or out of scope: `'deactivate'` (through
   * the CRM's operation for it: an occurrence is closed with EncerrarOcorrencia) or `'report'` (listed
   * in the run summary with its key), for all entities or per entity. Default: occurrences are closed,
   * clients, spouses and contracts reported (the CRM's profile has no operation to deactivate them).
   */
  readonly removals?: RemovalsOption;
  /**
   * Timestamp polling cannot see deletes: every `reconcileEvery`-th capturing run on this store (counted
   * in the store, so it holds across processes and restarts; and any run given `reconcile: true`)
   * checks the keys the CRM holds against Mega after capturing, and queues the missing ones as
   * removals. Default 0: only on request. The cost is in `summary.reconciliation`.
   */
  readonly reconcileEvery?: number;
}

export interface RunOptions {
  /** Why the run happens, for the run log: `cron`, `online`, `manual`… */
  readonly trigger?: string;
  /** While a run is in progress: fold this trigger into one follow-up run (default), or refuse it (outcome `stopped`, ALREADY_RUNNING). */
  readonly ifRunning?: 'coalesce' | 'reject';
  /** Aborting it stops the run as `engine.stop()` does. */
  readonly signal?: AbortSignal;
  /** Reconcile the keys the CRM holds with Mega in this run (see `reconcileEvery`); the source must have `reconcile()`. */
  readonly reconcile?: boolean;
}

const RemovalActionSchema = z.enum(['report', 'deactivate']);

const OptionsSchema = z
  .object({
    source: z.custom<ChangeSource>((v) => typeof (v as ChangeSource | undefined)?.read === 'function', 'must implement ChangeSource'),
    sink: z.custom<CrmSink>((v) => typeof (v as CrmSink | undefined)?.deliver === 'function', 'must implement CrmSink'),
    store: z.custom<SyncStore>((v) => typeof (v as SyncStore | undefined)?.capture === 'function', 'must implement SyncStore'),
    // Pages of 100 keep a 500 k-record backfill's peak RSS at ~160 MB; pages of 200 or 500 let the heap
    // grow past 200 MB (measured, examples/bench). Larger pages save round trips to a remote Mega.
    batchSize: z.number().int().min(1).max(10_000).default(100),
    concurrency: z
      .union([
        z.number().int().min(1).max(256),
        z.literal('adaptive'),
        z
          .object({
            min: z.number().int().min(1).max(256).optional(),
            max: z.number().int().min(1).max(256).optional(),
            initial: z.number().int().min(1).max(256).optional(),
          })
          .strict()
          .refine(
            (c) => {
              const { min, max, initial } = { ...ADAPTIVE_DEFAULTS, ...adaptiveBounds(c) };
              return min <= initial && initial <= max;
            },
            {
              message: `needs min ≤ initial ≤ max (defaults min ${ADAPTIVE_DEFAULTS.min}, initial ${ADAPTIVE_DEFAULTS.initial}, max ${ADAPTIVE_DEFAULTS.max})`,
            },
          ),
      ])
      .default('adaptive'),
    breaker: z
      .object({
        failures: z.number().int().min(1).max(1_000).default(BREAKER_DEFAULTS.failures),
        initialBackoffMs: z.number().int().min(10).max(600_000).default(BREAKER_DEFAULTS.initialBackoffMs),
        maxBackoffMs: z.number().int().min(10).max(3_600_000).default(BREAKER_DEFAULTS.maxBackoffMs),
        maxWaitMs: z.number().int().min(0).default(300_000),
      })
      .strict()
      .refine((b) => b.initialBackoffMs <= b.maxBackoffMs, { message: 'needs initialBackoffMs ≤ maxBackoffMs' })
      .default({ ...BREAKER_DEFAULTS, maxWaitMs: 300_000 }),
    retry: z
      .object({
        retries: z.number().int().min(0).max(20).default(3),
        minTimeoutMs: z.number().int().min(0).default(200),
        maxTimeoutMs: z.number().int().min(0).default(5_000),
      })
      .strict()
      .default({ retries: 3, minTimeoutMs: 200, maxTimeoutMs: 5_000 }),
    holds: z
      .object({
        maxTries: z.number().int().min(1).max(1_000).default(3),
        maxWaitMs: z
          .number()
          .int()
          .min(1)
          .default(24 * 3_600_000),
      })
      .strict()
      .default({ maxTries: 3, maxWaitMs: 24 * 3_600_000 }),
    lockTtlMs: z.number().int().min(100).default(60_000),
    claimLeaseMs: z.number().int().min(100).default(300_000),
    owner: z
      .string()
      .regex(/^[^:\s]+$/, 'a label without ":" or spaces')
      .optional(),
    logger: z.custom<Logger>().optional(),
    onProgress: z.custom<(p: SyncProgress) => void>((v) => typeof v === 'function').optional(),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'must have now()').optional(),
    removals: z.union([RemovalActionSchema, z.object(Object.fromEntries(ENTITIES.map((e) => [e, RemovalActionSchema.optional()]))).strict()]).optional(),
    reconcileEvery: z.number().int().min(0).default(0),
  })
  .strict();

type ResyncTarget = { readonly entity: EntityName; readonly keys: readonly string[] } | { readonly enterprise: string };

/** Whatever fails reaches the host as a MegaCrmError (a plain driver error becomes STORE_FAILED, with it as cause). */
async function typed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asMegaCrmError(error, 'STORE_FAILED');
  }
}

interface ActiveRun {
  readonly done: Promise<RunSummary>;
  readonly abort: AbortController;
  readonly feed: CaptureFeed;
}

/**
 * One sync on demand: capture Mega's changes into the store's outbox (cursor moved in the same
 * transaction), then deliver the outbox to the CRM in dependency order. Runs never overlap: one at a
 * time per store (the store's run lock, across processes), and a trigger during a run is folded into
 * one follow-up run. Scheduling is the host's (see `schedule.ts`).
 *
 * One error channel: `run()` and `deliver()` always resolve with a RunSummary. A run that could not
 * start or had to stop has `outcome: 'stopped'` and its typed `error` (a MegaCrmError with code, cause
 * and fix); the records that could not be sent stay queued for the next run.
 */
export class SyncEngine {
  readonly #ctx: EngineContext;
  readonly #lockTtlMs: number;
  readonly #reconcileEvery: number;
  #reconcileNext = false;
  readonly #runs = new Set<ActiveRun>();
  #active: Promise<RunSummary> | undefined;
  #next: Promise<RunSummary> | undefined;
  #coalesced = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: SyncEngineOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const allowed = Object.keys(OptionsSchema.shape).join(', ');
      throw new ConfigurationError(`Invalid SyncEngine options: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, {
        code: 'CONFIG_INVALID',
        fix: { en: `Pass only these options, with valid values: ${allowed}.`, pt: `Informe apenas estas opções, com valores válidos: ${allowed}.` },
      });
    }
    const o = parsed.data;
    this.#lockTtlMs = o.lockTtlMs;
    this.#ctx = {
      source: o.source,
      sink: o.sink,
      store: o.store,
      logger: redactingLogger(options.logger ?? silentLogger),
      clock: o.clock ?? systemClock,
      owner: ownerId(o.owner),
      batchSize: o.batchSize,
      flow: new CallFlow(o.concurrency, o.breaker),
      retry: o.retry,
      holds: o.holds,
      claimLeaseMs: o.claimLeaseMs,
      onProgress: o.onProgress,
      removals: resolveRemovals(o.removals as SyncEngineOptions['removals']),
    };
    this.#reconcileEvery = o.reconcileEvery;
  }

  /** True while a run of this engine is in progress. */
  get running(): boolean {
    return this.#runs.size > 0;
  }

  /**
   * Runs one sync. While one is in progress, the trigger is coalesced into a single follow-up run
   * (every such caller gets that run's summary), or refused with `ifRunning: 'reject'`. Always resolves:
   * see the class comment.
   */
  run(options: RunOptions = {}): Promise<RunSummary> {
    const trigger = options.trigger ?? 'manual';
    if (!this.#active) return this.#launch(trigger, options.signal, options.reconcile === true);
    if (options.ifRunning === 'reject') return Promise.resolve(this.#notStarted(trigger, new AlreadyRunningError({ owner: this.#ctx.owner, trigger })));
    this.#coalesced++;
    if (options.reconcile) this.#reconcileNext = true;
    if (!this.#next) {
      this.#ctx.logger.info({ trigger }, 'trigger arrived during a run: coalesced into one follow-up run');
      this.#next = this.#active.then(() => {
        this.#next = undefined;
        const reconcile = this.#reconcileNext;
        this.#reconcileNext = false;
        return this.#launch(trigger, options.signal, reconcile);
      });
    } else {
      this.#ctx.logger.info({ trigger }, 'trigger arrived during a run: folded into the pending follow-up run');
    }
    return this.#next;
  }

  /**
   * Delivers the queue without capturing (a worker beside the capturing instance). Only for stores
   * that allow several deliverers (PostgreSQL): items are claimed with SKIP LOCKED and a lease.
   */
  async deliver(options: { readonly trigger?: string; readonly signal?: AbortSignal } = {}): Promise<RunSummary> {
    const trigger = options.trigger ?? 'worker';
    if (!this.#ctx.store.concurrentDelivery) {
      return this.#notStarted(
        trigger,
        new ConfigurationError('This store allows a single deliverer; call run() instead of deliver().', {
          code: 'CONFIG_INVALID',
          fix: { en: 'Use the PostgreSQL store to deliver from several workers.', pt: 'Use o store PostgreSQL para entregar a partir de vários workers.' },
        }),
      );
    }
    return this.#start(trigger, { capture: false, signal: options.signal });
  }

  /**
   * Stops what this engine is doing: no new CRM call starts, the calls in flight finish and are
   * recorded, the rest of the claimed records go back to the queue, a pending follow-up run is
   * cancelled. Resolves when nothing is in flight; the stopped runs resolve with outcome `stopped`
   * (RUN_ABORTED). The engine can run again afterwards.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const reason = new RunAbortedError({ owner: this.#ctx.owner });
    const waitAll = async (): Promise<void> => {
      while (this.#runs.size > 0 || this.#next) {
        for (const run of this.#runs) {
          run.abort.abort(reason);
          run.feed.interrupt();
        }
        await Promise.allSettled([...[...this.#runs].map((r) => r.done), this.#next]);
      }
    };
    this.#stopping = waitAll().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /** Queues parked records again (all, or those matching the filter) and returns how many; the next run sends them. */
  retryParked(filter: ParkedFilter = {}): Promise<number> {
    return typed(() => this.#retryParked(filter));
  }

  async #retryParked(filter: ParkedFilter): Promise<number> {
    const { store, source, logger } = this.#ctx;
    const parked = await store.unpark(filter);
    const withPayload = parked.filter((p) => p.payload !== undefined && p.hash !== undefined);
    await store.capture({
      sourceId: source.id,
      force: true,
      records: withPayload.map((p) => ({ entity: p.entity, key: p.key, hash: p.hash as string, payload: p.payload })),
      invalid: [],
    });
    // Records parked because Mega's data was invalid are read again from Mega.
    let queued = withPayload.length;
    for (const entity of ENTITIES) {
      const keys = parked.filter((p) => p.entity === entity && p.payload === undefined).map((p) => p.key);
      if (keys.length === 0) continue;
      queued += (await captureNow(store, source, await loadRecords(source, entity, keys))).length;
    }
    logger.info({ filter, queued }, 'parked records queued again');
    return queued;
  }

  /**
   * What a run would send now, without sending, queueing or moving the cursor: Mega's changes since the
   * stored cursor compared with what the CRM last received, per record new or changed (the fields, old
   * → new, PII masked), plus counts of unchanged, invalid and skipped records. Takes no run lock.
   */
  preview(options: PreviewOptions = {}): Promise<SyncPreview> {
    return typed(() => previewChanges(this.#ctx, options));
  }

  /** Reads records from Mega now and queues them even if unchanged; the next run sends them. Returns how many were queued. */
  resync(target: ResyncTarget): Promise<number> {
    return typed(() => this.#resync(target));
  }

  async #resync(target: ResyncTarget): Promise<number> {
    const { source, store, logger } = this.#ctx;
    let items: CapturedItem[];
    if ('enterprise' in target) {
      if (!source.loadEnterprise) throw notSupported('loadEnterprise');
      items = await source.loadEnterprise(target.enterprise);
    } else items = await loadRecords(source, target.entity, target.keys);
    const queued = (await captureNow(store, source, items)).length;
    logger.info({ target, queued }, 'resync queued');
    return queued;
  }

  #launch(trigger: string, signal: AbortSignal | undefined, reconcileAsked: boolean): Promise<RunSummary> {
    const coalesced = this.#coalesced;
    this.#coalesced = 0;
    const reconcile = reconcileAsked;
    const run = this.#stopping
      ? Promise.resolve(this.#notStarted(trigger, new RunAbortedError({ owner: this.#ctx.owner })))
      : this.#start(trigger, { capture: true, signal, coalesced, reconcile });
    const settled = run.finally(() => {
      if (this.#active === settled) this.#active = undefined;
    });
    this.#active = settled;
    return settled;
  }

  #start(trigger: string, mode: { capture: boolean; signal: AbortSignal | undefined; coalesced?: number; reconcile?: boolean }): Promise<RunSummary> {
    const abort = new AbortController();
    // Every record waiting for a retry listens to it: as many as the concurrency limit allows.
    setMaxListeners(2 * 256, abort.signal);
    const feed = new CaptureFeed(4 * this.#ctx.batchSize);
    const onAbort = () => {
      abort.abort(new RunAbortedError({ owner: this.#ctx.owner, trigger }));
      feed.interrupt();
    };
    if (mode.signal?.aborted) onAbort();
    mode.signal?.addEventListener('abort', onAbort, { once: true });
    const done = this.#execute(trigger, { ...mode, abort, feed }).finally(() => {
      mode.signal?.removeEventListener('abort', onAbort);
      this.#runs.delete(entry);
    });
    const entry: ActiveRun = { done, abort, feed };
    this.#runs.add(entry);
    return done;
  }

  async #execute(
    trigger: string,
    mode: { capture: boolean; coalesced?: number; reconcile?: boolean; abort: AbortController; feed: CaptureFeed },
  ): Promise<RunSummary> {
    const ctx = this.#ctx;
    const { store, logger, clock } = ctx;
    const runId = randomUUID();
    const startedAt = clock.now();
    const tally = new RunTally();
    const { abort, feed } = mode;
    const flowAtStart = ctx.flow.snapshot();
    const aborted = (): MegaCrmError | undefined => (abort.signal.aborted ? asMegaCrmError(abort.signal.reason, 'RUN_ABORTED') : undefined);
    let error: MegaCrmError | undefined;
    const lock = mode.capture ? new RunLock(store, ctx.owner, this.#lockTtlMs, clock, logger) : undefined;
    try {
      if (lock && !(await lock.acquire())) {
        logger.warn({ trigger, owner: ctx.owner }, 'another process is running a sync on this store');
        return this.#notStarted(trigger, new AlreadyRunningError({ trigger, owner: ctx.owner }));
      }
    } catch (thrown) {
      return this.#notStarted(trigger, asMegaCrmError(thrown, 'STORE_FAILED'));
    }
    logger.info({ runId, trigger }, 'sync run started');
    try {
      if (!store.concurrentDelivery) {
        const recovered = await store.recoverInFlight();
        if (recovered > 0) logger.warn({ runId, recovered }, 'items left in flight by a run that died were queued again');
      }
      // Capture and delivery overlap: batches are delivered while later ones are still being read.
      const captured = lock
        ? captureChanges({
            source: ctx.source,
            store,
            batchSize: ctx.batchSize,
            tally,
            feed,
            fence: lock.owner,
            stopped: () => abort.signal.aborted,
            onProgress: ctx.onProgress && ((processed) => ctx.onProgress?.({ phase: 'capture', processed })),
          })
            .then(async () => {
              if (abort.signal.aborted || !(await reconcileDue(ctx, this.#reconcileEvery, mode.reconcile === true, lock.owner))) return;
              tally.reconciliation = await reconcileDelivered(ctx, {
                tally,
                fence: lock.owner,
                stopped: () => abort.signal.aborted,
                onQueued: (count) => feed.captured(count),
              });
            })
            .finally(() => feed.finish())
        : Promise.resolve(feed.finish());
      // However delivery ends (done, stopped, thrown), capture must not wait for it any longer.
      const delivered = deliverQueue(ctx, {
        runId,
        tally,
        feed,
        lock,
        signal: abort.signal,
        flowAtStart,
        halt: () => aborted() ?? (feed.failed ? asMegaCrmError(feed.error, 'SOURCE_FAILED') : undefined),
      }).finally(() => feed.deliveryEnded());
      const [, deliverResult] = await Promise.allSettled([captured.catch((e: unknown) => feed.fail(e)), delivered]);
      if (feed.failed) throw feed.error;
      if (deliverResult.status === 'rejected') throw deliverResult.reason;
      error = deliverResult.value ?? aborted();
    } catch (thrown) {
      error = asMegaCrmError(thrown, 'STORE_FAILED');
      logger.error({ runId, code: error.code }, `sync run stopped: ${error.summary}`);
    } finally {
      await lock?.release();
    }
    const summary = await this.#summarize(runId, trigger, startedAt, tally, error, mode.coalesced ?? 0, flowAtStart);
    await store
      .saveRun({ id: runId, trigger, startedAt: summary.startedAt, endedAt: summary.endedAt, summary })
      .catch((e: unknown) => logger.error({ runId, code: asMegaCrmError(e, 'STORE_FAILED').code }, 'the run log could not be written'));
    logger.info({ runId, outcome: summary.outcome, totals: summary.totals, durationMs: summary.durationMs }, 'sync run finished');
    return summary;
  }

  async #summarize(
    runId: string,
    trigger: string,
    startedAt: number,
    tally: RunTally,
    error: MegaCrmError | undefined,
    coalesced: number,
    flowAtStart: FlowSnapshot,
  ): Promise<RunSummary> {
    const endedAt = this.#ctx.clock.now();
    let queue = { pending: 0, held: 0, parked: 0 };
    try {
      const counts = await this.#ctx.store.counts();
      queue = { pending: counts.pending + counts.inflight, held: counts.held, parked: counts.parked };
    } catch (thrown) {
      error ??= asMegaCrmError(thrown, 'STORE_FAILED');
    }
    return {
      runId,
      trigger,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: endedAt - startedAt,
      outcome: error ? 'stopped' : 'completed',
      coalesced,
      queue,
      byEntity: tally.byEntity,
      totals: tally.totals(),
      skippedReasons: tally.skippedReasons,
      failures: tally.failures,
      warnings: tally.warnings,
      removals: tally.removals,
      ...(tally.reconciliation ? { reconciliation: tally.reconciliation } : {}),
      ...this.#flowSummary(flowAtStart),
      ...(error ? { error, stoppedBy: { code: error.code, message: error.summary, fix: error.fix } } : {}),
    };
  }

  #flowSummary(since: FlowSnapshot): Pick<RunSummary, 'concurrency' | 'breaker'> {
    const { flow } = this.#ctx;
    const now = flow.snapshot();
    return {
      concurrency: { mode: flow.adaptive ? 'adaptive' : 'fixed', limit: flow.limiter.settled },
      breaker: { openedTimes: now.openedTimes - since.openedTimes, waitedMs: Math.round(now.waitedMs - since.waitedMs), probes: now.probes - since.probes },
    };
  }

  /** The summary of a run that did not start (another holds the lock, a stop was requested, wrong store): nothing done, not logged. */
  #notStarted(trigger: string, error: MegaCrmError): RunSummary {
    const now = new Date(this.#ctx.clock.now()).toISOString();
    const tally = new RunTally();
    return {
      runId: randomUUID(),
      trigger,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      outcome: 'stopped',
      coalesced: 0,
      queue: { pending: 0, held: 0, parked: 0 },
      byEntity: tally.byEntity,
      totals: emptyCounts(),
      skippedReasons: {},
      failures: [],
      warnings: tally.warnings,
      removals: tally.removals,
      ...this.#flowSummary(this.#ctx.flow.snapshot()),
      error,
      stoppedBy: { code: error.code, message: error.summary, fix: error.fix },
    };
  }
}
