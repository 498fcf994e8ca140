/**
 * Crash test: a real sync process killed with SIGKILL at random points, 30 times, on SQLite and on
 * PostgreSQL; then a run to completion. The CRM must hold exactly the expected records, each once.
 * Then 8 more killed runs, each after deleting in Mega an occurrence the CRM holds: each ends closed there.
 * Also: two processes started together on one store — one runs, the other reports "already running".
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityName } from '@mega-crm/core';
import { seededRandom } from '@mega-crm/core/internal';
import { PostgresStore } from '@mega-crm/core/postgres';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../tooling/test/pg.js';
import { startScript } from './harness.js';

const TRIALS = 30;
const dir = mkdtempSync(join(tmpdir(), 'mega-crm-crash-'));
const megaPath = join(dir, 'mega.db');
let sandbox: CrmSandbox;
const expected: Record<EntityName, Set<string>> = {
  spouse: new Set(),
  client: new Set(),
  contract: new Set(),
  occurrence: new Set(),
  prospect: new Set(),
};

beforeAll(async () => {
  await createDemoMegaDatabase(megaPath, { clients: 150, seed: 9 });
  // What one clean sync sends: every in-scope record of every entity.
  const db = new Database(megaPath, { readonly: true });
  const source = new MegaSource({ sql: sqliteDriver(db) });
  let cursor: string | null = null;
  for (;;) {
    const batch = await source.read(cursor, { limit: 500 });
    for (const item of batch.items) if (item.kind === 'record') expected[item.record.entity].add(item.record.key);
    cursor = batch.cursor;
    if (!batch.hasMore) break;
  }
  db.close();
  sandbox = await new CrmSandbox({ faults: { latencyMs: [4, 12] }, seed: 3 }).start();
}, 60_000);
afterAll(async () => sandbox?.stop());

/** Occurrences deleted in Mega during the trials (their keys), and their rows, put back after each test. */
const removed: string[] = [];
let restoreRemoved: Array<(mega: Database.Database) => void> = [];

function deleteOccurrence(mega: Database.Database, key: string): void {
  const id = Number(key.split('-').at(-1));
  const saved = ['DBM_OCORRENCIACONTRATO', 'DBM_GERAOCORRENCIA'].map((table) => ({
    table,
    rows: mega.prepare(`SELECT * FROM ${table} WHERE OCO_IN_CODIGO = ?`).all(id) as Array<Record<string, unknown>>,
  }));
  mega.prepare('DELETE FROM DBM_OCORRENCIACONTRATO WHERE OCO_IN_CODIGO = ?').run(id);
  mega.prepare('DELETE FROM DBM_GERAOCORRENCIA WHERE OCO_IN_CODIGO = ?').run(id);
  removed.push(key);
  restoreRemoved.push((into) => {
    for (const { table, rows } of [...saved].reverse())
      for (const row of rows)
        into
          .prepare(
            `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
              .map(() => '?')
              .join(', ')})`,
          )
          .run(...Object.values(row));
  });
}

/** Every occurrence deleted in Mega after it reached the CRM ends closed there by the integration; nothing else is closed. */
function assertRemovalsApplied(): void {
  expect(removed).toHaveLength(8);
  for (const key of removed) {
    const held = sandbox.occurrence(key);
    expect([held?.status, held?.closeReason], key).toEqual(['FECHADA', 'ENCERRADA PELA INTEGRACAO: EXCLUIDA NO MEGA']);
  }
  const closed = sandbox.state().occurrences.filter((o) => o.closeReason !== undefined);
  expect(closed.map((o) => o.integrationId).sort()).toEqual([...removed].sort());
}

function restoreMega(): void {
  const mega = new Database(megaPath);
  for (const restore of restoreRemoved) mega.transaction(() => restore(mega))();
  mega.close();
  restoreRemoved = [];
  removed.length = 0;
}

function assertCrmHoldsExactlyTheExpected(): void {
  const state = sandbox.state();
  // The last change of every record reached the CRM.
  const db = new Database(megaPath, { readonly: true });
  for (const row of db.prepare("SELECT '1-1-' || AGN_IN_CODIGO AS k, AGN_ST_COMPLEMENTO AS c FROM GLO_AGENTES").all() as Array<{
    k: string;
    c: string | null;
  }>) {
    if (expected.client.has(row.k)) expect(sandbox.client(row.k)?.fields.complemento ?? '', row.k).toBe(row.c ?? '');
  }
  db.close();
  const held = {
    spouse: state.spouses.map((r) => r.integrationId),
    client: state.clients.map((r) => r.integrationId),
    contract: state.contracts.map((r) => r.integrationId),
    occurrence: state.occurrences.map((r) => r.integrationId),
  };
  for (const entity of ['spouse', 'client', 'contract', 'occurrence'] as const) {
    expect(new Set(held[entity]).size, `${entity}: no duplicate`).toBe(held[entity].length);
    expect([...held[entity]].sort(), `${entity}: nothing lost, nothing extra`).toEqual([...expected[entity]].sort());
  }
}

