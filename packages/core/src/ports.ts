/**
 * The engine's seams (DESIGN.md §2): it sees Mega only as a ChangeSource, the CRM only as a CrmSink,
 * and keeps its state in a SyncStore. Tests and hosts swap any of them.
 */
import type { EntityName, EntityRef, RecordWarning, RemovalCause, SyncRecord } from './domain/records.js';
import type { RunSummary } from './engine/summary.js';
import type { ErrorCode, MegaCrmError } from './errors.js';

export type CapturedItem =
  | {
      readonly kind: 'record';
      readonly record: SyncRecord;
      /** Values left out or changed while the record still goes (counted, with the key, in the run summary). */
      readonly warnings?: readonly RecordWarning[];
    }
  | { readonly kind: 'invalid'; readonly entity: EntityName; readonly key: string; readonly error: MegaCrmError }
  | {
      readonly kind: 'skipped';
      readonly entity: EntityName;
      readonly key: string;
      readonly reason: string;
      /**
       * Set when the record may be in the CRM from an earlier run and no longer belongs there: deleted in
       * Mega, or out of scope now (enterprise unflagged, occurrence type no longer integrated, agent no
       * longer a client, a company's spouse). Where the store delivered the key, the engine acts on it:
       * `CrmSink.remove` when the sink has it (deactivate / close), else a reported outcome with the key.
       */
      readonly removal?: RemovalCause;
    };

export interface ChangeBatch {
  readonly items: readonly CapturedItem[];
  /** Opaque position after this batch; stored only once the batch is committed to the outbox. */
  readonly cursor: string;
  /** False once the source has nothing newer than `cursor` right now. */
  readonly hasMore: boolean;
  /**
   * Conditions of the source itself that leave values out of the records it still reads (an optional
   * Mega table missing): counted once per run in the summary's warnings, under the key `*`.
   */
  readonly warnings?: readonly SourceWarning[];
}

/** A warning about the source, not one record: which entity's records it touches. */
export interface SourceWarning extends RecordWarning {
  readonly entity: EntityName;
}

/** Reads what changed in Mega since a cursor (null: first run, i.e. a full scan). */
export interface ChangeSource {
  /** Stable name under which the store keeps this source's cursor. */
  readonly id: string;
  read(cursor: string | null, options: { readonly limit: number }): Promise<ChangeBatch>;
  /** Reads given records now, whatever the cursor: for resyncs and to fetch a missing dependency. */
  load?(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]>;
  /** Everything one enterprise sends, read now (targeted resync). */
  loadEnterprise?(code: string): Promise<CapturedItem[]>;
  /**
   * Keys-only reconciliation (polling cannot see deletes): given keys the store delivered, returns the
   * ones deleted in Mega or out of scope now, as `skipped` items with their `removal` cause.
   */
  reconcile?(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]>;
}

export interface DeliveryReceipt {
  /** The CRM's own id for the record (the "integration id" answered by the CRM). */
  readonly crmId: string;
}

/** Writes one record into the CRM (an upsert keyed by the record's integration key). */
export interface CrmSink {
  deliver(record: SyncRecord): Promise<DeliveryReceipt>;
  /**
   * Takes a record that left Mega (or the scope) out of the CRM's active records, where the CRM's
   * profile has such an operation (an occurrence: `EncerrarOcorrencia`). Answers `'unsupported'` for
   * entities it cannot act on: the engine then reports the key instead.
   */
  remove?(ref: EntityRef, cause: RemovalCause): Promise<RemovalReceipt>;
}

export type RemovalReceipt = { readonly action: 'closed' | 'deactivated' } | { readonly action: 'unsupported' };

export interface StagedRecord extends EntityRef {
  readonly hash: string;
  readonly payload: unknown;
}

export interface OutboxItem extends StagedRecord {
  readonly seq: number;
  readonly attempts: number;
  /** The claim's fencing token: the store refuses a completion, retry, hold or park that does not carry the current one. */
  readonly token: string;
}

export interface ClaimRequest {
  readonly limit: number;
  /** Never hands out an item this run already claimed and put back; renewals and releases name it. */
  readonly runId: string;
  readonly leaseMs: number;
  /** The claiming process (`host:pid:…`), so the claims of a dead process can be recovered at once. */
  readonly owner: string;
  /** Epoch milliseconds (the engine's clock). */
  readonly now: number;
}

