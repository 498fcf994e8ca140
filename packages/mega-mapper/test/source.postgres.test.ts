import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { feedReadable, PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import { createDemoMegaPostgres } from '../src/demo/generate.js';
import { type SchemaMapping, tableNames } from '../src/schema/tables.js';
import { translatePlaceholders } from '../src/sql/driver.js';
import { postgresDriver } from '../src/sql/postgres.js';
import { describeMegaSource, type SuiteEnv } from './source-suite.js';

// The standard multi-schema layout, with names unique to this run.
const run = `t${process.pid}${Date.now() % 100000}`;
const schemas: SchemaMapping = { MGGLO: `mgglo_${run}`, MGCAR: `mgcar_${run}`, MGDBM: `mgdbm_${run}`, MGCMR: `mgcmr_${run}`, MGCUSTOM: `mgcustom_${run}` };
let env: SuiteEnv;
let pool: pg.Pool;

describe.skipIf(!pgAvailable)('PostgreSQL', () => {
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
    const sql = await postgresDriver({ connectionString: PG_URL, max: 4 });
    const stats = await createDemoMegaPostgres(pool, schemas, { clients: 600, seed: 11, prospects: 12 });
    env = {
      sql,
      schemas,
      stats,
      async transaction(work) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await work(async (text, params = []) => void (await client.query(translatePlaceholders(text, 'postgres'), params)));
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        // Another session's open transaction on this shared server holds the feed back: wait for it.
        await feedReadable(pool, tableNames(schemas)('MEGACRM_FEED'));
      },
      async openTransaction() {
        const client = await pool.connect();
        await client.query('BEGIN');
        return {
          exec: async (text: string) => void (await client.query(text)),
          async commit() {
            await client.query('COMMIT');
            client.release();
          },
        };
      },
    };
  }, 120_000);
  afterAll(async () => {
    if (!pool) return;
    for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    await env?.sql.close?.();
  });

  describeMegaSource('PostgreSQL', () => env);
});
