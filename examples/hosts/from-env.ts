/**
 * One sync against a real CRM, configured from environment variables (documented here, not run in
 * CI: the live CRM is not public). The other host examples build their engine the same way.
 *
 *   CRM_WSDL_URL=http://crm.example.com.br/cliente/webservices/index.php?wsdl
 *   CRM_USER=integra.mega CRM_PASSWORD=… CRM_OPENED_BY=integra.mega CRM_OPENED_FOR=integra.mega CRM_CNPJ=11.222.333/0001-81
 *   MEGA_PG_URL=postgres://… [MEGA_SCHEMA=one tenant schema]  or  MEGA_SQLITE_PATH=mega.db   (Oracle: see the root README)
 *   STORE_PG_URL=postgres://… or  STORE_SQLITE_PATH=mega-crm.db (default)
 *   tsx examples/hosts/from-env.ts
 */
import { formatSummary, SyncEngine, type SyncEngineOptions, type SyncStore } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { MegaSource, type SchemaMapping, type SqlDriver, singleSchema } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';

export interface HostEngine {
  readonly engine: SyncEngine;
  readonly store: SyncStore;
  close(): Promise<void>;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Set ${name} in the environment.`);
  return value;
}

export async function engineFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: Partial<Pick<SyncEngineOptions, 'owner' | 'concurrency'>> = {},
): Promise<HostEngine> {
  const closers: Array<() => unknown> = [];
  let sql: SqlDriver;
  let schemas: SchemaMapping | undefined;
  if (env.MEGA_PG_URL) {
    if (env.MEGA_SCHEMA) schemas = singleSchema(env.MEGA_SCHEMA);
    const { postgresDriver } = await import('@mega-crm/mega-mapper/postgres');
    const driver = await postgresDriver({ connectionString: env.MEGA_PG_URL, max: 4 });
    closers.push(() => driver.pool.end());
    sql = driver;
  } else {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(required(env, 'MEGA_SQLITE_PATH'), { fileMustExist: true });
    closers.push(() => db.close());
    sql = sqliteDriver(db);
  }
  let store: SyncStore;
  if (env.STORE_PG_URL) {
    const { PostgresStore } = await import('@mega-crm/core/postgres');
    store = await PostgresStore.open({ pool: { connectionString: env.STORE_PG_URL, max: 4 }, ...(env.STORE_PG_SCHEMA ? { schema: env.STORE_PG_SCHEMA } : {}) });
  } else store = await SqliteStore.open({ path: env.STORE_SQLITE_PATH ?? 'mega-crm.db' });
  closers.push(() => store.close());
  const crm = await CrmClient.connect({
    wsdlUrl: required(env, 'CRM_WSDL_URL'),
    user: required(env, 'CRM_USER'),
    password: required(env, 'CRM_PASSWORD'),
    openedBy: required(env, 'CRM_OPENED_BY'),
    openedFor: required(env, 'CRM_OPENED_FOR'),
    cnpj: required(env, 'CRM_CNPJ'),
  });
  closers.push(() => crm.close());
  const engine = new SyncEngine({ source: new MegaSource({ sql, ...(schemas ? { schemas } : {}) }), sink: crmSink(crm), store, ...options });
  return {
    engine,
    store,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const host = await engineFromEnv();
  try {
    const summary = await host.engine.run({ trigger: 'from-env' });
    console.log(formatSummary(summary));
    process.exitCode = summary.outcome === 'completed' ? 0 : 1;
  } finally {
    await host.close();
  }
}