/** A held item whose dependency is not in the outbox: the dependency must be fetched, or the hold resolved. */
export interface StrandedHold extends EntityRef {
  readonly seq: number;
  readonly waitingFor: EntityRef;
  /** Epoch milliseconds of the first hold. */
  readonly heldAt: number;
  /** How many times the dependency was looked for without the hold being resolved. */
  readonly tries: number;
  /** Where the dependency is: delivered (the hold missed its completion), parked, or nowhere. */
  readonly dependency: 'delivered' | 'parked' | 'absent';
  /** The dependency's parked code, when parked. */
  readonly dependencyCode?: ErrorCode;
}

export interface HoldSettlement {
  /** Pending again (their dependency is delivered). */
  readonly wake: readonly number[];
  /** Looked for once more without success. */
  readonly tried: readonly number[];
  /** Parked for good with this failure (DEPENDENCY_UNRESOLVED). */
  readonly park: ReadonlyArray<{ readonly seq: number; readonly failure: FailureInfo }>;
}

export interface FailureInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface CaptureInput {
  readonly sourceId: string;
  /** The new cursor, committed with the records; omitted for a resync, which moves no cursor. */
  readonly cursor?: string;
  readonly records: readonly StagedRecord[];
  readonly invalid: ReadonlyArray<EntityRef & FailureInfo>;
  /** Queue the records even when their content equals what the CRM already has (a resync). */
  readonly force?: boolean;
  /** The run lock's holder: the store refuses the capture (RUN_LOCK_LOST) when it no longer holds the lock. */
  readonly fence?: string;
}

export interface CaptureOutcome {
  readonly enqueued: readonly EntityRef[];
  readonly unchanged: readonly EntityRef[];
}

export interface ParkedRecord extends EntityRef, FailureInfo {
  readonly attempts: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Present when the record was refused by the CRM (it can be sent again as is); absent when Mega's data was invalid. */
  readonly payload?: unknown;
  readonly hash?: string;
  /** The record it waited for, when parked because that one never arrived (DEPENDENCY_UNRESOLVED). */
  readonly waitingFor?: EntityRef;
}

export interface ParkedFilter {
  readonly entity?: EntityName;
  readonly key?: string;
  readonly code?: ErrorCode;
}

/**
 * A run's summary as the run log keeps it: plain JSON, the stop's cause in `stoppedBy` (code, message,
 * fix) rather than an error object. Fields added in later versions are optional: older runs lack them.
 */
export type LoggedRunSummary = Omit<RunSummary, 'error' | 'concurrency' | 'breaker'> & Partial<Pick<RunSummary, 'concurrency' | 'breaker'>>;

export interface RunRecord {
  readonly id: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly summary: LoggedRunSummary;
}

/** What the CRM last received for one key (`SyncStore.lastDelivered`). */
export interface DeliveredRecord extends EntityRef {
  readonly hash: string;
  readonly crmId: string;
  /** ISO timestamp of the delivery. */
  readonly deliveredAt: string;
  /** The payload sent; absent for deliveries recorded before the store kept payloads. */
  readonly payload?: unknown;
}

/** Who holds the run lock (`SyncStore.runLockHolder`). */
export interface RunLockHolder {
  /** `host:pid:random[:label]` (see `SyncEngineOptions.owner`). */
  readonly owner: string;
  /** ISO timestamp of when this owner took the lock (absent for a lock taken before the store kept it). */
  readonly since?: string;
  /** ISO timestamp of when the lease runs out without a renewal; past: its holder died or hung without releasing it. */
  readonly expiresAt: string;
}

export interface QueueCounts {
  readonly pending: number;
  readonly inflight: number;
  readonly held: number;
  readonly parked: number;
}

/**
 * Durable state of the sync. Contract every implementation keeps (one suite checks them all):
 * - `capture` commits the staged records and the new cursor in one transaction (nothing lost), and
 *   only while `fence` (when given) holds the run lock;
 * - a record whose hash equals the last delivered (or already queued) hash is reported unchanged;
 * - `claim` hands out pending items in dependency order (spouse, client, contract, occurrence), then
 *   sequence order; each to one claimer at a time, marked in flight with a lease and a fresh token;
 *   never an item this run already claimed and released; never an item while an earlier item of the
 *   same key is queued or in flight; an in-flight item whose lease expired (its worker died) is
 *   claimable again, under a new token;
 * - `completeMany`, `retryLater`, `hold` and `park` act only on items still claimed under the token
 *   they carry; the others are refused (returned), so a worker fenced out cannot overwrite newer state;
 * - `hold` keeps an item until the record it waits for is completed, then it is pending again. A held
 *   item whose dependency is not in the outbox is listed by `strandedHolds` (the dependency is still to
 *   fetch, or it completed while the hold was being written): the hold and that need are one durable
 *   fact, which every run and worker resolves before it claims;
 * - the run lock is a lease: a run that dies leaves no lock behind once the lease expires, or at once
 *   when the caller says its holder is gone (`takeOver`).
 */
