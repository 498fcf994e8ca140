import { ENTITIES, type EntityName } from '../domain/records.js';
import type { ErrorCode, FixText } from '../errors.js';

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
}

export interface RecordFailure {
  readonly entity: EntityName;
  readonly key: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly outcome: 'completed' | 'stopped';
  readonly byEntity: Readonly<Record<EntityName, EntityCounts>>;
  readonly totals: EntityCounts;
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** The first failures of the run (at most 100), already free of PII. */
  readonly failures: readonly RecordFailure[];
  /** Set when a configuration error stopped the run: the cause and its fix. */
  readonly stoppedBy?: { readonly code: ErrorCode; readonly message: string; readonly fix: FixText };
}

export type CountName = keyof EntityCounts;

const MAX_FAILURES = 100;

export function emptyCounts(): EntityCounts {
  return { sent: 0, unchanged: 0, failed: 0, skipped: 0, retrying: 0 };
}

/** Mutable tally behind a RunSummary. */
export class RunTally {
  readonly byEntity = Object.fromEntries(ENTITIES.map((e) => [e, emptyCounts()])) as Record<EntityName, EntityCounts>;
  readonly skippedReasons: Record<string, number> = {};
  readonly failures: RecordFailure[] = [];

  count(entity: EntityName, name: CountName, by = 1): void {
    this.byEntity[entity][name] += by;
  }

  skip(entity: EntityName, reason: string): void {
    this.count(entity, 'skipped');
    this.skippedReasons[reason] = (this.skippedReasons[reason] ?? 0) + 1;
  }

  fail(failure: RecordFailure, name: 'failed' | 'retrying' = 'failed'): void {
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

/** One line per entity that saw any activity, for terminals and logs. */
export function formatSummary(summary: RunSummary): string {
  const lines = [`run ${summary.runId} (${summary.trigger}) ${summary.outcome} in ${summary.durationMs} ms`];
  for (const [entity, c] of Object.entries(summary.byEntity)) {
    if (c.sent + c.unchanged + c.failed + c.skipped + c.retrying === 0) continue;
    lines.push(`  ${entity.padEnd(10)} sent ${c.sent}  unchanged ${c.unchanged}  failed ${c.failed}  skipped ${c.skipped}  retrying ${c.retrying}`);
  }
  const t = summary.totals;
  lines.push(`  ${'total'.padEnd(10)} sent ${t.sent}  unchanged ${t.unchanged}  failed ${t.failed}  skipped ${t.skipped}  retrying ${t.retrying}`);
  for (const [reason, n] of Object.entries(summary.skippedReasons)) lines.push(`  skipped: ${reason} × ${n}`);
  if (summary.stoppedBy) lines.push(`  stopped by ${summary.stoppedBy.code}: ${summary.stoppedBy.message}\n  fix: ${summary.stoppedBy.fix.en}`);
  return lines.join('\n');
}
