// A PostgreSQL-only host, as a user writes it: ESM, module nodenext, strict, skipLibCheck false, the
// packages installed from their tarballs with npm, no better-sqlite3. One sync: a small demo Mega in
// PostgreSQL → the CRM sandbox, state in the PostgreSQL store. Run by tooling/consumer-test.ts.
import { formatSummary, MegaCrmError, SyncEngine } from '@mega-crm/core';
import { PostgresStore } from '@mega-crm/core/postgres';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource, singleSchema } from '@mega-crm/mega-mapper';
import { createDemoMegaPostgres } from '@mega-crm/mega-mapper/demo';
import { postgresDriver } from '@mega-crm/mega-mapper/postgres';

const url = process.env.MEGA_CRM_PG_URL;
const schema = process.env.CONSUMER_SCHEMA;
if (!url || !schema) throw new Error('MEGA_CRM_PG_URL and CONSUMER_SCHEMA are required');

const credentials = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11.222.333/0001-81' };
const sql = await postgresDriver({ connectionString: url, max: 2 });
const demo = await createDemoMegaPostgres(sql.pool, singleSchema(schema), { clients: 20, seed: 7 });
const sandbox = await new CrmSandbox({ user: credentials.user, password: credentials.password }).start();
const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...credentials });
const store = await PostgresStore.open({ pool: { connectionString: url, max: 2 }, schema: `${schema}_store` });
try {
  const engine = new SyncEngine({ source: new MegaSource({ sql, schemas: singleSchema(schema) }), sink: crmSink(crm), store });
  const summary = await engine.run({ trigger: 'manual' });
  console.log(formatSummary(summary));
  const inCrm = sandbox.state().clients.length;
  if (summary.outcome !== 'completed' || summary.totals.failed > 0 || summary.totals.sent === 0 || inCrm === 0) {
    throw new Error(`the sync did not complete cleanly: ${JSON.stringify(summary.totals)}, ${inCrm} clients in the CRM`);
  }
  // The run log's summary is typed (not unknown).
  const [logged] = await store.listRuns(1);
  const loggedSent: number | undefined = logged?.summary.totals.sent;
  if (loggedSent !== summary.totals.sent) throw new Error(`the run log says ${loggedSent} sent, the run ${summary.totals.sent}`);
  console.log(`ESM host: ${demo.clients} demo clients in Mega, ${summary.totals.sent} records sent, ${inCrm} clients in the CRM`);
} catch (error) {
  if (MegaCrmError.is(error)) console.error(`${error.code}: ${error.message}`);
  throw error;
} finally {
  crm.close();
  await store.close();
  await sql.close?.();
  await sandbox.stop();
}
