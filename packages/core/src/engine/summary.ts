import { ENTITIES, type EntityName, type EntityRef, type RecordWarning, type RemovalCause } from '../domain/records.js';
import type { ErrorCode, FixText, MegaCrmError } from '../errors.js';

export interface EntityCounts {
  /** Delivered to the CRM in this run. */
  sent: number;
  /** Read from Mega but identical to what the CRM already has: not sent. */
  unchanged: number;
  /** Refused for good (validation, CRM rejection): parked until the record changes in Mega. */
  failed: number;
  /** Out of scope (not a client any more, enterprise not flagged…), with a reason. */
  skipped: number;
  /** Transient failure after every retry: stays queued for the next run. */
  retrying: number;
  /** Waiting for another record (a client for its spouse): sent as soon as that one lands. */
  held: number;
}

export interface RecordFailure {
  readonly entity: EntityName;
  readonly key: string;
  readonly code: ErrorCode;
  readonly message: string;
  /** The record it waited for (DEPENDENCY_UNRESOLVED). */
  readonly waitingFor?: EntityRef;
}

export interface RunSummary {
  readonly runId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly outcome: 'completed' | 'stopped';
  /** Triggers that arrived during the previous run and were folded into this one. */
  readonly coalesced: number;
  /** What is left in the store after the run. */
  readonly queue: { readonly pending: number; readonly held: number; readonly parked: number };
  readonly byEntity: Readonly<Record<EntityName, EntityCounts>>;
  readonly totals: EntityCounts;
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** The first failures of the run (at most 100), already free of PII. */
  readonly failures: readonly RecordFailure[];
  /**
   * Values left out or changed while their record still went (an invalid e-mail among valid ones, a
   * phone without area code, text outside the CRM's charset): counts by code, and the first ones with
   * the record's key and the field (never the value).
   */
  readonly warnings: { readonly count: number; readonly byCode: Readonly<Record<string, number>>; readonly first: readonly RecordWarningEntry[] };
  /**
   * Records the CRM held that were deleted in Mega or left the scope (enterprise unflagged, occurrence
   * type no longer integrated, agent no longer a client, found by the feed or a reconciliation), as
   * acted on in this run: `closed` / `deactivated` in the CRM (the `removals` option), `reported` (the
   * key and the reason in `note`), or `dropped` (deleted before its first delivery: never sent).
   */
  readonly removals: {
    readonly count: number;
    readonly byAction: Readonly<Partial<Record<RemovalOutcome['action'], number>>>;
    readonly first: readonly RemovalOutcome[];
  };
  /** Set when this run reconciled the keys the CRM holds with Mega (polling; option `reconcileEvery`, or `run({ reconcile: true })`). */
  readonly reconciliation?: ReconciliationStats;
  /** CRM calls in flight at the end of the run: the adaptive limit as it settled, or the fixed one. */
  readonly concurrency: { readonly mode: 'adaptive' | 'fixed'; readonly limit: number };
  /**
   * The circuit breaker in this run: how often the CRM was found down (refused, reset, timing out),
   * how long calls waited for it to come back, and the probe calls made meanwhile.
   */
  readonly breaker: { readonly openedTimes: number; readonly waitedMs: number; readonly probes: number };
  /** Set when the run stopped (outcome `stopped`): the typed error, with its code, cause and fix. */
  readonly error?: MegaCrmError;
  /** The same, as plain data for logs and the run log. */
  readonly stoppedBy?: { readonly code: ErrorCode; readonly message: string; readonly fix: FixText };
}

export interface RecordWarningEntry extends EntityRef {
  readonly code: string;
  readonly field: string;
}

export interface RemovalEntry extends EntityRef {
  readonly cause: RemovalCause;
  readonly reason: string;
}

/** A removal as the run acted on it. */
export interface RemovalOutcome extends RemovalEntry {
  readonly action: 'closed' | 'deactivated' | 'reported' | 'dropped';
  /** Why it was only reported or dropped. */
  readonly note?: string;
}

export interface ReconciliationStats {
  /** Delivered keys checked against Mega. */
  readonly keys: number;
  /** Of those, deleted in Mega or out of scope now: queued as removals. */
  readonly removals: number;
  readonly durationMs: number;
}

export type CountName = keyof EntityCounts;

const MAX_FAILURES = 100;

export function emptyCounts(): EntityCounts {
  return { sent: 0, unchanged: 0, failed: 0, skipped: 0, retrying: 0, held: 0 };
}

