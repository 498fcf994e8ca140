/**
 * The host examples (examples/hosts), each run against the CRM sandbox — and the local Redis or
 * PostgreSQL where it needs one: they sync, never overlap runs, never send a record twice, and
 * stop cleanly with nothing in flight.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord, SyncStore } from '@mega-crm/core';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { singleSchema } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase, createDemoMegaPostgres } from '@mega-crm/mega-mapper/demo';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../tooling/test/pg.js';
import { QUEUE, scheduleSync, syncWorker } from '../hosts/bullmq.js';
import { startDaily } from '../hosts/daily-croner.js';
import { engineFromEnv, type HostEngine } from '../hosts/from-env.js';
import { startOnline } from '../hosts/online-loop.js';
import { drain } from '../hosts/pg-workers.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
let sandbox: CrmSandbox;
const hosts: HostEngine[] = [];

beforeAll(async () => {
  sandbox = await new CrmSandbox({ clientPath: 'demo' }).start();
});
afterAll(async () => sandbox?.stop());
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  sandbox.reset();
  sandbox.setFaults({});
});

function crmEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    CRM_WSDL_URL: sandbox.wsdlUrl,
    CRM_USER: 'integra.mega',
    CRM_PASSWORD: 'sandbox',
    CRM_OPENED_BY: 'integra.mega',
    CRM_OPENED_FOR: 'integra.mega',
    CRM_CNPJ: '11.222.333/0001-81',
    ...extra,
  };
}

async function sqliteHost(dir: string, owner?: string): Promise<HostEngine> {
  const host = await engineFromEnv(crmEnv({ MEGA_SQLITE_PATH: join(dir, 'mega.db'), STORE_SQLITE_PATH: join(dir, 'store.db') }), owner ? { owner } : {});
  hosts.push(host);
  return host;
}

async function demoDir(clients = 60): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mega-crm-hosts-'));
  await createDemoMegaDatabase(join(dir, 'mega.db'), { clients, seed: 11 });
  return dir;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectNoOverlap(runs: readonly RunRecord[]): void {
  const sorted = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (let i = 1; i < sorted.length; i++) expect((sorted[i]?.startedAt ?? '') >= (sorted[i - 1]?.endedAt ?? '')).toBe(true);
}

function expectEachOnce(): void {
  const state = sandbox.state();
  expect(state.clients.length).toBeGreaterThan(0);
  for (const list of [state.clients, state.spouses, state.contracts, state.occurrences]) expect(list.every((r) => r.writes === 1)).toBe(true);
}

async function inflight(store: SyncStore): Promise<number> {
  return (await store.counts()).inflight;
}

describe('online loop with graceful shutdown (online-loop.ts)', () => {
  it('syncs every interval, sends a Mega change, and stop() resolves with nothing in flight', async () => {
    const dir = await demoDir();
    const host = await sqliteHost(dir);
    const runs: string[] = [];
    const service = startOnline(host.engine, '200ms', (s) => runs.push(s.outcome));
    await until(() => runs.length >= 2);
    const mega = new Database(join(dir, 'mega.db'));
    const key = sandbox.state().clients[0]?.integrationId as string;
    const code = Number(key.split('-')[2]);
    mega.prepare("UPDATE GLO_AGENTES SET AGN_ST_NOME = 'Nome Alterado Online' WHERE AGN_IN_CODIGO = ?").run(code);
    mega.close();
    await until(() => sandbox.client(key)?.fields.nome === 'Nome Alterado Online');
    sandbox.setFaults({ latencyMs: 20 });
    await service.stop();
    expect(host.engine.running).toBe(false);
    expect(await inflight(host.store)).toBe(0);
    expect(runs.every((o) => o === 'completed')).toBe(true);
    expectNoOverlap(await host.store.listRuns(100));
  });
});

describe('daily schedule on croner (daily-croner.ts)', () => {
  it('runs at the cron times, skips ticks while a run is going, never overlaps', async () => {
    const dir = await demoDir();
    const host = await sqliteHost(dir);
    sandbox.setFaults({ latencyMs: 5 });
    const summaries: string[] = [];
    const job = startDaily(host.engine, '* * * * * *', (s) => summaries.push(s.outcome)); // every second, for the test
    await until(() => summaries.length >= 3, 20_000);
    job.stop();
    await until(() => !host.engine.running);
    expect(summaries.every((o) => o === 'completed')).toBe(true);
    expectNoOverlap(await host.store.listRuns(100));
    expectEachOnce();
  });
});

describe('BullMQ repeatable job on Redis (bullmq.ts)', () => {
  it('two workers on two engines sharing one store: jobs every 300 ms, runs never overlap, each record sent once', async () => {
    const dir = await demoDir(120);
    const [a, b] = [await sqliteHost(dir, 'worker-a'), await sqliteHost(dir, 'worker-b')];
    sandbox.setFaults({ latencyMs: 10 }); // a run outlasts the job interval
    const name = `${QUEUE}-test-${process.pid}-${Date.now()}`;
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
    const results: Array<{ outcome: string }> = [];
    const workers = [syncWorker(a.engine, name), syncWorker(b.engine, name)];
    for (const w of workers) w.on('completed', (_job, result) => results.push(result));
    try {
      await scheduleSync(queue, 300);
      await until(() => results.filter((r) => r.outcome === 'completed').length >= 3, 60_000);
    } finally {
      await queue.removeJobScheduler('sync');
      await Promise.all(workers.map((w) => w.close()));
      await queue.obliterate({ force: true });
      await queue.close();
    }
    expect(results.every((r) => r.outcome === 'completed' || r.outcome === 'already-running')).toBe(true);
    expectNoOverlap(await a.store.listRuns(1000));
    expectEachOnce();
    expect(await inflight(a.store)).toBe(0);
  });
});

describe.skipIf(!pgAvailable)('PostgreSQL: Mega with the feed from `mega-crm init`, one capturer and two delivery workers (pg-workers.ts)', () => {
  it('the init script installs the feed; capturer + 2 workers deliver every record once; a Mega change arrives through the feed', async () => {
    const schema = `mega_hosts_${process.pid}_${Date.now() % 100_000}`;
    const storeSchema = `${schema}_store`;
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    try {
      await createDemoMegaPostgres(pool, singleSchema(schema), { clients: 80, seed: 5 });
      // Start from a Mega without the feed, as a real one is, then install it from init's script.
      await pool.query(`DROP TABLE ${schema}.MEGACRM_FEED CASCADE`);
      const triggers = await pool.query<{ t: string; tbl: string }>(
        `SELECT tgname AS t, c.relname AS tbl FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND NOT tgisinternal`,
        [schema],
      );
      for (const { t, tbl } of triggers.rows) await pool.query(`DROP TRIGGER ${t} ON ${schema}.${tbl}`);
      const dir = mkdtempSync(join(tmpdir(), 'mega-crm-init-'));
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, [CLI, 'init', '--dialect', 'postgres', '--schema', schema, '--dir', dir], (error) => (error ? reject(error) : resolve())),
      );
      await pool.query(readFileSync(join(dir, 'mega-crm-feed.postgres.sql'), 'utf8'));

      const env = crmEnv({ MEGA_PG_URL: PG_URL, MEGA_SCHEMA: schema, STORE_PG_URL: PG_URL, STORE_PG_SCHEMA: storeSchema });
      const capturer = await engineFromEnv(env, { owner: 'capturer', concurrency: 1 });
      const workers = [await engineFromEnv(env, { owner: 'worker-1' }), await engineFromEnv(env, { owner: 'worker-2' })];
      hosts.push(capturer, ...workers);
      sandbox.setFaults({ latencyMs: 5 });
      const [first] = await Promise.all([capturer.engine.run({ trigger: 'capturer' }), ...workers.map((w) => drain(w.engine))]);
      expect(first.outcome).toBe('completed');
      await Promise.all(workers.map((w) => drain(w.engine)));
      expect((await capturer.store.counts()).pending).toBe(0);
      expectEachOnce();

      const key = sandbox.state().clients[0]?.integrationId as string;
      await pool.query(`UPDATE ${schema}.GLO_AGENTES SET AGN_ST_NOME = 'Nome Pelo Feed' WHERE AGN_IN_CODIGO = $1`, [Number(key.split('-')[2])]);
      const second = await capturer.engine.run({ trigger: 'capturer' });
      expect(second.byEntity.client.sent).toBe(1);
      expect(sandbox.client(key)?.fields.nome).toBe('Nome Pelo Feed');
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS ${storeSchema} CASCADE`);
      await pool.end();
    }
  });
});
