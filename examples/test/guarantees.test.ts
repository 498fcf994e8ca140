/**
 * Delivery guarantees under pauses, crashes and races (issue #10), with real processes and only the
 * public API: a SIGKILL between a hold and its dependency's fetch, a transient Mega error there, a
 * process frozen (SIGSTOP) past its lease while Mega changes, and a clean PostgreSQL run right after a
 * kill. After each: the CRM holds exactly Mega's latest in-scope records, nothing held, nothing stale.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '@mega-crm/core/postgres';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgAvailable } from '../../tooling/test/pg.js';
import { startScript } from './harness.js';

const ENTITY_NAMES = ['spouse', 'client', 'contract', 'occurrence'] as const;
const dir = mkdtempSync(join(tmpdir(), 'mega-crm-guarantees-'));
const megaPath = join(dir, 'mega.db');
let sandbox: CrmSandbox;

beforeAll(async () => {
  await createDemoMegaDatabase(megaPath, { clients: 120, seed: 21 });
  sandbox = await new CrmSandbox({ faults: { latencyMs: [4, 12] }, seed: 5 }).start();
}, 60_000);
afterAll(async () => sandbox?.stop());

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  summary: { outcome?: string; error?: string; queue?: { pending: number; held: number; parked: number } };
}

async function sync(store: string, extra: string[] = []): Promise<Outcome> {
  const result = await startScript('sync-once.ts', ['--store', store, '--mega', megaPath, '--wsdl', sandbox.wsdlUrl, ...extra]).done;
  const last = result.stdout.trim().split('\n').pop();
  return { code: result.code, signal: result.signal, summary: last ? (JSON.parse(last) as Outcome['summary']) : {} };
}

/** Every in-scope record of Mega now (a full read), and each client's latest `complemento`. */
async function megaNow(): Promise<{ keys: Record<(typeof ENTITY_NAMES)[number] | 'prospect', string[]>; complemento: Map<string, string> }> {
  const db = new Database(megaPath, { readonly: true });
  const source = new MegaSource({ sql: sqliteDriver(db) });
  const keys = { spouse: [] as string[], client: [] as string[], contract: [] as string[], occurrence: [] as string[], prospect: [] as string[] };
  let cursor: string | null = null;
  for (;;) {
    const batch = await source.read(cursor, { limit: 500 });
    for (const item of batch.items) if (item.kind === 'record') keys[item.record.entity].push(item.record.key);
    cursor = batch.cursor;
    if (!batch.hasMore) break;
  }
  const complemento = new Map(
    (db.prepare("SELECT '1-1-' || AGN_IN_CODIGO AS k, AGN_ST_COMPLEMENTO AS c FROM GLO_AGENTES").all() as Array<{ k: string; c: string | null }>).map((r) => [
      r.k,
      r.c ?? '',
    ]),
  );
  db.close();
  return { keys, complemento };
}

async function assertCrmHoldsMegaLatest(): Promise<void> {
  const mega = await megaNow();
  const state = sandbox.state();
  const held = {
    spouse: state.spouses.map((r) => r.integrationId),
    client: state.clients.map((r) => r.integrationId),
    contract: state.contracts.map((r) => r.integrationId),
    occurrence: state.occurrences.map((r) => r.integrationId),
  };
  for (const entity of ENTITY_NAMES) {
    expect(new Set(held[entity]).size, `${entity}: no key twice`).toBe(held[entity].length);
    expect([...held[entity]].sort(), `${entity}: nothing lost, nothing extra`).toEqual([...new Set(mega.keys[entity])].sort());
  }
  const stale = mega.keys.client.filter((k) => (sandbox.client(k)?.fields.complemento ?? '') !== (mega.complemento.get(k) ?? ''));
  expect(stale, 'clients whose CRM value is not Mega latest').toEqual([]);
}

/**
 * A supplier agent (never a client) becomes a co-buyer of an in-scope contract: the contract is captured
 * with it, the agent is not (not a client when read). Returns the agent's key and a function that then
 * gives it the client role without a feed entry, i.e. after the feed went past it (out of scope when first read).
 */
async function newBuyerOutOfScope(nth: number): Promise<{ agent: string; makeClient: () => void }> {
  const inScope = [...(await megaNow()).keys.contract].sort();
  const [tab, pad, org, tau, cto] = (inScope[nth] as string).split('-');
  const mega = new Database(megaPath);
  const supplier = (
    mega.prepare("SELECT AGN_IN_CODIGO AS code FROM GLO_AGENTES_ID WHERE AGN_TAU_ST_CODIGO = 'F' ORDER BY AGN_IN_CODIGO LIMIT 1 OFFSET ?").get(nth) as {
      code: number;
    }
  ).code;
  mega
    .prepare(
      `INSERT INTO CAR_CONTRATO_CLIENTE (ORG_TAB_IN_CODIGO, ORG_PAD_IN_CODIGO, ORG_IN_CODIGO, ORG_TAU_ST_CODIGO, CTO_IN_CODIGO,
         AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO, CTC_RE_PERCENTUAL, CTC_BO_PRINCIPAL) VALUES (?, ?, ?, ?, ?, 1, 1, ?, 'C', 0, 'N')`,
    )
    .run(Number(tab), Number(pad), Number(org), tau, Number(cto), supplier);
  mega.close();
  return {
    agent: `1-1-${supplier}`,
    makeClient: () => {
      const db = new Database(megaPath);
      const last = (db.prepare('SELECT MAX(FEED_IN_SEQ) AS s FROM MEGACRM_FEED').get() as { s: number }).s;
      db.prepare(
        "INSERT INTO GLO_AGENTES_ID (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO, AGN_CH_STATUS, AGN_DT_INICIOMOV) VALUES (1, 1, ?, 'C', 'A', '2020-01-01')",
      ).run(supplier);
      db.prepare('DELETE FROM MEGACRM_FEED WHERE FEED_IN_SEQ > ?').run(last);
      db.close();
    },
  };
}

