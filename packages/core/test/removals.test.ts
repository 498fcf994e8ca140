/**
 * Removals as durable CRM actions and reconciliation for polling, on the SQLite and PostgreSQL stores:
 * a record the CRM holds that was deleted in Mega or left the scope is queued like an upsert, applied
 * through the sink's remove (an occurrence closed) or reported, retried, parked, never lost, never
 * applied twice; a re-entry flows again as an upsert.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import {
  type CapturedItem,
  ConfigurationError,
  CrmFaultError,
  type DeliveryReceipt,
  type EntityName,
  type EntityRef,
  formatSummary,
  type RemovalCause,
  type RemovalReceipt,
  SyncEngine,
  type SyncEngineOptions,
  type SyncRecord,
  type SyncStore,
  TransportError,
} from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { ListSource, RecordingSink, record } from './fakes.js';

const fix = { en: 'fix', pt: 'corrija' };

/** A sink whose `remove` closes occurrences (as crm-client's does) and answers unsupported for the rest. */
class RemovingSink extends RecordingSink {
  readonly removed: Array<EntityRef & { cause: RemovalCause }> = [];
  removeAttempts = 0;
  onRemove: (ref: EntityRef, attempt: number) => void = () => {};
  /** Deliveries wait for it, when set. */
  gate: Promise<void> | undefined;
  override async deliver(r: SyncRecord): Promise<DeliveryReceipt> {
    await this.gate;
    return super.deliver(r);
  }
  async remove(ref: EntityRef, cause: RemovalCause): Promise<RemovalReceipt> {
    this.onRemove(ref, ++this.removeAttempts);
    if (ref.entity !== 'occurrence') return { action: 'unsupported' };
    this.removed.push({ ...ref, cause });
    return { action: 'closed' };
  }
}

/** A list source that also reconciles: keys in `gone` are deleted in Mega. */
class ReconcilingSource extends ListSource {
  readonly gone = new Set<string>();
  checked = 0;
  async reconcile(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    this.checked += keys.length;
    return keys.filter((k) => this.gone.has(`${entity}:${k}`)).map((key) => removal(entity, key));
  }
}

const removal = (entity: EntityName, key: string, cause: RemovalCause = 'deleted'): CapturedItem => ({
  kind: 'skipped',
  entity,
  key,
  reason: `${entity} gone`,
  removal: cause,
});

let n = 0;
const STORES: ReadonlyArray<{ name: string; available: boolean; open(): Promise<SyncStore & { drop?(): Promise<void> }> }> = [
  { name: 'SQLite', available: true, open: async () => new SqliteStore({ path: ':memory:' }) },
  {
    name: 'PostgreSQL',
    available: pgAvailable,
    open: () => PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema: `removals_t${process.pid}_${++n}` }),
  },
];

