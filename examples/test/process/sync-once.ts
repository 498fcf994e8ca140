/**
 * A sync process for the process-level tests: opens the store (SQLite file or PostgreSQL schema),
 * runs one sync of the demo Mega into the CRM at --wsdl, prints the summary as JSON and exits
 * 0 (completed), 3 (another process holds the run lock) or 1 (anything else).
 */
import { parseArgs } from 'node:util';
import { SyncEngine, type SyncStore } from '@mega-crm/core';
import { PostgresStore } from '@mega-crm/core/postgres';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { MegaSource } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { DEMO_CREDENTIALS } from '../../src/wiring.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    mega: { type: 'string' },
    wsdl: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    lease: { type: 'string', default: '1500' },
  },
});

let store: SyncStore;
if (values.store?.startsWith('pg:')) store = await PostgresStore.open({ pool: { connectionString: values.pg, max: 4 }, schema: values.store.slice(3) });
else store = new SqliteStore({ path: String(values.store) });
const mega = new Database(String(values.mega), { readonly: true });
const crm = await CrmClient.connect({ wsdlUrl: String(values.wsdl), ...DEMO_CREDENTIALS, timeoutMs: 5_000 });
const lease = Number(values.lease);
const engine = new SyncEngine({
  source: new MegaSource({ sql: sqliteDriver(mega) }),
  sink: crmSink(crm),
  store,
  batchSize: 50,
  concurrency: 4,
  lockTtlMs: lease,
  claimLeaseMs: lease,
  retry: { retries: 5, minTimeoutMs: 5, maxTimeoutMs: 50 },
});
let code = 0;
try {
  const summary = await engine.run({ trigger: 'process' });
  console.log(JSON.stringify({ outcome: summary.outcome, totals: summary.totals, queue: summary.queue }));
  code = summary.outcome === 'completed' ? 0 : 1;
} catch (error) {
  const e = error as { code?: string; message?: string };
  console.log(JSON.stringify({ error: e.code, message: e.message?.split('\n')[0] }));
  code = e.code === 'ALREADY_RUNNING' ? 3 : 1;
} finally {
  crm.close();
  mega.close();
  await store.close();
}
process.exit(code);