describe('delivery guarantees (real processes)', () => {
  it('SIGKILL between a hold and its dependency fetch, then a transient Mega error there: both resolved, nothing stranded', async () => {
    sandbox.reset();
    const store = join(dir, 'holds.db');
    expect((await sync(store)).summary.outcome).toBe('completed');

    const killed = await newBuyerOutOfScope(0);
    const dying = await sync(store, ['--fault-load', 'kill']);
    expect(dying.signal).toBe('SIGKILL'); // died inside the dependency's read, after the hold was committed
    killed.makeClient();
    const after = await sync(store);
    expect(after.summary).toMatchObject({ outcome: 'completed', queue: { pending: 0, held: 0, parked: 0 } });
    expect(sandbox.client(killed.agent)).toBeDefined();
    await assertCrmHoldsMegaLatest();

    const flaky = await newBuyerOutOfScope(1);
    const failing = await sync(store, ['--fault-load', 'fail-once']);
    // Not STORE_FAILED: the run completes, the record stays held, the next run fetches its dependency.
    expect(failing.summary).toMatchObject({ outcome: 'completed', queue: { pending: 0, held: 1 } });
    flaky.makeClient();
    const next = await sync(store);
    expect(next.summary).toMatchObject({ outcome: 'completed', queue: { pending: 0, held: 0, parked: 0 } });
    expect(sandbox.client(flaky.agent)).toBeDefined();
    await assertCrmHoldsMegaLatest();
  }, 180_000);

  for (const kind of ['SQLite', 'PostgreSQL'] as const) {
    it.skipIf(kind === 'PostgreSQL' && !pgAvailable)(
      `${kind}: a run frozen (SIGSTOP) past its lease while Mega changes ends with the CRM holding the latest values`,
      async () => {
        sandbox.reset();
        const schema = `pause_${process.pid}`;
        const store = kind === 'SQLite' ? join(dir, 'pause.db') : `pg:${schema}`;
        try {
          expect((await sync(store)).summary.outcome).toBe('completed');
          const mega = new Database(megaPath);
          mega.prepare("UPDATE GLO_AGENTES SET AGN_ST_COMPLEMENTO = 'v2 ' || AGN_IN_CODIGO").run();
          sandbox.setFaults({ latencyMs: [15, 25] });
          const a = startScript('sync-once.ts', ['--store', store, '--mega', megaPath, '--wsdl', sandbox.wsdlUrl, '--lease', '1500']);
          const before = sandbox.state().requests;
          const deadline = Date.now() + 20_000;
          while (sandbox.state().requests < before + 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 3));
          a.child.kill('SIGSTOP'); // frozen mid-batch, with claimed v2 records not yet sent
          sandbox.setFaults({ latencyMs: [4, 12] });
          mega.prepare("UPDATE GLO_AGENTES SET AGN_ST_COMPLEMENTO = 'v3 ' || AGN_IN_CODIGO").run();
          mega.close();
          await new Promise((r) => setTimeout(r, 2_500)); // past A's lease
          const b = await sync(store);
          expect(b.summary.outcome).toBe('completed');
          a.child.kill('SIGCONT');
          const resumed = await a.done;
          expect(resumed.code, 'the frozen run stops: its lock was lost').toBe(1);
          expect(JSON.parse(resumed.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ error: 'RUN_LOCK_LOST' });
          const last = await sync(store);
          expect(last.summary).toMatchObject({ outcome: 'completed', queue: { pending: 0, held: 0, parked: 0 } });
          await assertCrmHoldsMegaLatest();
        } finally {
          if (kind === 'PostgreSQL') {
            const pg = await PostgresStore.open({ pool: { connectionString: PG_URL }, schema });
            await pg.drop();
            await pg.close();
          }
        }
      },
      180_000,
    );
  }

  it.skipIf(!pgAvailable)(
    'PostgreSQL: a clean run right after a kill delivers everything at once, without waiting for the 5-minute lease',
    async () => {
      sandbox.reset();
      const schema = `killed_${process.pid}`;
      const store = `pg:${schema}`;
      try {
        const mega = new Database(megaPath);
        mega.prepare("UPDATE GLO_AGENTES SET AGN_ST_COMPLEMENTO = 'v4 ' || AGN_IN_CODIGO").run();
        mega.close();
        const lease = ['--lease', '300000'];
        const a = startScript('sync-once.ts', ['--store', store, '--mega', megaPath, '--wsdl', sandbox.wsdlUrl, ...lease]);
        const before = sandbox.state().requests;
        const deadline = Date.now() + 20_000;
        while (sandbox.state().requests < before + 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 3));
        a.child.kill('SIGKILL');
        expect((await a.done).signal).toBe('SIGKILL');
        const started = Date.now();
        const clean = await sync(store, lease);
        expect(clean.code).toBe(0); // not "already running": the lock's holder is a dead process of this host
        expect(clean.summary).toMatchObject({ outcome: 'completed', queue: { pending: 0, held: 0, parked: 0 } });
        expect(Date.now() - started).toBeLessThan(60_000);
        await assertCrmHoldsMegaLatest();
      } finally {
        const pg = await PostgresStore.open({ pool: { connectionString: PG_URL }, schema });
        await pg.drop();
        await pg.close();
      }
    },
    180_000,
  );
});
