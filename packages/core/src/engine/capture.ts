import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { EntityName, EntityRef } from '../domain/records.js';
import { ConfigurationError, MegaCrmError } from '../errors.js';
import { contentHash } from '../hash.js';
import type { CapturedItem, ChangeBatch, ChangeSource, FailureInfo, StagedRecord, SyncStore } from '../ports.js';
import { maskPii } from '../redact.js';
import { removalRecords } from './removals.js';
import { type RemovalEntry, RunTally } from './summary.js';

/** Splits what the source read into records to stage and invalid ones to park; counts skips. */
export function stage(
  items: readonly CapturedItem[],
  tally: RunTally,
): { records: StagedRecord[]; invalid: Array<EntityRef & FailureInfo>; removals: RemovalEntry[] } {
  const records: StagedRecord[] = [];
  const invalid: Array<EntityRef & FailureInfo> = [];
  const removals: RemovalEntry[] = [];
  for (const item of items) {
    if (item.kind === 'record') {
      records.push({ entity: item.record.entity, key: item.record.key, payload: item.record.payload, hash: contentHash(item.record.payload) });
      if (item.warnings?.length) tally.warn(item.record, item.warnings);
    } else if (item.kind === 'invalid') {
      invalid.push({ entity: item.entity, key: item.key, code: item.error.code, message: item.error.summary });
      tally.fail({ entity: item.entity, key: item.key, code: item.error.code, message: item.error.summary });
    } else {
      tally.skip(item.entity, item.reason);
      if (item.removal) removals.push({ entity: item.entity, key: item.key, cause: item.removal, reason: item.reason });
    }
  }
  return { records, invalid, removals };
}

export function sourceFailed(source: ChangeSource, what: string, error: unknown): MegaCrmError {
  if (MegaCrmError.is(error)) return error;
  return new MegaCrmError(`${what} from ${source.id} failed: ${maskPii(error instanceof Error ? error.message : String(error))}`, {
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

export async function readSource(source: ChangeSource, cursor: string | null, limit: number): Promise<ChangeBatch> {
  try {
    return await source.read(cursor, { limit });
  } catch (error) {
    throw sourceFailed(source, 'Reading changes', error);
  }
}

export function notSupported(method: string): ConfigurationError {
  return new ConfigurationError(`The change source has no ${method}() method, needed for this operation.`, {
    code: 'CONFIG_INVALID',
    fix: { en: 'Use a source that can read records on demand (MegaSource can).', pt: 'Use uma origem capaz de ler registros sob demanda (MegaSource pode).' },
  });
}

/** Reads given records from Mega now (resync, a held record's dependency, a re-send). */
export async function loadRecords(source: ChangeSource, entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
  if (!source.load) throw notSupported('load');
  try {
    return await source.load(entity, keys);
  } catch (error) {
    throw sourceFailed(source, 'Reading records', error);
  }
}

/** Queues records read on demand, even if unchanged; returns the refs queued. */
export async function captureNow(store: SyncStore, source: ChangeSource, items: readonly CapturedItem[]): Promise<readonly EntityRef[]> {
  const { records, invalid } = stage(items, new RunTally());
  const outcome = await store.capture({ sourceId: source.id, records, invalid, force: true });
  return outcome.enqueued;
}

/** Reads Mega's changes page by page into the outbox, the cursor moving with each committed page. */
export async function captureChanges(options: {
  readonly source: ChangeSource;
  readonly store: SyncStore;
  readonly batchSize: number;
  readonly tally: RunTally;
  readonly feed: CaptureFeed;
  /** The run lock's holder: a capture after the lock passed to another process is refused by the store. */
  readonly fence: string;
  readonly stopped: () => boolean;
  readonly onProgress?: ((processed: number) => void) | undefined;
}): Promise<void> {
  const { source, store, batchSize, tally, feed } = options;
  let cursor = await store.getCursor(source.id);
  let processed = 0;
  const warned = new Set<string>();
  while (!options.stopped()) {
    const batch = await readSource(source, cursor, batchSize);
    for (const warning of batch.warnings ?? []) {
      const id = `${warning.entity}\u0000${warning.code}\u0000${warning.field}`;
      if (!warned.has(id)) tally.warn({ entity: warning.entity, key: '*' }, [warning]);
      warned.add(id);
    }
    // An embedded (synchronous) driver's read is one stretch of the event loop, the write another.
    if (batch.items.length > 0) await nextLoopTurn();
    const { records, invalid, removals } = stage(batch.items, tally);
    // Removals go in the same transaction as the cursor: a crash cannot lose one.
    if (removals.length > 0) records.push(...(await removalRecords(store, removals)));
    const outcome = await store.capture({ sourceId: source.id, cursor: batch.cursor, records, invalid, fence: options.fence });
    for (const ref of outcome.unchanged) tally.count(ref.entity, 'unchanged');
    cursor = batch.cursor;
    processed += batch.items.length;
    if (outcome.enqueued.length > 0) feed.captured(outcome.enqueued.length);
    options.onProgress?.(processed);
    if (!batch.hasMore) return;
    // Embedded drivers read and write synchronously: without a macrotask turn here, a long capture
    // would starve the sockets, and delivery (answers, next requests) would wait for it to finish.
    // The turn comes after the wait for room: room is made by a delivery claim, and a page read in the
    // claim's own turn would stall the event loop for both (a tail of CRM call latencies).
    await feed.room();
    await nextLoopTurn();
  }
}

/**
 * The hand-off between capture and delivery in one run. Delivery waits for captured batches; capture
 * waits while it is more than `highWater` records ahead of delivery (unless delivery is idle or has
 * ended), so a backfill interleaves the two instead of reading all of Mega first: the CRM gets records
 * from the start, and memory stays flat however large the backfill.
 */
export class CaptureFeed {
  done = false;
  error: unknown;
  readonly #highWater: number;
  #ahead = 0;
  #deliveryIdle = false;
  #deliveryEnded = false;
  #waiters: Array<() => void> = [];
  #roomWaiters: Array<() => void> = [];

  constructor(highWater: number) {
    this.#highWater = highWater;
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Resolves when the next batch is committed, or capture ends. */
  nextBatch(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Delivery found nothing to claim and waits on `batch`: capture must not wait for it meanwhile. */
  async idle(batch: Promise<void>): Promise<void> {
    this.#deliveryIdle = true;
    this.#wakeCapture();
    try {
      await batch;
    } finally {
      this.#deliveryIdle = false;
    }
  }

  /** Capture committed `count` records to the queue. */
  captured(count: number): void {
    this.#ahead += count;
    this.#wakeDelivery();
  }

  /** Delivery took `count` records from the queue. */
  taken(count: number): void {
    this.#ahead = Math.max(0, this.#ahead - count);
    if (this.#ahead <= this.#highWater) this.#wakeCapture();
  }

  /** Resolves when capture may read the next batch. */
  room(): Promise<void> {
    if (this.#ahead <= this.#highWater || this.#deliveryIdle || this.#deliveryEnded) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  deliveryEnded(): void {
    this.#deliveryEnded = true;
    this.#wakeCapture();
  }

  /** Wakes an idle delivery without new records (a stop request). */
  interrupt(): void {
    this.#wakeDelivery();
    this.#wakeCapture();
  }

  #wakeDelivery(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #wakeCapture(): void {
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  finish(): void {
    this.done = true;
    this.#wakeDelivery();
  }

  fail(error: unknown): void {
    this.error = error;
    this.finish();
  }
}
