/**
 * The engine's seams (DESIGN.md §2): it sees Mega only as a ChangeSource, the CRM only as a CrmSink,
 * and keeps its state in a SyncStore. Tests and hosts swap any of them.
 */
import type { EntityName, EntityRef, SyncRecord } from './domain/records.js';
import type { ErrorCode, MegaCrmError } from './errors.js';

export type CapturedItem =
  | { readonly kind: 'record'; readonly record: SyncRecord }
  | { readonly kind: 'invalid'; readonly entity: EntityName; readonly key: string; readonly error: MegaCrmError }
  | { readonly kind: 'skipped'; readonly entity: EntityName; readonly key: string; readonly reason: string };

export interface ChangeBatch {
  readonly items: readonly CapturedItem[];
  /** Opaque position after this batch; stored only once the batch is committed to the outbox. */
  readonly cursor: string;
  /** False once the source has nothing newer than `cursor` right now. */
  readonly hasMore: boolean;
}

/** Reads what changed in Mega since a cursor (null: first run, i.e. a full scan). */
export interface ChangeSource {
  /** Stable name under which the store keeps this source's cursor. */
  readonly id: string;
  read(cursor: string | null, options: { readonly limit: number }): Promise<ChangeBatch>;
}

export interface DeliveryReceipt {
  /** The CRM's own id for the record (the "integration id" answered by the CRM). */
  readonly crmId: string;
}

/** Writes one record into the CRM (an upsert keyed by the record's integration key). */
export interface CrmSink {
  deliver(record: SyncRecord): Promise<DeliveryReceipt>;
}

export interface StagedRecord extends EntityRef {
  readonly hash: string;
  readonly payload: unknown;
}

export interface OutboxItem extends StagedRecord {
  readonly seq: number;
  readonly attempts: number;
}

export interface FailureInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface CaptureInput {
  readonly sourceId: string;
  readonly cursor: string;
  readonly records: readonly StagedRecord[];
  readonly invalid: ReadonlyArray<EntityRef & FailureInfo>;
}

export interface CaptureOutcome {
  readonly enqueued: readonly EntityRef[];
  readonly unchanged: readonly EntityRef[];
}

export interface ParkedRecord extends EntityRef, FailureInfo {
  readonly attempts: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface RunRecord {
  readonly id: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly summary: unknown;
}

/**
 * Durable state of the sync. Contract every implementation keeps:
 * - `capture` commits the staged records and the new cursor in one transaction (nothing lost);
 * - a record whose hash equals the last delivered (or already queued) hash is reported unchanged;
 * - `claim` hands out pending items in dependency order (spouse, client, contract, occurrence), then
 *   sequence order; each once, marked in flight; never an item this run already claimed and released;
 *   never an item while an earlier item of the same key is still queued or in flight.
 */
export interface SyncStore {
  getCursor(sourceId: string): Promise<string | null>;
  capture(input: CaptureInput): Promise<CaptureOutcome>;
  /** Puts items left in flight by a crashed run back to pending. */
  recoverInFlight(): Promise<number>;
  pendingCount(): Promise<number>;
  claim(limit: number, runId: string): Promise<OutboxItem[]>;
  complete(item: OutboxItem, receipt: DeliveryReceipt): Promise<void>;
  park(item: OutboxItem, failure: FailureInfo): Promise<void>;
  release(item: OutboxItem, failure: FailureInfo): Promise<void>;
  integrationId(ref: EntityRef): Promise<string | undefined>;
  listParked(): Promise<ParkedRecord[]>;
  saveRun(run: RunRecord): Promise<void>;
  close(): Promise<void>;
}
