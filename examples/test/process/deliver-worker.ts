/** A delivery worker for the multi-worker test: drains the PostgreSQL store's queue into the CRM at --wsdl. */
import { parseArgs } from 'node:util';
import { SyncEngine } from '@mega-crm/core';
import { PostgresStore } from '@mega-crm/core/postgres';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { DEMO_CREDENTIALS } from '../../src/wiring.js';

const { values } = parseArgs({
  options: {
    schema: { type: 'string' },
    wsdl: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    concurrency: { type: 'string', default: '8' },
  },
});
const store = await PostgresStore.open({ pool: { connectionString: values.pg, max: 4 }, schema: String(values.schema) });
const crm = await CrmClient.connect({ wsdlUrl: String(values.wsdl), ...DEMO_CREDENTIALS, maxSockets: 32 });
const engine = new SyncEngine({
  source: { id: 'none', read: async () => ({ items: [], cursor: '', hasMore: false }) },
  sink: crmSink(crm),
  store,
  batchSize: 200,
  concurrency: Number(values.concurrency),
});
const summary = await engine.deliver({ trigger: 'worker' });
console.log(JSON.stringify({ sent: summary.totals.sent, failed: summary.totals.failed, retrying: summary.totals.retrying }));
crm.close();
await store.close();
