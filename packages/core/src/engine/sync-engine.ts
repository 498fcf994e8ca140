import { randomUUID } from 'node:crypto';
import pRetry from 'p-retry';
import { z } from 'zod';
import { ENTITIES, type EntityName, type EntityRef } from '../domain/records.js';
import { AlreadyRunningError, asMegaCrmError, ConfigurationError, MegaCrmError } from '../errors.js';
import { contentHash } from '../hash.js';
import { type Logger, redactingLogger, silentLogger } from '../logger.js';
import type { CaptureInput, ChangeBatch, ChangeSource, CrmSink, FailureInfo, OutboxItem, StagedRecord, SyncStore } from '../ports.js';
import { maskPii } from '../redact.js';
import { runPool } from './pool.js';
import { type RunSummary, RunTally } from './summary.js';

export interface SyncProgress {
  readonly phase: 'capture' | 'deliver';
  /** Records read (capture) or delivered, failed or deferred (deliver) so far in this run. */
  readonly processed: number;
  /** Known only in the deliver phase: the queue size when delivery started. */
  readonly total?: number;
}

export interface RetryOptions {
  /** Retries after the first attempt, for retryable errors only. */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export interface SyncEngineOptions {
  readonly source: ChangeSource;
  readonly sink: CrmSink;
  readonly store: SyncStore;
  /** Records read from Mega and committed to the outbox per transaction. Default 500. */
  readonly batchSize?: number;
  /** CRM calls in flight at once, across different keys. Default 8. */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryOptions>;
  /** pino-compatible; everything is redacted before it reaches it. */
  readonly logger?: Logger;
  readonly onProgress?: (progress: SyncProgress) => void;
}

const OptionsSchema = z
  .object({
    source: z.custom<ChangeSource>((v) => typeof (v as ChangeSource | undefined)?.read === 'function', 'must implement ChangeSource'),
    sink: z.custom<CrmSink>((v) => typeof (v as CrmSink | undefined)?.deliver === 'function', 'must implement CrmSink'),
    store: z.custom<SyncStore>((v) => typeof (v as SyncStore | undefined)?.capture === 'function', 'must implement SyncStore'),
    batchSize: z.number().int().min(1).max(10_000).default(500),
    concurrency: z.number().int().min(1).max(256).default(8),
    retry: z
      .object({
        retries: z.number().int().min(0).max(20).default(3),
        minTimeoutMs: z.number().int().min(0).default(200),
        maxTimeoutMs: z.number().int().min(0).default(5_000),
      })
      .strict()
      .default({ retries: 3, minTimeoutMs: 200, maxTimeoutMs: 5_000 }),
    logger: z.custom<Logger>().optional(),
    onProgress: z.custom<(p: SyncProgress) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

/**
 * One sync on demand: capture Mega's changes into the store's outbox (cursor moved in the same
 * transaction), then deliver the outbox to the CRM. Scheduling is the host's.
 */
export class SyncEngine {
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #logger: Logger;
  #running = false;

  constructor(options: SyncEngineOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const allowed = Object.keys(OptionsSchema.shape).join(', ');
      throw new ConfigurationError(`Invalid SyncEngine options: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, {
        code: 'CONFIG_INVALID',
        fix: { en: `Pass only these options, with valid values: ${allowed}.`, pt: `Informe apenas estas opções, com valores válidos: ${allowed}.` },
      });
    }
    this.#options = parsed.data;
    this.#logger = redactingLogger(options.logger ?? silentLogger);
  }

  get running(): boolean {
    return this.#running;
  }

  /** Runs one sync. Rejects with AlreadyRunningError if a run is in progress on this engine. */
  async run(options: { readonly trigger?: string } = {}): Promise<RunSummary> {
    if (this.#running) throw new AlreadyRunningError();
    this.#running = true;
    try {
      return await this.#run(options.trigger ?? 'manual');
    } finally {
      this.#running = false;
    }
  }

  async #run(trigger: string): Promise<RunSummary> {
    const { store } = this.#options;
    const runId = randomUUID();
    const started = new Date();
    const tally = new RunTally();
    let stop: MegaCrmError | undefined;
    this.#logger.info({ runId, trigger }, 'sync run started');

    const recovered = await store.recoverInFlight();
    if (recovered > 0) this.#logger.warn({ runId, recovered }, 'items left in flight by an earlier run were queued again');

    try {
      await this.#capture(tally);
      stop = await this.#deliver(runId, tally);
    } catch (error) {
      stop = asMegaCrmError(error, 'STORE_FAILED');
      if (!stop.stopsRun) throw stop;
    }

    const ended = new Date();
    const summary: RunSummary = {
      runId,
      trigger,
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
      outcome: stop ? 'stopped' : 'completed',
      byEntity: tally.byEntity,
      totals: tally.totals(),
      skippedReasons: tally.skippedReasons,
      failures: tally.failures,
      ...(stop ? { stoppedBy: { code: stop.code, message: stop.summary, fix: stop.fix } } : {}),
    };
    await store.saveRun({ id: runId, trigger, startedAt: summary.startedAt, endedAt: summary.endedAt, summary });
    this.#logger.info({ runId, outcome: summary.outcome, totals: summary.totals, durationMs: summary.durationMs }, 'sync run finished');
    return summary;
  }

  async #capture(tally: RunTally): Promise<void> {
    const { source, store, batchSize, onProgress } = this.#options;
    let cursor = await store.getCursor(source.id);
    let processed = 0;
    for (;;) {
      const batch = await readSource(source, cursor, batchSize);
      const records: StagedRecord[] = [];
      const invalid: Array<EntityRef & FailureInfo> = [];
      for (const item of batch.items) {
        if (item.kind === 'record') {
          records.push({ entity: item.record.entity, key: item.record.key, payload: item.record.payload, hash: contentHash(item.record.payload) });
        } else if (item.kind === 'invalid') {
          invalid.push({ entity: item.entity, key: item.key, code: item.error.code, message: item.error.summary });
          tally.fail({ entity: item.entity, key: item.key, code: item.error.code, message: item.error.summary });
        } else {
          tally.skip(item.entity, item.reason);
        }
      }
      const input: CaptureInput = { sourceId: source.id, cursor: batch.cursor, records, invalid };
      const outcome = await store.capture(input);
      for (const ref of outcome.unchanged) tally.count(ref.entity, 'unchanged');
      cursor = batch.cursor;
      processed += batch.items.length;
      onProgress?.({ phase: 'capture', processed });
      if (!batch.hasMore) return;
    }
  }

  /**
   * Delivers the outbox in dependency order: within each claimed batch, every spouse is answered
   * before any client is sent, every client before any contract, every contract before any occurrence.
   * Returns the error that stopped the run, if any.
   */
  async #deliver(runId: string, tally: RunTally): Promise<MegaCrmError | undefined> {
    const { store, concurrency, batchSize, onProgress } = this.#options;
    const total = await store.pendingCount();
    let processed = 0;
    let stop: MegaCrmError | undefined;
    while (!stop) {
      const items = await store.claim(batchSize, runId);
      if (items.length === 0) break;
      for (const entity of ENTITIES) {
        const group = items.filter((item) => item.entity === entity);
        if (group.length === 0 || stop) continue;
        await runPool(
          group,
          concurrency,
          async (item) => {
            const error = await this.#deliverOne(item, tally);
            if (error?.stopsRun && !stop) stop = error;
            processed++;
            onProgress?.({ phase: 'deliver', processed, total });
          },
          () => stop !== undefined,
        );
      }
      // Items claimed but not attempted go back to the queue untouched.
      if (stop) await store.recoverInFlight();
    }
    if (stop) this.#logger.error({ code: stop.code, message: stop.summary }, 'sync run stopped');
    return stop;
  }

  async #deliverOne(item: OutboxItem, tally: RunTally): Promise<MegaCrmError | undefined> {
    const { sink, store, retry } = this.#options;
    const entity: EntityName = item.entity;
    try {
      const receipt = await pRetry(() => sink.deliver({ entity, key: item.key, payload: item.payload }), {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        maxTimeout: retry.maxTimeoutMs,
        randomize: true,
        shouldRetry: ({ error }) => asMegaCrmError(error).retryable,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          const e = asMegaCrmError(error);
          if (e.retryable && retriesLeft > 0) this.#logger.warn({ entity, key: item.key, code: e.code, attemptNumber }, 'delivery failed, retrying');
        },
      });
      await store.complete(item, receipt);
      tally.count(entity, 'sent');
      return undefined;
    } catch (thrown) {
      const error = asMegaCrmError(thrown);
      const failure = { code: error.code, message: error.summary };
      if (error.stopsRun) return error;
      if (error.retryable) {
        await store.release(item, failure);
        tally.fail({ entity, key: item.key, ...failure }, 'retrying');
      } else {
        await store.park(item, failure);
        tally.fail({ entity, key: item.key, ...failure });
      }
      this.#logger.warn({ entity, key: item.key, code: error.code, retryable: error.retryable }, error.summary);
      return undefined;
    }
  }
}

async function readSource(source: ChangeSource, cursor: string | null, limit: number): Promise<ChangeBatch> {
  try {
    return await source.read(cursor, { limit });
  } catch (error) {
    if (MegaCrmError.is(error)) throw error;
    throw new MegaCrmError(`Reading changes from ${source.id} failed: ${maskPii(error instanceof Error ? error.message : String(error))}`, {
      code: 'SOURCE_FAILED',
      retryable: true,
      cause: error,
      details: { source: source.id },
      fix: {
        en: 'Check the Mega database connection and that its tables and the MEGACRM_FEED triggers exist; nothing was lost, the next run resumes from the last committed cursor.',
        pt: 'Verifique a conexão com o banco do Mega e se as tabelas e os gatilhos MEGACRM_FEED existem; nada foi perdido, a próxima execução retoma do último cursor gravado.',
      },
    });
  }
}
