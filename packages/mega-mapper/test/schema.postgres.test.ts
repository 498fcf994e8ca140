import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import { createDemoMegaPostgres } from '../src/demo/generate.js';
import type { SchemaMapping } from '../src/schema/tables.js';
import { postgresDriver } from '../src/sql/postgres.js';
import { describeSchemaOverrides } from './schema-suite.js';

// Each test its own Mega: the standard multi-schema layout, with names unique to this run.
const run = `s${process.pid}${Date.now() % 100000}`;
const created: SchemaMapping[] = [];
const pools: pg.Pool[] = [];
const drivers: Array<{ close?: () => Promise<void> }> = [];

describe.skipIf(!pgAvailable)('PostgreSQL', () => {
  afterAll(async () => {
    const pool = pools[0];
    if (pool) for (const schemas of created) for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    for (const d of drivers) await d.close?.();
    for (const p of pools) await p.end();
  });

  describeSchemaOverrides('PostgreSQL', async () => {
    const n = created.length;
    const schemas: SchemaMapping = {
      MGGLO: `mgglo_${run}_${n}`,
      MGCAR: `mgcar_${run}_${n}`,
      MGDBM: `mgdbm_${run}_${n}`,
      MGCUSTOM: `mgcustom_${run}_${n}`,
      MGCMR: `mgcmr_${run}_${n}`,
    };
    created.push(schemas);
    const pool = pools[0] ?? new pg.Pool({ connectionString: PG_URL, max: 2 });
    if (pools.length === 0) pools.push(pool);
    await createDemoMegaPostgres(pool, schemas, { clients: 80, seed: 5 });
    const sql = await postgresDriver({ connectionString: PG_URL, max: 2 });
    drivers.push(sql);
    return { sql, schemas, exec: async (text) => void (await pool.query(text)) };
  });
});
