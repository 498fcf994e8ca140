/**
 * Fault test: the whole pipeline against a CRM with 20 % transient faults (resets, HTTP 500, server
 * faults, half of them after the write was applied) and random latency; and a CRM that refuses this
 * machine's IP, which must stop the run after one call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncEngine } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../src/wiring.js';

const dir = mkdtempSync(join(tmpdir(), 'mega-crm-faults-'));
const megaPath = join(dir, 'mega.db');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
beforeAll(async () => {
  await createDemoMegaDatabase(megaPath, { clients: 400, seed: 21 });
});

async function pipeline(sandboxOptions: ConstructorParameters<typeof CrmSandbox>[0], storeName: string) {
  const sandbox = await new CrmSandbox(sandboxOptions).start();
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...DEMO_CREDENTIALS, timeoutMs: 3_000 });
  const mega = new Database(megaPath, { readonly: true });
  const store = new SqliteStore({ path: join(dir, storeName) });
  cleanup.push(
    () => sandbox.stop(),
    () => crm.close(),
    () => void mega.close(),
    () => store.close(),
  );
  const engine = new SyncEngine({
    source: new MegaSource({ sql: sqliteDriver(mega) }),
    sink: crmSink(crm),
    store,
    retry: { retries: 8, minTimeoutMs: 2, maxTimeoutMs: 20 },
  });
  return { sandbox, engine, store };
}

describe('faults', () => {
  it('20 % transient faults and random latency: the run completes, nothing lost, nothing duplicated', async () => {
    const { sandbox, engine } = await pipeline({ faults: { errorRate: 0.2, latencyMs: [0, 8] }, seed: 4 }, 'faults.db');
    const summary = await engine.run({ trigger: 'fault test' });
    expect(summary.outcome).toBe('completed');
    expect(summary.totals).toMatchObject({ failed: 0, retrying: 0, held: 0 });
    expect(summary.queue).toEqual({ pending: 0, held: 0, parked: 0 });
    const state = sandbox.state();
    expect(state.injectedFaults).toBeGreaterThan(100);
    for (const [entity, records] of Object.entries({
      spouse: state.spouses,
      client: state.clients,
      contract: state.contracts,
      occurrence: state.occurrences,
    })) {
      const ids = records.map((r) => r.integrationId);
      expect(new Set(ids).size, entity).toBe(ids.length);
      expect(ids.length, entity).toBe(summary.byEntity[entity as 'client'].sent);
    }
    // Writes applied before a dropped answer were repeated as updates, never as second records.
    expect(state.clients.some((c) => c.writes > 1)).toBe(true);
  }, 120_000);

  it('"IP not allowed" stops the run after one call and says how to fix it', async () => {
    const { sandbox, engine, store } = await pipeline({ allowedIps: ['10.20.30.40'], clientPath: 'construtora' }, 'ip.db');
    const summary = await engine.run({ trigger: 'ip test' });
    expect(summary.outcome).toBe('stopped');
    expect(summary.stoppedBy).toMatchObject({ code: 'IP_NOT_ALLOWED' });
    expect(summary.stoppedBy?.fix.en).toMatch(/Allow IP 127\.0\.0\.1/);
    expect(sandbox.state().requests).toBe(1);
    const counts = await store.counts();
    expect(counts.pending).toBeGreaterThan(500); // everything still queued for the next run
    expect(counts.inflight).toBe(0);
  }, 60_000);
});
