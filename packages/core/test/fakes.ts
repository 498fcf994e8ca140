import type { CapturedItem, ChangeBatch, ChangeSource, CrmSink, DeliveryReceipt, EntityName, SyncRecord } from '../src/index.js';

/** An in-memory source: `items` are read once, in order, paged by `limit`; cursor = index. */
export class ListSource implements ChangeSource {
  readonly id = 'test:list';
  items: CapturedItem[] = [];
  /** What `load` answers, by `entity:key`. */
  readonly loadable = new Map<string, CapturedItem>();
  reads = 0;

  async load(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    return keys.flatMap((key) => {
      const item = this.loadable.get(`${entity}:${key}`);
      return item ? [item] : [];
    });
  }

  push(...items: CapturedItem[]): void {
    this.items.push(...items);
  }

  async read(cursor: string | null, { limit }: { limit: number }): Promise<ChangeBatch> {
    this.reads++;
    const from = cursor ? Number(cursor) : 0;
    const page = this.items.slice(from, from + limit);
    const next = from + page.length;
    return { items: page, cursor: String(next), hasMore: next < this.items.length };
  }
}

export const record = (key: string, payload: unknown = { key }, entity: EntityName = 'client'): CapturedItem => ({
  kind: 'record',
  record: { entity, key, payload },
});

/** Records deliveries; `behaviour(record, attempt)` may throw to simulate CRM answers. */
export class RecordingSink implements CrmSink {
  readonly delivered: SyncRecord[] = [];
  readonly attempts = new Map<string, number>();
  behaviour: (record: SyncRecord, attempt: number) => void = () => {};

  async deliver(record: SyncRecord): Promise<DeliveryReceipt> {
    const attempt = (this.attempts.get(record.key) ?? 0) + 1;
    this.attempts.set(record.key, attempt);
    this.behaviour(record, attempt);
    this.delivered.push(record);
    return { crmId: `crm-${record.key}` };
  }
}
