/**
 * `pnpm --filter @mega-crm/examples generate --clients 100000 [--out mega.db | --postgres URL [--schema S]]`
 * Generates the demo Mega (SQLite file, or PostgreSQL under the standard schemas or one tenant
 * schema) and prints what it made and how long it took.
 */
import { parseArgs } from 'node:util';
import { STANDARD_SCHEMAS, singleSchema } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase, createDemoMegaPostgres } from '@mega-crm/mega-mapper/demo';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'mega-demo.db' },
    postgres: { type: 'string' },
    schema: { type: 'string' },
  },
});
const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 1) throw new TypeError(`--clients must be a positive integer, got "${values.clients}"`);
const started = performance.now();
let stats: Awaited<ReturnType<typeof createDemoMegaDatabase>>;
if (values.postgres) {
  const pool = new pg.Pool({ connectionString: values.postgres, max: 2 });
  stats = await createDemoMegaPostgres(pool, values.schema ? singleSchema(values.schema) : STANDARD_SCHEMAS, { clients, seed: Number(values.seed) });
  await pool.end();
} else {
  stats = await createDemoMegaDatabase(values.out, { clients, seed: Number(values.seed) });
}
const seconds = (performance.now() - started) / 1000;
const rows = Object.entries(stats)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ');
console.log(`demo Mega (${values.postgres ? 'PostgreSQL' : values.out}) generated in ${seconds.toFixed(1)} s: ${rows}`);
