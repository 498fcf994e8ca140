/**
 * PostgreSQL, issue #10 defect 4, forced deterministically: worker 1's completion of a client takes
 * its snapshot, then waits on a row lock; meanwhile worker 2 commits the hold of a contract on that
 * client; the completion then commits without seeing the hold. The hold is not stranded: the next
 * worker to claim (here, worker 2 itself) finds it (dependency delivered) and sends it.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import { SyncEngine } from '../src/index.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { ListSource, RecordingSink } from './fakes.js';

describe.skipIf(!pgAvailable)('PostgreSQL hold/completion race', () => {
  it("a hold committed while its dependency's completion runs is woken by the next claim, not stranded", async () => {
    const schema = `race_${process.pid}`;
    const store = await PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema });
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    try {
      await store.capture({
        sourceId: 's',
        records: [
          { entity: 'client', key: 'x', hash: 'hx', payload: { key: 'x' } },
          { entity: 'contract', key: 'c1', hash: 'hc', payload: { buyer: 'x' } },
        ],
        invalid: [],
      });
      const now = Date.now();
      const [client] = await store.claim({ limit: 1, runId: 'w1', leaseMs: 60_000, owner: 'h:1:w1', now });
      const [contract] = await store.claim({ limit: 1, runId: 'w2', leaseMs: 60_000, owner: 'h:2:w2', now });
      expect([client?.key, contract?.key]).toEqual(['x', 'c1']);

      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM ${schema}.outbox WHERE seq = $1 FOR UPDATE`, [client?.seq]);
      const completing = store.completeMany([[client as never, { crmId: 'crm-x' }]]);
      let waiting = false;
      for (let i = 0; i < 2000 && !waiting; i++) {
        // pg_stat_activity is read once per transaction (a cached snapshot) and the blocker is inside one:
        // without clearing it, a first look taken before the completion reached the lock is seen forever.
        await blocker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await blocker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", [
          `%${schema}.outbox o USING t%`,
        ]);
        waiting = rows[0].n === 1;
        if (!waiting) await new Promise((r) => setTimeout(r, 5));
      }
      expect(waiting).toBe(true);
      // The completion's statement is running (snapshot taken) and waits: now the hold commits.
      expect(await store.hold(contract as never, { entity: 'client', key: 'x' }, { code: 'DEPENDENCY_MISSING', message: 'x missing' }, Date.now())).toBe(true);
      await blocker.query('COMMIT');
      expect(await completing).toEqual([]);
      expect(await store.queueState({ entity: 'contract', key: 'c1' })).toBe('held'); // the completion did not see it
      expect(await store.strandedHolds(10)).toEqual([expect.objectContaining({ key: 'c1', dependency: 'delivered' })]);
      await store.releaseClaims('w1');
      await store.releaseClaims('w2');

      const sink = new RecordingSink();
      const worker = new SyncEngine({ source: new ListSource(), sink, store });
      const summary = await worker.deliver();
      expect(summary.outcome).toBe('completed');
      expect(sink.delivered.map((r) => r.key)).toEqual(['c1']);
      expect(summary.queue).toEqual({ pending: 0, held: 0, parked: 0 });
    } finally {
      await blocker.end(); // its open transaction, if an assertion failed inside it, ends and frees the row
      // Claims left by a failed assertion would make close() throw StoreBusy and hide the failure.
      await store.releaseClaims('w1');
      await store.releaseClaims('w2');
      await store.drop();
      await store.close();
    }
  });
});
