/**
 * A demo Mega on SQLite or PostgreSQL, synced by the engine (SQLite store) into a fresh CRM sandbox:
 * the defect-class suites run the same test on both databases and look at the CRM's final state.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncEngine, type SyncEngineOptions, type SyncStore } from '@mega-crm/core';
import { PostgresStore } from '@mega-crm/core/postgres';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource, type MegaSourceOptions, NO_SCHEMAS, type SchemaMapping, type SqlDriver, tableNames } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase, createDemoMegaPostgres, type DemoOptions, type DemoStats } from '@mega-crm/mega-mapper/demo';
import { postgresDriver } from '@mega-crm/mega-mapper/postgres';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { translatePlaceholders } from '../../packages/mega-mapper/src/sql/driver.js';
import { feedReadable, PG_URL, pgAvailable } from '../../tooling/test/pg.js';
import { DEMO_CREDENTIALS } from '../src/wiring.js';

export interface MegaDb {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly sql: SqlDriver;
  readonly schemas: SchemaMapping;
  readonly stats: DemoStats;
  /** A Mega table's qualified name. */
  readonly t: ReturnType<typeof tableNames>;
  /** Runs one statement with `?` parameters, committed at once. */
  exec(text: string, params?: readonly unknown[]): Promise<void>;
  /** "Now" in the database's clock, `seconds` away, as an SQL expression (Mega stamps local time). */
  now(seconds: number): string;
  close(): Promise<void>;
}

export const MEGAS: ReadonlyArray<{ readonly name: MegaDb['name']; readonly available: boolean; open(options: DemoOptions): Promise<MegaDb> }> = [
  { name: 'SQLite', available: true, open: sqliteMega },
  { name: 'PostgreSQL', available: pgAvailable, open: postgresMega },
];

async function sqliteMega(options: DemoOptions): Promise<MegaDb> {
  const path = join(mkdtempSync(join(tmpdir(), 'mega-real-')), 'mega.db');
  const stats = await createDemoMegaDatabase(path, options);
  const db = new Database(path);
  return {
    name: 'SQLite',
    sql: sqliteDriver(db),
    schemas: NO_SCHEMAS,
    stats,
    t: tableNames(NO_SCHEMAS),
    async exec(text, params = []) {
      db.prepare(text).run(...params);
    },
    now: (seconds) => `strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime', '${seconds} seconds')`,
    async close() {
      db.close();
    },
  };
}

async function postgresMega(options: DemoOptions): Promise<MegaDb> {
  const run = `r${process.pid}${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
  const schemas: SchemaMapping = { MGGLO: `mgglo_${run}`, MGCAR: `mgcar_${run}`, MGDBM: `mgdbm_${run}`, MGCMR: `mgcmr_${run}`, MGCUSTOM: `mgcustom_${run}` };
  const pool = new pg.Pool({ connectionString: PG_URL, max: 3 });
  const stats = await createDemoMegaPostgres(pool, schemas, options);
  const sql = await postgresDriver({ connectionString: PG_URL, max: 3 });
  return {
    name: 'PostgreSQL',
    sql,
    schemas,
    stats,
    t: tableNames(schemas),
    async exec(text, params = []) {
      await pool.query(translatePlaceholders(text, 'postgres'), [...params]);
      await feedReadable(pool, tableNames(schemas)('MEGACRM_FEED'));
    },
    now: (seconds) => `LOCALTIMESTAMP + INTERVAL '${seconds} seconds'`,
    async close() {
      for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
      await sql.close?.();
    },
  };
}

export interface SyncEnv {
  readonly sandbox: CrmSandbox;
  readonly engine: SyncEngine;
  readonly source: MegaSource;
  readonly store: SyncStore;
  close(): Promise<void>;
}

let storeSchemas = 0;

/** A fresh store (SQLite by default, or a PostgreSQL schema of its own) and CRM sandbox over the given Mega. */
export async function syncEnv(
  mega: MegaDb,
  source: Omit<MegaSourceOptions, 'sql' | 'schemas'> = {},
  options: { readonly store?: 'sqlite' | 'postgres'; readonly engine?: Pick<SyncEngineOptions, 'removals' | 'reconcileEvery'> } = {},
): Promise<SyncEnv> {
  const sandbox = await new CrmSandbox({ clientPath: 'real', user: DEMO_CREDENTIALS.user, password: DEMO_CREDENTIALS.password }).start();
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...DEMO_CREDENTIALS });
  const store =
    options.store === 'postgres'
      ? await PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema: `real_store_${process.pid}_${++storeSchemas}` })
      : await SqliteStore.open({ path: join(mkdtempSync(join(tmpdir(), 'mega-real-store-')), 'store.db') });
  const megaSource = new MegaSource({ ...source, sql: mega.sql, schemas: mega.schemas });
  const engine = new SyncEngine({ source: megaSource, sink: crmSink(crm), store, ...options.engine });
  return {
    sandbox,
    engine,
    source: megaSource,
    store,
    async close() {
      crm.close();
      if (store instanceof PostgresStore) await store.drop();
      await store.close();
      await sandbox.stop();
    },
  };
}

/** Agent code of a client key `tab-pad-code`. */
export const codeOf = (key: string): number => Number(key.split('-')[2]);
