/**
 * One suite for the Mega source, run against every database the SDK supports here (SQLite and
 * PostgreSQL): full scan and scope, change feed (updates, spouse rows, deletes, ties, concurrent
 * writes), and the mapped values.
 */
import { type CapturedItem, type ChangeSource, ENTITIES, type EntityName } from '@mega-crm/core';
import { describe, expect, it } from 'vitest';
import { DEMO_ORG, type DemoStats } from '../src/demo/generate.js';
import type { SchemaMapping } from '../src/schema/tables.js';
import { tableNames } from '../src/schema/tables.js';
import { SKIP_REASONS } from '../src/scope.js';
import { MegaSource } from '../src/source.js';
import type { SqlDriver } from '../src/sql/driver.js';

export interface SuiteEnv {
  readonly sql: SqlDriver;
  readonly schemas: SchemaMapping;
  readonly stats: DemoStats;
  /** Runs statements in one transaction, committed when `work` resolves. */
  transaction(work: (exec: (sql: string, params?: unknown[]) => Promise<void>) => Promise<void>): Promise<void>;
  /** Starts a transaction and returns a handle to commit it later (for the concurrency test). */
  openTransaction?(): Promise<{ exec: (sql: string, params?: unknown[]) => Promise<void>; commit(): Promise<void> }>;
}

export async function readAll(
  source: ChangeSource,
  cursor: string | null,
  limit = 100,
): Promise<{ items: CapturedItem[]; cursor: string | null; batches: number }> {
  const items: CapturedItem[] = [];
  let batches = 0;
  for (;;) {
    const batch = await source.read(cursor, { limit });
    batches++;
    items.push(...batch.items);
    cursor = batch.cursor;
    if (!batch.hasMore) return { items, cursor, batches };
  }
}

const keyOf = (i: CapturedItem) => (i.kind === 'record' ? i.record.key : i.key);
const entityOf = (i: CapturedItem) => (i.kind === 'record' ? i.record.entity : i.entity);
const byEntity = (items: readonly CapturedItem[], entity: EntityName) => items.filter((i) => entityOf(i) === entity);