export interface SyncStore {
  /** False when only one process may deliver (SQLite): a run then recovers every in-flight item. */
  readonly concurrentDelivery: boolean;
  getCursor(sourceId: string): Promise<string | null>;
  capture(input: CaptureInput): Promise<CaptureOutcome>;
  /** Puts every in-flight item back to pending (single-deliverer stores, under the run lock). */
  recoverInFlight(): Promise<number>;
  claim(request: ClaimRequest): Promise<OutboxItem[]>;
  /** Extends the lease of this run's in-flight items; returns how many it still holds. */
  renewClaims(runId: string, leaseMs: number, now: number): Promise<number>;
  /** Puts this run's in-flight items back to pending, untouched (a stopped run). */
  releaseClaims(runId: string): Promise<number>;
  /** The owners (`ClaimRequest.owner`) of in-flight items, to find those of dead processes. */
  claimOwners(): Promise<string[]>;
  /** Puts the in-flight items of a dead owner back to pending; returns how many. */
  releaseOwner(owner: string): Promise<number>;
  /** Marks items delivered in one transaction; returns those refused (no longer claimed under their token). */
  completeMany(done: ReadonlyArray<readonly [OutboxItem, DeliveryReceipt]>): Promise<OutboxItem[]>;
  /** Parks the item for good (false: refused, no longer claimed under its token). */
  park(item: OutboxItem, failure: FailureInfo): Promise<boolean>;
  /** Puts the item back to pending with one more attempt, for a later run (false: refused). */
  retryLater(item: OutboxItem, failure: FailureInfo): Promise<boolean>;
  /** Holds the item until `waitingFor` is completed (false: refused, no longer claimed under its token). */
  hold(item: OutboxItem, waitingFor: EntityRef, failure: FailureInfo, now: number): Promise<boolean>;
  /** Held items whose dependency is not in the outbox (at most `limit`). */
  strandedHolds(limit: number): Promise<StrandedHold[]>;
  settleHolds(settlement: HoldSettlement): Promise<void>;
  /** Whether a record is waiting in the outbox (pending or in flight), held, or not there. */
  queueState(ref: EntityRef): Promise<'queued' | 'held' | 'none'>;
  integrationId(ref: EntityRef): Promise<string | undefined>;
  /** What the CRM last received for these keys (keys never delivered are left out): a dry run's diff. */
  lastDelivered(refs: readonly EntityRef[]): Promise<DeliveredRecord[]>;
  /**
   * Keys of `entity` the CRM holds from this store (delivered, not removed since), in key order,
   * after `after` (keyset pagination), at most `limit` (capped at 10,000): what a reconciliation checks.
   */
  deliveredKeys(entity: EntityName, after: string | null, limit: number): Promise<string[]>;
  counts(): Promise<QueueCounts>;
  listParked(filter?: ParkedFilter): Promise<ParkedRecord[]>;
  /** Removes the matching parked records and returns them, for the engine to queue again. */
  unpark(filter?: ParkedFilter): Promise<ParkedRecord[]>;
  /**
   * Takes the run lock for `owner` (false: another holder's lease is running). `takeOver(holder)`
   * says whether a live lease's holder is known to be gone (its process died on this host).
   */
  acquireRunLock(owner: string, ttlMs: number, takeOver?: (holder: string) => boolean): Promise<boolean>;
  renewRunLock(owner: string, ttlMs: number): Promise<boolean>;
  releaseRunLock(owner: string): Promise<void>;
  /** The run lock's row, if any (an expired lease included: its holder did not release it). */
  runLockHolder(): Promise<RunLockHolder | undefined>;
  saveRun(run: RunRecord): Promise<void>;
  listRuns(limit: number): Promise<RunRecord[]>;
  /** Rejects with STORE_BUSY while a run of an engine is using the store; see `SyncEngine.stop()`. */
  close(): Promise<void>;
}