async function crashThenFinish(
  store: string,
  seed: number,
  options: { readonly trials?: number; readonly deleteOccurrences?: boolean } = {},
): Promise<{ killedMidRun: number; exits: Record<string, number> }> {
  const random = seededRandom(seed);
  const exits: Record<string, number> = {};
  let killedMidRun = 0;
  const args = ['--store', store, '--mega', megaPath, '--wsdl', sandbox.wsdlUrl];
  const mega = new Database(megaPath);
  for (let trial = 0; trial < (options.trials ?? TRIALS); trial++) {
    // New work for every trial, so kills land in capture and in delivery, not after a finished run.
    mega.prepare('UPDATE GLO_AGENTES SET AGN_ST_COMPLEMENTO = ? WHERE AGN_IN_CODIGO % 2 = ?').run(`${store.slice(0, 2)} trial ${trial}`, trial % 2);
    mega.prepare("UPDATE CAR_CONTRATO SET CTO_CH_STATUS = CASE CTO_CH_STATUS WHEN 'A' THEN 'U' ELSE 'A' END WHERE CTO_IN_CODIGO % 2 = ?").run(trial % 2);
    // Deletes in Mega an occurrence the CRM holds: its removal must survive the kills too.
    const delivered = [...expected.occurrence].sort()[trial];
    if (options.deleteOccurrences && delivered && sandbox.occurrence(delivered)) deleteOccurrence(mega, delivered);
    const { child, done } = startScript('sync-once.ts', args);
    const before = sandbox.state().requests;
    if (trial % 2 === 0) {
      // Anywhere: start-up, capture, delivery.
      await new Promise((r) => setTimeout(r, 200 + random() * 1_800));
    } else {
      // Mid-delivery: after a random number of CRM calls of this run (start-up takes seconds on a loaded machine).
      const target = before + 1 + Math.floor(random() * 60);
      const deadline = Date.now() + 20_000;
      while (sandbox.state().requests < target && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 3));
    }
    child.kill('SIGKILL');
    const result = await done;
    const key = result.signal ?? `exit ${result.code}`;
    exits[key] = (exits[key] ?? 0) + 1;
    if (result.signal === 'SIGKILL' && sandbox.state().requests > before) killedMidRun++;
  }
  mega.close();
  for (let attempt = 0; attempt < 10; attempt++) {
    const result = await startScript('sync-once.ts', args).done;
    if (result.code === 3) {
      await new Promise((r) => setTimeout(r, 1_600)); // the dead run's lease expires
      continue;
    }
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { queue: { pending: number; held: number; parked: number } };
    if (summary.queue.pending + summary.queue.held === 0) {
      expect(summary.queue.parked).toBe(0);
      break;
    }
  }
  return { killedMidRun, exits };
}

describe('crash safety (real processes, SIGKILL)', () => {
  it(`SQLite store: ${TRIALS} kills at random points, then a clean run: 0 lost, 0 duplicated; then 8 more with an occurrence deleted before each: all closed`, async () => {
    sandbox.reset();
    const { killedMidRun, exits } = await crashThenFinish(join(dir, 'store.db'), 11);
    console.log(`SQLite crash test: ${JSON.stringify(exits)}, ${killedMidRun} kills landed during delivery`);
    expect(killedMidRun).toBeGreaterThanOrEqual(10);
    assertCrmHoldsExactlyTheExpected();
    try {
      await crashThenFinish(join(dir, 'store.db'), 13, { trials: 8, deleteOccurrences: true });
      assertCrmHoldsExactlyTheExpected();
      assertRemovalsApplied();
    } finally {
      restoreMega();
    }
  }, 240_000);

  it.skipIf(!pgAvailable)(
    `PostgreSQL store: ${TRIALS} kills at random points, then a clean run: 0 lost, 0 duplicated; then 8 more with an occurrence deleted before each: all closed`,
    async () => {
      sandbox.reset();
      const schema = `crash_${process.pid}`;
      try {
        const { killedMidRun, exits } = await crashThenFinish(`pg:${schema}`, 12);
        console.log(`PostgreSQL crash test: ${JSON.stringify(exits)}, ${killedMidRun} kills landed during delivery`);
        expect(killedMidRun).toBeGreaterThanOrEqual(10);
        assertCrmHoldsExactlyTheExpected();
        await crashThenFinish(`pg:${schema}`, 14, { trials: 8, deleteOccurrences: true });
        assertCrmHoldsExactlyTheExpected();
        assertRemovalsApplied();
      } finally {
        restoreMega();
        const store = await PostgresStore.open({ pool: { connectionString: PG_URL }, schema });
        await store.drop();
        await store.close();
      }
    },
    240_000,
  );

  it('two processes started together on one store: one runs, the other reports "already running"', async () => {
    sandbox.reset();
    sandbox.setFaults({ latencyMs: 15 });
    try {
      const args = ['--store', join(dir, 'two.db'), '--mega', megaPath, '--wsdl', sandbox.wsdlUrl, '--lease', '60000'];
      const results = await Promise.all([startScript('sync-once.ts', args).done, startScript('sync-once.ts', args).done]);
      expect(results.map((r) => r.code).sort()).toEqual([0, 3]);
      const refused = results.find((r) => r.code === 3);
      expect(JSON.parse(refused?.stdout.trim() ?? '{}')).toMatchObject({
        error: 'ALREADY_RUNNING',
        message: 'A sync run is already in progress for this store.',
      });
      assertCrmHoldsExactlyTheExpected();
    } finally {
      sandbox.setFaults({ latencyMs: [4, 12] });
    }
  }, 120_000);
});