/** Mutable tally behind a RunSummary. */
export class RunTally {
  readonly byEntity = Object.fromEntries(ENTITIES.map((e) => [e, emptyCounts()])) as Record<EntityName, EntityCounts>;
  readonly skippedReasons: Record<string, number> = {};
  readonly failures: RecordFailure[] = [];
  readonly warnings = { count: 0, byCode: {} as Record<string, number>, first: [] as RecordWarningEntry[] };
  readonly removals = { count: 0, byAction: {} as Partial<Record<RemovalOutcome['action'], number>>, first: [] as RemovalOutcome[] };
  reconciliation: ReconciliationStats | undefined;

  warn(ref: EntityRef, warnings: readonly RecordWarning[]): void {
    for (const w of warnings) {
      this.warnings.count++;
      this.warnings.byCode[w.code] = (this.warnings.byCode[w.code] ?? 0) + 1;
      if (this.warnings.first.length < MAX_FAILURES) this.warnings.first.push({ entity: ref.entity, key: ref.key, code: w.code, field: w.field });
    }
  }

  removal(entry: RemovalOutcome): void {
    this.removals.count++;
    this.removals.byAction[entry.action] = (this.removals.byAction[entry.action] ?? 0) + 1;
    if (this.removals.first.length < MAX_FAILURES) this.removals.first.push(entry);
  }

  count(entity: EntityName, name: CountName, by = 1): void {
    this.byEntity[entity][name] += by;
  }

  skip(entity: EntityName, reason: string): void {
    this.count(entity, 'skipped');
    this.skippedReasons[reason] = (this.skippedReasons[reason] ?? 0) + 1;
  }

  fail(failure: RecordFailure, name: 'failed' | 'retrying' | 'held' = 'failed'): void {
    this.count(failure.entity, name);
    if (this.failures.length < MAX_FAILURES) this.failures.push(failure);
  }

  totals(): EntityCounts {
    const total = emptyCounts();
    for (const counts of Object.values(this.byEntity)) {
      for (const name of Object.keys(total) as CountName[]) total[name] += counts[name];
    }
    return total;
  }
}

function line(c: EntityCounts): string {
  return `sent ${c.sent}  unchanged ${c.unchanged}  failed ${c.failed}  skipped ${c.skipped}  retrying ${c.retrying}  held ${c.held}`;
}

/** One line per entity that saw any activity, for terminals and logs. */
export function formatSummary(summary: RunSummary): string {
  const lines = [`run ${summary.runId} (${summary.trigger}) ${summary.outcome} in ${summary.durationMs} ms`];
  for (const [entity, c] of Object.entries(summary.byEntity)) {
    if (Object.values(c).every((n) => n === 0)) continue;
    lines.push(`  ${entity.padEnd(10)} ${line(c)}`);
  }
  lines.push(`  ${'total'.padEnd(10)} ${line(summary.totals)}`);
  if (summary.coalesced > 0) lines.push(`  ${summary.coalesced} trigger(s) during the previous run were coalesced into this one`);
  const q = summary.queue;
  if (q.pending + q.held + q.parked > 0) lines.push(`  left in the store: ${q.pending} pending, ${q.held} held, ${q.parked} parked`);
  for (const [reason, n] of Object.entries(summary.skippedReasons)) lines.push(`  skipped: ${reason} × ${n}`);
  for (const [code, n] of Object.entries(summary.warnings.byCode)) lines.push(`  sent with a value left out or changed: ${code} × ${n}`);
  if (summary.removals.count > 0) {
    const keys = summary.removals.first.slice(0, 5).map((r) => `${r.entity} ${r.key} (${r.cause}, ${r.action})`);
    const actions = Object.entries(summary.removals.byAction).map(([action, n]) => `${action} ${n}`);
    lines.push(
      `  in the CRM but deleted in Mega or out of scope: ${summary.removals.count} (${actions.join(', ')}) — ${keys.join(', ')}${summary.removals.count > 5 ? ', …' : ''}`,
    );
  }
  if (summary.reconciliation) {
    const r = summary.reconciliation;
    lines.push(`  reconciled ${r.keys} delivered keys with Mega in ${r.durationMs} ms: ${r.removals} deleted or out of scope`);
  }
  // Summaries saved by an older version have neither field.
  if (summary.concurrency) lines.push(`  CRM calls in flight: ${summary.concurrency.limit} (${summary.concurrency.mode})`);
  if (summary.breaker && summary.breaker.openedTimes > 0)
    lines.push(
      `  the CRM was unavailable ${summary.breaker.openedTimes} time(s): calls waited ${(summary.breaker.waitedMs / 1000).toFixed(1)} s in all, ${summary.breaker.probes} probe call(s) meanwhile`,
    );
  if (summary.stoppedBy) lines.push(`  stopped by ${summary.stoppedBy.code}: ${summary.stoppedBy.message}\n  fix: ${summary.stoppedBy.fix.en}`);
  return lines.join('\n');
}