export function describeMegaSource(name: string, setup: () => SuiteEnv): void {
  describe(`MegaSource on ${name}`, () => {
    const source = () => new MegaSource({ sql: setup().sql, schemas: setup().schemas, entities: ENTITIES });

    it('first read: a full scan of every entity once, in dependency order, with counted skips', async () => {
      const env = setup();
      const { items } = await readAll(source(), null, 97);
      const order = [...new Set(items.map(entityOf))];
      expect(order).toEqual(['spouse', 'client', 'contract', 'occurrence', 'prospect']);
      for (const entity of ['spouse', 'client', 'contract', 'occurrence', 'prospect'] as const) {
        const keys = byEntity(items, entity).map(keyOf);
        expect(new Set(keys).size).toBe(keys.length);
      }
      expect(byEntity(items, 'client')).toHaveLength(env.stats.clients); // suppliers never appear
      expect(byEntity(items, 'spouse')).toHaveLength(env.stats.married);
      expect(byEntity(items, 'contract')).toHaveLength(env.stats.contracts);
      expect(byEntity(items, 'occurrence')).toHaveLength(env.stats.occurrences);
      expect(byEntity(items, 'prospect').filter((i) => i.kind === 'record')).toHaveLength(env.stats.prospects);
      const reasons = new Set(items.flatMap((i) => (i.kind === 'skipped' ? [i.reason] : [])));
      expect(reasons).toEqual(new Set([SKIP_REASONS.clientOutOfScope, SKIP_REASONS.enterpriseNotFlagged, SKIP_REASONS.occurrenceTypeNotIntegrated]));
      expect(items.filter((i) => i.kind === 'invalid')).toEqual([]);
      // Every in-scope contract's buyers are in-scope clients.
      const clientsInScope = new Set(byEntity(items, 'client').flatMap((i) => (i.kind === 'record' ? [i.record.key] : [])));
      for (const c of byEntity(items, 'contract')) {
        if (c.kind !== 'record') continue;
        for (const b of (c.record.payload as { buyers: Array<{ clientKey: string }> }).buyers) expect(clientsInScope.has(b.clientKey)).toBe(true);
      }
      const occurrences = byEntity(items, 'occurrence').flatMap((i) => (i.kind === 'record' ? [i.record.payload as { typeCode: number; status: string }] : []));
      expect(new Set(occurrences.map((o) => `${o.typeCode}:${o.status}`))).toEqual(new Set(['10:open', '20:open', '44:closed']));
    });

    it('then follows the feed: updates, spouse-row changes and deletes surface once each', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = source();
      const { items: scanned, cursor } = await readAll(s, null, 500);
      expect((await readAll(s, cursor)).items).toHaveLength(0);
      const records = (entity: EntityName) => byEntity(scanned, entity).flatMap((i) => (i.kind === 'record' ? [i.record.key] : []));
      const [renamed, deleted] = records('client');
      const spouseKey = records('spouse').find((k) => k !== `${renamed}-C` && k !== `${deleted}-C`) ?? '';
      const [contractKey] = records('contract');
      const code = (key: string | undefined) => Number(key?.split('-')[2]);
      await env.transaction(async (exec) => {
        await exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Inês Brandão' WHERE AGN_IN_CODIGO = ?`, [code(renamed)]);
        await exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_BAIRRO = 'Savassi' WHERE AGN_IN_CODIGO = ?`, [code(renamed)]);
        await exec(`UPDATE ${t('GLO_PESSOA_FISICA')} SET AGN_ST_CARGOPROFISS = 'Médica' WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'C'`, [code(spouseKey)]);
        await exec(`DELETE FROM ${t('GLO_AGENTES_ID')} WHERE AGN_IN_CODIGO = ?`, [code(deleted)]);
        await exec(`UPDATE ${t('CAR_CONTRATO')} SET CTO_CH_STATUS = 'Q' WHERE CTO_IN_CODIGO = ?`, [Number(contractKey?.split('-')[4])]);
      });
      const { items, cursor: after } = await readAll(s, cursor, 3);
      const seen = items.map((i) => `${entityOf(i)}:${i.kind}:${keyOf(i)}`);
      expect(seen).toEqual(
        expect.arrayContaining([`client:record:${renamed}`, `spouse:record:${spouseKey}`, `client:skipped:${deleted}`, `contract:record:${contractKey}`]),
      );
      expect(new Set(seen).size).toBe(seen.length);
      const client = items.find((i) => i.kind === 'record' && i.record.key === renamed);
      expect(client?.kind === 'record' && client.record.payload).toMatchObject({ name: 'Inês Brandão', address: { district: 'Savassi' } });
      const spouse = items.find((i) => i.kind === 'record' && i.record.key === spouseKey);
      expect(spouse?.kind === 'record' && spouse.record.payload).toMatchObject({ profession: 'Médica' });
      const contract = items.find((i) => i.kind === 'record' && i.record.key === contractKey);
      expect(contract?.kind === 'record' && contract.record.payload).toMatchObject({ status: 'paid-off' });
      expect((await readAll(s, after)).items).toHaveLength(0);
    });

    it('prospects (CMR_PROSPECT): an edit, a conversion into a client under the same id, and a delete, by feed and by polling', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      // Pre-sales prospects are opt-in: a source left at its defaults reads none.
      expect(byEntity((await readAll(new MegaSource({ sql: env.sql, schemas: env.schemas }), null, 500)).items, 'prospect')).toEqual([]);
      const feed = new MegaSource({ sql: env.sql, schemas: env.schemas, scope: { clients: 'all' }, entities: ENTITIES });
      const poll = new MegaSource({
        sql: env.sql,
        schemas: env.schemas,
        scope: { clients: 'all' },
        entities: ENTITIES,
        changes: 'timestamps',
        poll: { lagSeconds: 0 },
      });
      const { items: scanned, cursor } = await readAll(feed, null, 500);
      const { cursor: pollCursor } = await readAll(poll, null, 500);
      const prospects = byEntity(scanned, 'prospect').flatMap((i) => (i.kind === 'record' ? [i.record] : []));
      expect(prospects.length).toBeGreaterThanOrEqual(3);
      const [edited, converted, deleted] = prospects.map((p) => p.key) as [string, string, string];
      expect(edited).toMatch(/^\d+-\d+-\d+$/); // the shared id is the agent key (a GUESS: see schema/tables.ts)
      const code = (key: string) => Number(key.split('-')[2]);
      await env.transaction(async (exec) => {
        await exec(
          `UPDATE ${t('CMR_PROSPECT')} SET PRO_ST_NOME = 'Lívia Prospect', PRO_ST_EMAIL = 'livia@exemplo.com.br', PRO_DT_ALTERACAO = ? WHERE AGN_IN_CODIGO = ?`,
          ['2026-07-01 10:00:00.000', code(edited)],
        );
        // Converted: the agent takes the client role; Mega keeps its prospect row.
        await exec(
          `INSERT INTO ${t('GLO_AGENTES_ID')} (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO, AGN_CH_STATUS) VALUES (1, 1, ?, 'C', 'A')`,
          [code(converted)],
        );
        await exec(`UPDATE ${t('CMR_PROSPECT')} SET PRO_DT_ALTERACAO = ? WHERE AGN_IN_CODIGO = ?`, ['2026-07-01 10:00:00.000', code(converted)]);
        await exec(`DELETE FROM ${t('CMR_PROSPECT')} WHERE AGN_IN_CODIGO = ?`, [code(deleted)]);
      });
      const { items } = await readAll(feed, cursor, 3);
      const seen = items.map((i) => `${entityOf(i)}:${i.kind}:${keyOf(i)}`);
      expect(seen).toEqual(
        expect.arrayContaining([`prospect:record:${edited}`, `prospect:skipped:${converted}`, `client:record:${converted}`, `prospect:skipped:${deleted}`]),
      );
      expect(new Set(seen).size).toBe(seen.length);
      const record = items.find((i) => i.kind === 'record' && i.record.entity === 'prospect' && i.record.key === edited);
      expect(record?.kind === 'record' && record.record.payload).toMatchObject({ key: edited, name: 'Lívia Prospect', email: 'livia@exemplo.com.br' });
      const skips = items.flatMap((i) => (i.kind === 'skipped' && i.entity === 'prospect' ? [[i.key, i.reason, i.removal]] : []));
      expect(skips).toEqual(
        expect.arrayContaining([
          [converted, SKIP_REASONS.prospectConverted, undefined],
          [deleted, SKIP_REASONS.prospectDeleted, 'deleted'],
        ]),
      );
      // The client the prospect became carries the prospect's id: one CRM record, updated, not a second.
      const client = items.find((i) => i.kind === 'record' && i.record.entity === 'client' && i.record.key === converted);
      expect(client?.kind === 'record' && (client.record.payload as { key: string }).key).toBe(converted);
      // Polling sees the stamped edit and the conversion (deletes are for reconcile()).
      const polled = (await readAll(poll, pollCursor, 500)).items.filter((i) => entityOf(i) === 'prospect').map((i) => `${i.kind}:${keyOf(i)}`);
      expect(polled).toEqual(expect.arrayContaining([`record:${edited}`, `skipped:${converted}`]));
      expect(await poll.reconcile('prospect', [edited, deleted])).toEqual([
        { kind: 'skipped', entity: 'prospect', key: deleted, reason: SKIP_REASONS.prospectDeleted, removal: 'deleted' },
      ]);
    });

    it('ties: fifty changes with one timestamp, read seven at a time, are neither lost nor repeated', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = source();
      const { cursor } = await readAll(s, null, 500);
      await env.transaction(async (exec) => {
        await exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_COMPLEMENTO = 'Bloco Único' WHERE AGN_IN_CODIGO BETWEEN 1100 AND 1149`);
      });
      const { items } = await readAll(s, cursor, 7);
      const keys = items.filter((i) => entityOf(i) === 'client').map(keyOf);
      expect(keys.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `1-1-${1100 + i}`).sort());
    });

    it('a change made while a read is in progress is seen on the next read', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = source();
      const first = await s.read(null, { limit: 10 }); // the scan has begun
      await env.transaction(async (exec) => exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Cecília Leão' WHERE AGN_IN_CODIGO = 1000`));
      const rest = await readAll(s, first.cursor, 200);
      const reread = rest.items.filter((i) => i.kind === 'record' && i.record.entity === 'client' && i.record.key === '1-1-1000');
      expect(reread.length).toBeGreaterThanOrEqual(1);
      expect(reread.at(-1)?.kind === 'record' && (reread.at(-1) as { record: { payload: { name: string } } }).record.payload.name).toBe('Cecília Leão');
      if (!env.openTransaction) return;
      // A writer that began before a later writer but commits after it: its change must not be skipped.
      const inScope = rest.items.flatMap((i) =>
        i.kind === 'record' && i.record.entity === 'client' && i.record.key !== '1-1-1000' ? [Number(i.record.key.split('-')[2])] : [],
      );
      const [slowCode, fastCode] = inScope;
      const slow = await env.openTransaction();
      await slow.exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Lento Primeiro' WHERE AGN_IN_CODIGO = ${slowCode}`);
      await env.transaction(async (exec) => exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Rápido Segundo' WHERE AGN_IN_CODIGO = ?`, [fastCode]));
      const during = await readAll(s, rest.cursor, 50);
      expect(during.items.map(keyOf)).not.toContain(`1-1-${slowCode}`);
      await slow.commit();
      const after = await readAll(s, during.cursor, 50);
      const all = [...during.items, ...after.items].filter((i) => i.kind === 'record').map(keyOf);
      expect(all).toContain(`1-1-${slowCode}`);
      expect(all).toContain(`1-1-${fastCode}`);
    });

    it('timestamp polling (no triggers): changes found by change time, ties paged by key, none lost or repeated', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = new MegaSource({ sql: env.sql, schemas: env.schemas, changes: 'timestamps' });
      const { items: scanned, cursor } = await readAll(s, null, 500);
      expect((await readAll(s, cursor)).items).toHaveLength(0);
      const spouseKey = byEntity(scanned, 'spouse').find((i) => i.kind === 'record');
      const contractKey = byEntity(scanned, 'contract').find((i) => i.kind === 'record');
      const stamp = '2026-06-01 10:00:00.000';
      await env.transaction(async (exec) => {
        await exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_COMPLEMENTO = 'Casa 2', AGN_DT_ALTERACAO = ? WHERE AGN_IN_CODIGO BETWEEN 1200 AND 1249`, [stamp]);
        await exec(
          `UPDATE ${t('GLO_PESSOA_FISICA')} SET AGN_ST_CARGOPROFISS = 'Arquiteta', AGN_DT_ALTERACAO = ? WHERE AGN_CH_TIPO = 'C' AND AGN_IN_CODIGO = ?`,
          [stamp, Number(spouseKey ? keyOf(spouseKey).split('-')[2] : 0)],
        );
        await exec(`UPDATE ${t('CAR_CONTRATO')} SET CTO_CH_STATUS = 'U', CTO_DT_ALTERACAO = ? WHERE CTO_IN_CODIGO = ?`, [
          stamp,
          Number(contractKey ? keyOf(contractKey).split('-')[4] : 0),
        ]);
      });
      const { items, cursor: after } = await readAll(s, cursor, 7);
      const clients = byEntity(items, 'client').map(keyOf);
      for (let code = 1200; code < 1250; code++) expect(clients.filter((k) => k === `1-1-${code}`)).toHaveLength(1);
      expect(items.map(keyOf)).toContain(spouseKey && keyOf(spouseKey));
      const contract = items.find((i) => i.kind === 'record' && contractKey && i.record.key === keyOf(contractKey));
      expect(contract?.kind === 'record' && contract.record.payload).toMatchObject({ status: 'defaulting' });
      expect((await readAll(s, after)).items).toHaveLength(0);
    });

    it('timestamp polling: a row stamped earlier but committed after a newer one was read is not lost (lag window)', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = new MegaSource({ sql: env.sql, schemas: env.schemas, changes: 'timestamps', poll: { lagSeconds: 60 } });
      const { cursor } = await readAll(s, null, 500);
      // The database's own clock, `seconds` from now (stamps are written by Mega in local time).
      const now = (seconds: number) =>
        env.sql.dialect === 'sqlite'
          ? `strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime', '${seconds} seconds')`
          : `LOCALTIMESTAMP + INTERVAL '${seconds} seconds'`;
      const clientKeys = (items: CapturedItem[]) => byEntity(items, 'client').flatMap((i) => (i.kind === 'record' ? [i.record.key] : []));
      await env.transaction((exec) =>
        exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Rápida Depois', AGN_DT_ALTERACAO = ${now(0)} WHERE AGN_IN_CODIGO = 1300`),
      );
      const first = await readAll(s, cursor, 50);
      expect(clientKeys(first.items)).toContain('1-1-1300');
      // The slow writer stamped its row 5 s earlier and commits only now.
      await env.transaction((exec) =>
        exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Lenta Antes', AGN_DT_ALTERACAO = ${now(-5)} WHERE AGN_IN_CODIGO = 1301`),
      );
      const second = await readAll(s, first.cursor, 50);
      expect(clientKeys(second.items)).toContain('1-1-1301');
      const late = second.items.find((i) => i.kind === 'record' && i.record.key === '1-1-1301');
      expect(late?.kind === 'record' && late.record.payload).toMatchObject({ name: 'Lenta Antes' });
      // Rows older than the window are not read again: with no lag, the same history reads nothing new.
      const settled = new MegaSource({ sql: env.sql, schemas: env.schemas, changes: 'timestamps', poll: { lagSeconds: 0 } });
      const { cursor: settledCursor } = await readAll(settled, null, 500);
      expect((await readAll(settled, settledCursor)).items).toHaveLength(0);
      if (!env.openTransaction) return;
      // PostgreSQL, with a real slow transaction: LOCALTIMESTAMP is its start time, older than the fast writer's.
      const slow = await env.openTransaction();
      await slow.exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Transação Longa', AGN_DT_ALTERACAO = LOCALTIMESTAMP WHERE AGN_IN_CODIGO = 1302`);
      await new Promise((r) => setTimeout(r, 20));
      await env.transaction((exec) =>
        exec(`UPDATE ${t('GLO_AGENTES')} SET AGN_ST_NOME = 'Transação Curta', AGN_DT_ALTERACAO = LOCALTIMESTAMP WHERE AGN_IN_CODIGO = 1303`),
      );
      const during = await readAll(s, second.cursor, 50);
      expect(clientKeys(during.items)).toContain('1-1-1303');
      expect(clientKeys(during.items)).not.toContain('1-1-1302');
      await slow.commit();
      expect(clientKeys((await readAll(s, during.cursor, 50)).items)).toContain('1-1-1302');
    });

    it('poll options are checked: an unknown key or a negative lag is a configuration error', () => {
      const env = setup();
      expect(() => new MegaSource({ sql: env.sql, changes: 'timestamps', poll: { lagSecs: 5 } as never })).toThrow(/unknown lagSecs/);
      expect(() => new MegaSource({ sql: env.sql, changes: 'timestamps', poll: { lagSeconds: -1 } })).toThrow(/CONFIG_INVALID|lagSeconds must be/);
    });

    it('flagging a large enterprise is expanded a bounded page per read: every contract once, no read above the page', async () => {
      const env = setup();
      const t = tableNames(env.schemas);
      const s = source();
      const { cursor } = await readAll(s, null, 500);
      const [enterprise] = await env.sql.all<{ EST_IN_CODIGO: number }>(
        `SELECT EST_IN_CODIGO FROM ${t('DBM_ESTRUTURA')} WHERE EST_CH_TIPOESTRUTURA = 'E' AND EST_BO_INTEGRACRM = 'N' ORDER BY EST_IN_CODIGO`,
      );
      if (!enterprise) throw new Error('the demo Mega has no unflagged enterprise');
      const code = Number(enterprise.EST_IN_CODIGO);
      const [{ N } = { N: 0 }] = await env.sql.all<{ N: number }>(
        `SELECT COUNT(DISTINCT ce.CTO_IN_CODIGO) AS N FROM ${t('CAR_CONTRATO_ENVOLVIDO')} ce JOIN ${t('DBM_UNIDADE')} u ON u.EST_IN_CODIGO = ce.EST_IN_CODIGO AND u.ORG_IN_CODIGO = ce.ORG_IN_CODIGO
          WHERE ce.CTOENV_CH_ORIGEM = 'U' AND u.EMP_EST_IN_CODIGO = ?`,
        [code],
      );
      const contracts = Number(N);
      expect(contracts).toBeGreaterThanOrEqual(6);
      const page = Math.floor(contracts / 3);
      await env.transaction((exec) => exec(`UPDATE ${t('DBM_ESTRUTURA')} SET EST_BO_INTEGRACRM = 'S' WHERE EST_IN_CODIGO = ?`, [code]));
      try {
        let at: string | null = cursor;
        const seen: string[] = [];
        let expansions = 0;
        for (let reads = 0; reads < 50; reads++) {
          const batch = await s.read(at, { limit: page });
          const batchContracts = byEntity(batch.items, 'contract');
          expect(batchContracts.length).toBeLessThanOrEqual(page);
          seen.push(...batchContracts.map(keyOf));
          if (JSON.parse(batch.cursor).expand) expansions++;
          at = batch.cursor;
          if (!batch.hasMore) break;
        }
        expect(seen).toHaveLength(contracts);
        expect(new Set(seen).size).toBe(contracts);
        expect(expansions).toBeGreaterThanOrEqual(3); // the feed's read, then at least two more pages of the enterprise
        expect((await readAll(s, at)).items).toHaveLength(0);
      } finally {
        await env.transaction((exec) => exec(`UPDATE ${t('DBM_ESTRUTURA')} SET EST_BO_INTEGRACRM = 'N' WHERE EST_IN_CODIGO = ?`, [code]));
      }
    });

    it('an enterprise resync reads its buyers (and spouses), contracts and occurrences, in dependency order', async () => {
      const env = setup();
      const s = new MegaSource({ sql: env.sql, schemas: env.schemas });
      const items = await s.loadEnterprise('EMP1');
      const order = [...new Set(items.map(entityOf))];
      expect(order).toEqual(['spouse', 'client', 'contract', 'occurrence']);
      const contracts = byEntity(items, 'contract').flatMap((i) =>
        i.kind === 'record' ? [i.record.payload as { enterprise: { code: string }; buyers: Array<{ clientKey: string }> }] : [],
      );
      expect(contracts.length).toBeGreaterThan(10);
      expect(new Set(contracts.map((c) => c.enterprise.code))).toEqual(new Set(['EMP1']));
      const clients = new Set(byEntity(items, 'client').map(keyOf));
      for (const c of contracts) for (const b of c.buyers) expect(clients.has(b.clientKey)).toBe(true);
      expect(await s.loadEnterprise('NO-SUCH')).toEqual([]);
    });

    it('maps a contract with its buyers, unit and enterprise, and occurrences by their type rule', async () => {
      const env = setup();
      const s = new MegaSource({ sql: env.sql, schemas: env.schemas });
      const contracts = (await s.load('contract', ['1-1-1-O-1'])).filter((i) => i.kind === 'record');
      const first = contracts[0];
      if (first?.kind === 'record') {
        expect(first.record.payload).toMatchObject({ key: '1-1-1-O-1', number: '1', buyers: [{ clientKey: '1-1-1000', main: true }] });
        expect((first.record.payload as { enterprise: { key: string } }).enterprise.key).toMatch(/^1-1-1-O-\d+$/);
      }
      const t = tableNames(env.schemas);
      const [three] = await env.sql.all<{ CTO_IN_CODIGO: number }>(
        `SELECT CTO_IN_CODIGO FROM ${t('CAR_CONTRATO_CLIENTE')} GROUP BY CTO_IN_CODIGO HAVING COUNT(*) = 3 ORDER BY CTO_IN_CODIGO`,
      );
      expect(three).toBeDefined();
      const [loaded] = await s.load('contract', [
        `${DEMO_ORG.ORG_TAB_IN_CODIGO}-${DEMO_ORG.ORG_PAD_IN_CODIGO}-${DEMO_ORG.ORG_IN_CODIGO}-O-${three?.CTO_IN_CODIGO}`,
      ]);
      if (loaded?.kind === 'record') expect((loaded.record.payload as { buyers: unknown[] }).buyers).toHaveLength(3);
      else expect(loaded).toMatchObject({ kind: 'skipped', reason: SKIP_REASONS.enterpriseNotFlagged });
    });
  });
}
