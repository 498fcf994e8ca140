/**
 * Several instances on PostgreSQL: 20,000 queued records delivered by 3 worker processes (claims
 * with FOR UPDATE SKIP LOCKED and leases), each record sent exactly once, and faster than 1 worker
 * when the CRM answers in 20 ms.
 */
import type { Client } from '@mega-crm/core';
import { completeCpf, contentHash } from '@mega-crm/core/internal';
import { PostgresStore } from '@mega-crm/core/postgres';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../tooling/test/pg.js';
import { startScript } from './harness.js';

const RECORDS = 20_000;
let sandbox: CrmSandbox;

function client(i: number): Client {
  return {
    key: `9-9-${i}`,
    personType: 'F',
    name: `Cliente Fila ${i}`,
    document: completeCpf(String(300_000_000 + i)),
    emails: [],
    phones: [],
    address: { city: 'Goiânia', state: 'GO' },
  };
}

async function queue(schema: string, records: number): Promise<PostgresStore> {
  const store = await PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema });
  await store.drop();
  await store.close();
  const fresh = await PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema });
  for (let i = 0; i < records; i += 2_000) {
    const batch = Array.from({ length: Math.min(2_000, records - i) }, (_, k) => {
      const payload = client(i + k);
      return { entity: 'client' as const, key: payload.key, hash: contentHash(payload), payload };
    });
    await fresh.capture({ sourceId: 'queue', records: batch, invalid: [] });
  }
  return fresh;
}

async function drain(schema: string, workers: number, records: number): Promise<{ perSecond: number; sent: number }> {
  sandbox.reset();
  const store = await queue(schema, records);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: workers }, () => startScript('deliver-worker.ts', ['--schema', schema, '--wsdl', sandbox.wsdlUrl]).done),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) expect(r.code).toBe(0);
  const sent = results.map((r) => (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { sent: number }).sent).reduce((a, b) => a + b, 0);
  expect((await store.counts()).pending).toBe(0);
  await store.drop();
  await store.close();
  return { perSecond: sent / seconds, sent };
}

describe.skipIf(!pgAvailable)('several instances on PostgreSQL', () => {
  beforeAll(async () => {
    sandbox = await new CrmSandbox({ faults: { latencyMs: 20 } }).start();
  });
  afterAll(async () => sandbox?.stop());

  it(`3 workers deliver ${RECORDS.toLocaleString('en')} queued records, each sent once, faster than 1 worker`, async () => {
    // The single-worker baseline on a quarter of the queue (its rate is what is compared).
    const one = await drain(`workers1_${process.pid}`, 1, RECORDS / 4);
    expect(one.sent).toBe(RECORDS / 4);
    const three = await drain(`workers3_${process.pid}`, 3, RECORDS);
    expect(three.sent).toBe(RECORDS);
    const state = sandbox.state();
    expect(state.clients).toHaveLength(RECORDS);
    expect(state.clients.every((c) => c.writes === 1)).toBe(true); // no record went to two workers
    expect(state.requests).toBe(RECORDS);
    const speedUp = three.perSecond / one.perSecond;
    console.log(
      `multi-worker: 1 worker ${one.perSecond.toFixed(0)} records/s, 3 workers ${three.perSecond.toFixed(0)} records/s, speed-up ×${speedUp.toFixed(2)} (CRM latency 20 ms)`,
    );
    expect(speedUp).toBeGreaterThan(1.5);
  }, 300_000);
});
