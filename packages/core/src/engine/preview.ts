import { ENTITIES, type EntityName, type EntityRef } from '../domain/records.js';
import type { QueueCounts, StagedRecord } from '../ports.js';
import { maskPii, redact } from '../redact.js';
import { readSource, stage } from './capture.js';
import type { EngineContext } from './context.js';
import { type RecordFailure, RunTally } from './summary.js';

/** One field the CRM would receive with another value: old → new, PII masked (`redact`/`maskPii`). */
export interface FieldChange {
  /** Dotted path in the payload: `endereco.cep`, `telefones.0`. */
  readonly field: string;
  /** What the CRM last received (absent: the field is new). */
  readonly from?: string;
  /** What it would receive (absent: the field is left out now). */
  readonly to?: string;
}

export interface PreviewRecord extends EntityRef {
  /** `new`: the CRM never received this key; `changed`: it holds another version. */
  readonly status: 'new' | 'changed';
  /** For `changed`: the fields that differ. Absent when the store has no copy of what was sent (delivered before it kept payloads). */
  readonly changes?: readonly FieldChange[];
}

export interface PreviewCounts {
  readonly new: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly invalid: number;
  readonly skipped: number;
}

/** What a run would send now (`SyncEngine.preview`): nothing is sent, queued or moved. */
export interface SyncPreview {
  /** The records that would be sent, at most `limit` listed (the counts include all that were read). */
  readonly records: readonly PreviewRecord[];
  readonly byEntity: Readonly<Record<EntityName, PreviewCounts>>;
  /** Records Mega's data would park (already free of PII), first 100. */
  readonly invalid: readonly RecordFailure[];
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** Records read from Mega. */
  readonly read: number;
  /** False when Mega has more changes than `maxRead` allowed to read: the real run sends more. */
  readonly complete: boolean;
  /** Already in the store's queue from earlier runs: the next run sends these too. */
  readonly queue: QueueCounts;
}

export interface PreviewOptions {
  /** Most records read from Mega (default 10,000): a first run reads all of Mega. */
  readonly maxRead?: number;
  /** Most records listed with their diff (default 200). */
  readonly limit?: number;
}

const counts = (): { -readonly [K in keyof PreviewCounts]: number } => ({ new: 0, changed: 0, unchanged: 0, invalid: 0, skipped: 0 });

/** Reads Mega from the stored cursor and compares each record with what the CRM last received; writes nothing. */
export async function previewChanges(ctx: EngineContext, options: PreviewOptions = {}): Promise<SyncPreview> {
  const { source, store } = ctx;
  const maxRead = options.maxRead ?? 10_000;
  const limit = options.limit ?? 200;
  const tally = new RunTally();
  const byEntity = Object.fromEntries(ENTITIES.map((e) => [e, counts()])) as Record<EntityName, ReturnType<typeof counts>>;
  // The latest version of each key read (a key can come back in a later page).
  const latest = new Map<string, StagedRecord>();
  let cursor = await store.getCursor(source.id);
  let read = 0;
  let complete = false;
  // Pages that read nothing still move the cursor (an empty entity, filtered feed rows): bounded all the same.
  for (let page = 0; read < maxRead && page < 10_000; page++) {
    const batch = await readSource(source, cursor, Math.min(ctx.batchSize, maxRead - read));
    const { records, invalid } = stage(batch.items, tally);
    for (const bad of invalid) byEntity[bad.entity].invalid++;
    for (const record of records) latest.set(`${record.entity}\u0000${record.key}`, record);
    read += batch.items.length;
    cursor = batch.cursor;
    if (!batch.hasMore) {
      complete = true;
      break;
    }
  }
  for (const entity of ENTITIES) byEntity[entity].skipped = tally.byEntity[entity].skipped;

  const listed: PreviewRecord[] = [];
  const staged = [...latest.values()];
  for (let i = 0; i < staged.length; i += 500) {
    const chunk = staged.slice(i, i + 500);
    const delivered = new Map((await store.lastDelivered(chunk)).map((d) => [`${d.entity}\u0000${d.key}`, d]));
    for (const record of chunk) {
      const last = delivered.get(`${record.entity}\u0000${record.key}`);
      if (last && last.hash === record.hash) {
        byEntity[record.entity].unchanged++;
        continue;
      }
      const status = last ? 'changed' : 'new';
      byEntity[record.entity][status]++;
      if (listed.length >= limit) continue;
      listed.push({
        entity: record.entity,
        key: record.key,
        status,
        ...(last && 'payload' in last ? { changes: diffPayloads(last.payload, record.payload) } : {}),
      });
    }
  }
  return {
    records: listed,
    byEntity,
    invalid: tally.failures,
    skippedReasons: tally.skippedReasons,
    read,
    complete,
    queue: await store.counts(),
  };
}

/** The leaves of a JSON value by dotted path. */
function leaves(value: unknown, path: string, out: Map<string, unknown>, depth = 0): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && depth < 8) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out, depth + 1);
  } else if (value !== undefined) out.set(path, value);
  return out;
}

/** A value for display: masked by its field name (CPF, e-mail, phone…) and by pattern. */
function shown(field: string, value: unknown): string {
  const name =
    field
      .split('.')
      .filter((part) => !/^\d+$/.test(part))
      .pop() ?? field;
  const masked = redact({ [name]: typeof value === 'string' ? value : JSON.stringify(value) }) as Record<string, string>;
  return maskPii(String(masked[name]));
}

/** Field-by-field differences between two payloads, values masked. */
export function diffPayloads(before: unknown, after: unknown): FieldChange[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changes: FieldChange[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(field);
    const to = b.get(field);
    if (a.has(field) && b.has(field) && JSON.stringify(from) === JSON.stringify(to)) continue;
    changes.push({ field, ...(a.has(field) ? { from: shown(field, from) } : {}), ...(b.has(field) ? { to: shown(field, to) } : {}) });
  }
  return changes;
}
