/**
 * A sync process for the process-level tests: opens the store (SQLite file or PostgreSQL schema),
 * runs one sync of the demo Mega into the CRM at --wsdl, prints the summary as JSON and exits
 * 0 (completed), 3 (another process holds the run lock) or 1 (anything else).
 * `--fault-load kill` SIGKILLs the process inside the first read of a record on demand (a held
 * record's dependency); `--fault-load fail-once` makes that read fail once, as a dropped connection.
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
    'fault-load': { type: 'string' },
  },
});

let store: SyncStore;
if (values.store?.startsWith('pg:')) store = await PostgresStore.open({ pool: { connectionString: values.pg, max: 4 }, schema: values.store.slice(3) });
else store = await SqliteStore.open({ path: String(values.store) });
const mega = new Database(String(values.mega), { readonly: true });
const crm = await CrmClient.connect({ wsdlUrl: String(values.wsdl), ...DEMO_CREDENTIALS, timeoutMs: 5_000 });
const lease = Number(values.lease);
const source = new MegaSource({ sql: sqliteDriver(mega) });
const fault = values['fault-load'];
if (fault) {
  const load = source.load.bind(source);
  let failed = false;
  source.load = async (entity, keys) => {
    if (fault === 'kill') process.kill(process.pid, 'SIGKILL');
    if (fault === 'fail-once' && !failed) {
      failed = true;
      throw new Error('ORA-03113: end-of-file on communication channel');
    }
    return load(entity, keys);
  };
}
const engine = new SyncEngine({
  source,
  sink: crmSink(crm),
  store,
  batchSize: 50,
  concurrency: 4,
  lockTtlMs: lease,
  claimLeaseMs: lease,
  retry: { retries: 5, minTimeoutMs: 5, maxTimeoutMs: 50 },
});
// run() always resolves: a stopped run carries its typed error.
const summary = await engine.run({ trigger: 'process' });
if (summary.error) console.log(JSON.stringify({ error: summary.error.code, message: summary.error.summary }));
else console.log(JSON.stringify({ outcome: summary.outcome, totals: summary.totals, queue: summary.queue, failures: summary.failures }));
crm.close();
mega.close();
await store.close();
process.exit(summary.error?.code === 'ALREADY_RUNNING' ? 3 : summary.outcome === 'completed' ? 0 : 1);