for (const kind of STORES) {
  describe.skipIf(!kind.available)(`removals and reconciliation on the ${kind.name} store`, () => {
    const opened: Array<SyncStore & { drop?(): Promise<void> }> = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) {
        await s.drop?.();
        await s.close();
      }
    });

    async function setup(options: Partial<SyncEngineOptions> = {}) {
      const store = await kind.open();
      opened.push(store);
      const source = new ReconcilingSource();
      const sink = new RemovingSink();
      const engine = new SyncEngine({ source, sink, store, retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 }, ...options });
      return { store, source, sink, engine };
    }

    it('closes a removed occurrence once, reports a removed client with its reason, and a re-entry is an upsert again', async () => {
      const { source, sink, engine } = await setup();
      source.push(record('c1'), record('c2'), record('o1', { o: 1 }, 'occurrence'));
      await engine.run();
      source.push(removal('occurrence', 'o1'), removal('client', 'c1', 'out-of-scope'), removal('client', 'never-sent'));
      const summary = await engine.run();
      expect(sink.removed).toEqual([{ entity: 'occurrence', key: 'o1', cause: 'deleted' }]);
      expect(summary.removals.count).toBe(2);
      expect(summary.removals.byAction).toEqual({ closed: 1, reported: 1 });
      expect(summary.removals.first).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ entity: 'occurrence', key: 'o1', cause: 'deleted', action: 'closed' }),
          expect.objectContaining({ entity: 'client', key: 'c1', cause: 'out-of-scope', action: 'reported', note: "removals.client is 'report'" }),
        ]),
      );
      expect(summary.totals.sent).toBe(0);
      // The same removals again (a re-read feed, a second reconciliation): nothing more happens.
      source.push(removal('occurrence', 'o1'), removal('client', 'c1', 'out-of-scope'));
      const again = await engine.run();
      expect(again.removals.count).toBe(0);
      expect(sink.removed).toHaveLength(1);
      // Re-flagged with the very content it had: sent again as an upsert.
      source.push(record('o1', { o: 1 }, 'occurrence'));
      const back = await engine.run();
      expect(back.byEntity.occurrence.sent).toBe(1);
      expect(sink.delivered.filter((r) => r.key === 'o1')).toHaveLength(2);
      // And it can leave again.
      source.push(removal('occurrence', 'o1'));
      const left = await engine.run();
      expect(left.removals.byAction).toEqual({ closed: 1 });
      expect(sink.removed).toHaveLength(2);
    });

    it("'deactivate' for every entity asks the sink for each; what it cannot do is reported with the profile's reason", async () => {
      const { source, sink, engine } = await setup({ removals: 'deactivate' });
      source.push(record('c1'), record('o1', {}, 'occurrence'));
      await engine.run();
      source.push(removal('client', 'c1'), removal('occurrence', 'o1'));
      const summary = await engine.run();
      expect(sink.removeAttempts).toBe(2);
      expect(summary.removals.first).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'c1', action: 'reported', note: 'the CRM profile has no operation to deactivate a client' }),
          expect.objectContaining({ key: 'o1', action: 'closed' }),
        ]),
      );
    });

    it("'report' for occurrences never calls the sink", async () => {
      const { source, sink, engine } = await setup({ removals: { occurrence: 'report' } });
      source.push(record('o1', {}, 'occurrence'));
      await engine.run();
      source.push(removal('occurrence', 'o1'));
      expect((await engine.run()).removals.byAction).toEqual({ reported: 1 });
      expect(sink.removeAttempts).toBe(0);
    });

    it('a removal is durable: retried when the CRM is down, kept queued when the run stops, parked when refused, sent again from parked', async () => {
      const { store, source, sink, engine } = await setup();
      source.push(record('o1', {}, 'occurrence'), record('o2', {}, 'occurrence'));
      await engine.run();
      // The CRM stops the run (configuration) before the removal is applied: it stays queued.
      sink.onRemove = () => {
        throw new ConfigurationError('ip not allowed', { code: 'IP_NOT_ALLOWED', fix });
      };
      source.push(removal('occurrence', 'o1'));
      const stopped = await engine.run();
      expect(stopped.outcome).toBe('stopped');
      expect(stopped.queue.pending).toBe(1);
      // Next run: two transient failures, then it lands.
      sink.onRemove = (_ref, attempt) => {
        if (attempt < 4) throw new TransportError('reset', { code: 'CONNECTION_FAILED', fix });
      };
      const retried = await engine.run();
      expect(retried.removals.byAction).toEqual({ closed: 1 });
      expect(sink.removed.map((r) => r.key)).toEqual(['o1']);
      // Refused for good: parked with its code, then retried by filter.
      sink.onRemove = (ref) => {
        if (ref.key === 'o2') throw new CrmFaultError('not found', { code: 'CRM_REJECTED', fix });
      };
      source.push(removal('occurrence', 'o2'));
      const refused = await engine.run();
      expect(refused.byEntity.occurrence.failed).toBe(1);
      expect((await store.listParked()).map((p) => [p.key, p.code])).toEqual([['o2', 'CRM_REJECTED']]);
      sink.onRemove = () => {};
      expect(await engine.retryParked({ key: 'o2' })).toBe(1);
      expect((await engine.run()).removals.byAction).toEqual({ closed: 1 });
      expect(sink.removed.map((r) => r.key)).toEqual(['o1', 'o2']);
    });

    it('a record deleted before its first delivery replaces its queued upsert and never reaches the CRM', async () => {
      let captured = () => {};
      const removalCaptured = new Promise<void>((resolve) => {
        captured = resolve;
      });
      // Armed for the second run only: the first run's capture must not open the gate.
      let armed = false;
      const { source, sink, engine } = await setup({ batchSize: 1, onProgress: (p) => armed && p.phase === 'capture' && captured() });
      source.push(record('a'), record('o1', {}, 'occurrence'));
      // Capture only: the CRM stops the run at its first call, so both stay queued undelivered.
      sink.behaviour = () => {
        throw new ConfigurationError('ip not allowed', { code: 'IP_NOT_ALLOWED', fix });
      };
      expect((await engine.run()).outcome).toBe('stopped');
      // Next run: `a` (claimed first, dependency order) is answered only once the removal of o1 is
      // captured, so o1 is still waiting in the queue when its removal arrives.
      sink.behaviour = () => {};
      sink.gate = removalCaptured;
      armed = true;
      source.push(removal('occurrence', 'o1'));
      const summary = await engine.run();
      expect(summary.removals.first).toEqual([expect.objectContaining({ key: 'o1', action: 'dropped' })]);
      expect(sink.delivered.map((r) => r.key)).toEqual(['a']);
      expect(sink.removeAttempts).toBe(0);
    });

    it('reconciles the delivered keys page by page (every key checked once) and turns the missing ones into removals; reconcileEvery runs it on schedule', async () => {
      const { store, source, sink, engine } = await setup({ reconcileEvery: 2 });
      for (let i = 0; i < 2_345; i++) source.push(record(`c${String(i).padStart(5, '0')}`));
      for (let i = 0; i < 10; i++) source.push(record(`o${i}`, {}, 'occurrence'));
      const first = await engine.run(); // run 1: no reconciliation
      expect(first.reconciliation).toBeUndefined();
      source.gone.add('client:c01500').add('client:c00000').add('occurrence:o3');
      const second = await engine.run(); // run 2: reconciliation
      expect(source.checked).toBe(2_355);
      expect(second.reconciliation).toEqual({ keys: 2_355, removals: 3, durationMs: expect.any(Number) });
      expect(second.removals.byAction).toEqual({ reported: 2, closed: 1 });
      expect(sink.removed.map((r) => r.key)).toEqual(['o3']);
      expect(await store.deliveredKeys('client', 'c01499', 2)).toEqual(['c01501', 'c01502']);
      // Asked for: the removed keys are no longer checked, nothing is applied twice.
      const third = await engine.run({ reconcile: true });
      expect(third.reconciliation).toMatchObject({ keys: 2_352, removals: 0 });
      expect(third.removals.count).toBe(0);
      expect(sink.removed).toHaveLength(1);
      expect(formatSummary(second)).toContain('in the CRM but deleted in Mega or out of scope: 3 (reported 2, closed 1)');
      expect(formatSummary(third)).toMatch(/reconciled 2352 delivered keys with Mega in \d+ ms: 0 deleted or out of scope/);
      // The count of runs is the store's: a new engine (another process, a cron'd CLI) goes on from it.
      const other = new SyncEngine({ source, sink, store, reconcileEvery: 2 });
      expect((await other.run()).reconciliation).toBeUndefined();
      expect((await other.run()).reconciliation).toMatchObject({ keys: 2_352 });
      const restarted = new SyncEngine({ source, sink, store, reconcileEvery: 2 });
      expect((await restarted.run()).reconciliation).toBeUndefined();
    });

    it('refuses an unknown removal action', async () => {
      await expect(setup({ removals: { occurrence: 'close' as never } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });
}
