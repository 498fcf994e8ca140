/**
 * What the demo's Mega data turned into, record by record: values left out or changed (warnings),
 * records refused, and records skipped with their reason — read from the source the way a run reads
 * it, with the first keys of each. `pnpm demo --dirty` prints it after the sync.
 */
import type { CapturedItem, ChangeSource } from '@mega-crm/core';

export interface DataReport {
  readonly warnings: ReadonlyMap<string, { count: number; keys: string[] }>;
  readonly refused: ReadonlyMap<string, { count: number; keys: string[] }>;
  readonly skipped: ReadonlyMap<string, { count: number; keys: string[] }>;
}

const SAMPLE = 3;

function add(map: Map<string, { count: number; keys: string[] }>, name: string, key: string): void {
  const entry = map.get(name) ?? { count: 0, keys: [] };
  entry.count++;
  if (entry.keys.length < SAMPLE && !entry.keys.includes(key)) entry.keys.push(key);
  map.set(name, entry);
}

/** Reads the source from the start (a full scan) and tallies what each record became. */
export async function dataReport(source: ChangeSource, batchSize = 500): Promise<DataReport> {
  const warnings = new Map<string, { count: number; keys: string[] }>();
  const refused = new Map<string, { count: number; keys: string[] }>();
  const skipped = new Map<string, { count: number; keys: string[] }>();
  const tally = (item: CapturedItem) => {
    if (item.kind === 'record') for (const w of item.warnings ?? []) add(warnings, `${item.record.entity} ${w.code} (${w.field})`, item.record.key);
    else if (item.kind === 'invalid') add(refused, `${item.entity} ${item.error.code}`, item.key);
    else add(skipped, `${item.entity}: ${item.reason}`, item.key);
  };
  let cursor: string | null = null;
  for (;;) {
    const batch = await source.read(cursor, { limit: batchSize });
    batch.items.forEach(tally);
    cursor = batch.cursor;
    if (!batch.hasMore) return { warnings, refused, skipped };
  }
}

export function formatDataReport(report: DataReport): string {
  const section = (title: string, map: DataReport['warnings']) =>
    map.size === 0
      ? []
      : [title, ...[...map].sort(([a], [b]) => a.localeCompare(b)).map(([name, { count, keys }]) => `  ${name} × ${count}  (e.g. ${keys.join(', ')})`)];
  return [
    ...section('values left out or changed (the record was sent):', report.warnings),
    ...section('records refused (parked, with their code):', report.refused),
    ...section('records skipped (with their reason):', report.skipped),
  ].join('\n');
}
