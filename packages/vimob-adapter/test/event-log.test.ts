/** One contract suite for the EventLog port, on memory, SQLite and PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import { type EventLog, MemoryEventLog, PostgresEventLog, SqliteEventLog } from '../src/event-log.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function contract(name: string, open: () => Promise<EventLog>) {
  describe(`EventLog contract: ${name}`, () => {
    it('records an event id once', async () => {
      const log = await open();
      expect(await log.has('e1')).toBe(false);
      expect(await log.record({ eventId: 'e1', proposalId: 'P', sequence: 1, outcome: 'applied' })).toBe(true);
      expect(await log.record({ eventId: 'e1', proposalId: 'P', sequence: 9, outcome: 'applied' })).toBe(false);
      expect(await log.has('e1')).toBe(true);
      expect(await log.position('P')).toEqual({ lastSequence: 1, flowClosed: false });
    });

    it('moves a proposal forward only; flowClosed never reverts', async () => {
      const log = await open();
      expect(await log.position('P')).toEqual({ lastSequence: 0, flowClosed: false });
      await log.record({ eventId: 'a', proposalId: 'P', sequence: 3, flowClosed: true, outcome: 'applied' });
      await log.record({ eventId: 'b', proposalId: 'P', sequence: 2, flowClosed: false, outcome: 'applied' });
      expect(await log.position('P')).toEqual({ lastSequence: 3, flowClosed: true });
      await log.record({ eventId: 'c', outcome: 'prospect-saved' });
      expect(await log.has('c')).toBe(true);
      expect(await log.position('Q')).toEqual({ lastSequence: 0, flowClosed: false });
    });
  });
}

contract('memory', async () => new MemoryEventLog());

contract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vimob-log-'));
  const db = new Database(join(dir, 'events.db'));
  cleanup.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return new SqliteEventLog(db);
});

let n = 0;
describe.skipIf(!pgAvailable)('PostgreSQL', () => {
  contract('PostgreSQL', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    const schema = `vimob_t${process.pid}_${++n}`;
    const log = await PostgresEventLog.open(pool, { schema });
    cleanup.push(async () => {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    });
    return log;
  });

  it('survives a restart: a second log on the same tables remembers', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    const schema = `vimob_t${process.pid}_${++n}`;
    cleanup.push(async () => {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    });
    await (await PostgresEventLog.open(pool, { schema })).record({ eventId: 'x', proposalId: 'P', sequence: 2, outcome: 'applied' });
    const again = await PostgresEventLog.open(pool, { schema });
    expect(await again.has('x')).toBe(true);
    expect((await again.position('P')).lastSequence).toBe(2);
  });
});

it('refuses an unsafe schema or table prefix', async () => {
  await expect(PostgresEventLog.open({ query: async () => ({ rows: [], rowCount: 0 }) }, { schema: 'x"; DROP' })).rejects.toMatchObject({
    code: 'CONFIG_INVALID',
  });
  expect(() => new SqliteEventLog(new Database(':memory:'), { tablePrefix: 'a b' })).toThrow(/table prefix/);
});
