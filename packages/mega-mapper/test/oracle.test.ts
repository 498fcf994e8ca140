/**
 * No Oracle server runs here: the Oracle driver is exercised against a recording connection, and
 * the SQL it would send is checked for the dialect (binds, row limits, schema names, no row-value
 * comparisons). The feed's Oracle DDL is checked the same way.
 */
import { ENTITIES } from '@mega-crm/core';
import { describe, expect, it } from 'vitest';
import { feedDdl } from '../src/schema/feed.js';
import { createTablesDdl, STANDARD_SCHEMAS, singleSchema } from '../src/schema/tables.js';
import { MegaSource } from '../src/source.js';
import { type OracleConnectionLike, oracleDriver } from '../src/sql/oracle.js';

function recordingConnection() {
  const calls: Array<{ sql: string; binds: unknown[]; options: Record<string, unknown> }> = [];
  const connection: OracleConnectionLike = {
    async execute(sql, binds, options) {
      calls.push({ sql, binds, options });
      if (/MAX\(FEED_IN_SEQ\)/.test(sql)) return { rows: [{ SEQ: 41 }] };
      return { rows: [] };
    },
  };
  return { calls, connection };
}

/** The SELECTs sent, each checked for the dialect: `:n` binds in order, one bind each, no LIMIT, no row values. */
function oracleSelects(calls: ReturnType<typeof recordingConnection>['calls']) {
  const queries = calls.filter((c) => /^\s*SELECT/i.test(c.sql));
  for (const { sql: text, binds } of queries) {
    expect(text).not.toContain('?');
    expect(text).not.toMatch(/\bLIMIT\b/);
    expect(text).not.toMatch(/\)\s*>\s*\(/); // no (a, b) > (?, ?)
    const placeholders = [...text.matchAll(/:(\d+)/g)].map((m) => Number(m[1]));
    expect(placeholders).toEqual(placeholders.map((_, i) => i + 1));
    expect(binds).toHaveLength(placeholders.length);
  }
  return queries;
}

describe('Oracle dialect', () => {
  it('sends :n binds, FETCH FIRST, schema-qualified names and no row-value comparisons', async () => {
    const { calls, connection } = recordingConnection();
    const sql = await oracleDriver({ connection });
    const source = new MegaSource({ sql, schemas: STANDARD_SCHEMAS, scope: { enterprises: { codes: ['EMP1', 'EMP2'] } }, entities: ENTITIES });
    let cursor: string | null = null;
    for (let i = 0; i < 7; i++) cursor = (await source.read(cursor, { limit: 250 })).cursor; // every entity's scan, then the feed
    await source.load('contract', ['1-1-1-O-7']);
    await source.load('client', ['1-1-1000']);
    await source.load('prospect', ['1-1-2000']);
    const queries = oracleSelects(calls);
    expect(queries.length).toBeGreaterThanOrEqual(6);
    const all = queries.map((q) => q.sql).join('\n');
    expect(all).toContain('FETCH FIRST :');
    expect(all).toMatch(/FROM MGGLO\.GLO_AGENTES a/);
    expect(all).toMatch(/MGDBM\.DBM_ESTRUTURA e/);
    expect(all).toMatch(/FROM MGCAR\.CAR_CONTRATO c/);
    expect(all).toMatch(/FROM MGCUSTOM\.MEGACRM_FEED/);
    expect(all).toContain("NUMTODSINTERVAL(:2, 'SECOND')");
    expect(all).toContain('e.EST_ST_CODIGO IN (:1, :2)');
    // Pre-sales prospects, in the MGCMR schema: scanned with FETCH FIRST, loaded by key tuple.
    expect(all).toMatch(
      /FROM MGCMR\.CMR_PROSPECT p WHERE 1 = 1 ORDER BY p\.AGN_TAB_IN_CODIGO, p\.AGN_PAD_IN_CODIGO, p\.AGN_IN_CODIGO FETCH FIRST :1 ROWS ONLY/,
    );
    expect(all).toContain('FROM MGCMR.CMR_PROSPECT p WHERE (p.AGN_TAB_IN_CODIGO, p.AGN_PAD_IN_CODIGO, p.AGN_IN_CODIGO) IN ((:1, :2, :3))');
    expect(calls[0]?.sql).toMatch(/ALTER SESSION SET NLS_DATE_FORMAT/);
  });

  it('timestamp polling: the lag window is computed with the database clock, binds in order, keyset without row values', async () => {
    const { calls, connection } = recordingConnection();
    const sql = await oracleDriver({ connection });
    const source = new MegaSource({ sql, schemas: STANDARD_SCHEMAS, changes: 'timestamps', poll: { lagSeconds: 90 } });
    const at = { ts: '2026-01-01 08:00:00.000', key: [1, 1, 1000] };
    const cursor = JSON.stringify({
      v: 2,
      mode: 'feed',
      poll: { GLO_AGENTES: { ...at, tail: { ts: '2026-01-01 08:00:05.000', key: [1, 1, 1001] } }, CAR_CONTRATO: { ts: null, key: null } },
    });
    await source.read(cursor, { limit: 100 });
    await source.read(null, { limit: 100 }); // the head of every polled table
    const queries = oracleSelects(calls);
    const agents = queries.find((q) => q.sql.includes('FROM MGGLO.GLO_AGENTES x WHERE'));
    expect(agents?.sql).toContain("CASE WHEN AGN_DT_ALTERACAO < SYSDATE - NUMTODSINTERVAL(:1, 'SECOND') THEN 1 ELSE 0 END AS SETTLED");
    expect(agents?.sql).toMatch(/AGN_DT_ALTERACAO > :2 OR \(AGN_DT_ALTERACAO = :3 AND/);
    expect(agents?.binds).toEqual([90, '2026-01-01 08:00:05.000', '2026-01-01 08:00:05.000', 1, 1, 1, 1, 1001, 100]); // read on from the tail
    const head = queries.find((q) => q.sql.includes('DESC') && q.sql.includes('MGCAR.CAR_CONTRATO'));
    expect(head?.sql).toContain("WHERE CTO_DT_ALTERACAO < SYSDATE - NUMTODSINTERVAL(:1, 'SECOND')");
    expect(head?.sql).toContain('FETCH FIRST :2 ROWS ONLY');
  });

  it('scope changes and keys-only reconciliation: the same dialect checks on every statement', async () => {
    const calls: Array<{ sql: string; binds: unknown[]; options: Record<string, unknown> }> = [];
    const connection: OracleConnectionLike = {
      async execute(text, binds, options) {
        calls.push({ sql: text, binds, options });
        if (/FROM MGCUSTOM\.MEGACRM_FEED/.test(text) && !/MAX\(/.test(text)) {
          return {
            rows: [
              { FEED_IN_SEQ: 42, FEED_ST_ENTIDADE: 'enterprise', FEED_ST_CHAVE: '1-1-1-O-7' },
              { FEED_IN_SEQ: 43, FEED_ST_ENTIDADE: 'occurrence-type', FEED_ST_CHAVE: '1-90' },
              { FEED_IN_SEQ: 44, FEED_ST_ENTIDADE: 'spouse', FEED_ST_CHAVE: '1-1-1000-C' },
            ],
          };
        }
        // The enterprise's first page is full (limit 1), the page after it empty.
        if (/FROM MGCAR\.CAR_CONTRATO_ENVOLVIDO ce/.test(text) && !/ce\.ORG_TAB_IN_CODIGO > :/.test(text))
          return { rows: [{ ORG_TAB_IN_CODIGO: 1, ORG_PAD_IN_CODIGO: 1, ORG_IN_CODIGO: 1, ORG_TAU_ST_CODIGO: 'O', CTO_IN_CODIGO: 5 }] };
        return { rows: [] };
      },
    };
    const sql = await oracleDriver({ connection });
    const source = new MegaSource({ sql, schemas: STANDARD_SCHEMAS });
    // The feed's page, then the scope changes it named, expanded a bounded page per read.
    let cursor = JSON.stringify({ v: 2, mode: 'feed', feed: { seq: 41 } });
    const cursors: string[] = [];
    for (let i = 0; i < 4; i++) {
      cursor = (await source.read(cursor, { limit: 1 })).cursor;
      cursors.push(cursor);
    }
    expect(JSON.parse(cursors[0] as string).expand).toEqual([
      { scope: 'enterprise', key: [1, 1, 1, 'O', 7], after: null },
      { scope: 'occurrence-type', key: '1-90', after: null },
    ]);
    expect(JSON.parse(cursors[1] as string).expand[0]).toEqual({ scope: 'enterprise', key: [1, 1, 1, 'O', 7], after: [1, 1, 1, 'O', 5] });
    expect(JSON.parse(cursors[2] as string).expand).toEqual([{ scope: 'occurrence-type', key: '1-90', after: null }]);
    expect(JSON.parse(cursors[3] as string).expand).toBeUndefined();
    for (const entity of ['spouse', 'client', 'contract', 'occurrence'] as const)
      await source.reconcile(
        entity,
        ['1-1-1000', '1-1-1001'].map((k) => (entity === 'spouse' ? `${k}-C` : entity === 'client' ? k : `1-1-1-O-${k.split('-')[2]}`)),
      );
    const queries = oracleSelects(calls);
    const all = queries.map((q) => q.sql).join('\n');
    expect(all).toMatch(
      /e\.EST_CH_TIPOESTRUTURA = 'E' AND \(e\.ORG_TAB_IN_CODIGO, e\.ORG_PAD_IN_CODIGO, e\.ORG_IN_CODIGO, e\.ORG_TAU_ST_CODIGO, e\.EST_IN_CODIGO\) IN \(\(:1, :2, :3, :4, :5\)\) AND 1 = 1\s+ORDER BY ce\.ORG_TAB_IN_CODIGO, ce\.ORG_PAD_IN_CODIGO, ce\.ORG_IN_CODIGO, ce\.ORG_TAU_ST_CODIGO, ce\.CTO_IN_CODIGO FETCH FIRST :6 ROWS ONLY/,
    );
    // The next page: Oracle's AND/OR keyset form after the last contract (no row-value comparison there).
    expect(all).toMatch(/IN \(\(:1, :2, :3, :4, :5\)\) AND \(ce\.ORG_TAB_IN_CODIGO > :6 OR \(ce\.ORG_TAB_IN_CODIGO = :7 AND /);
    expect(all).toContain(
      'FROM MGDBM.DBM_GERAOCORRENCIA x WHERE (OCS_IN_MODULO, OCS_IN_CODIGO) IN ((:1, :2)) AND 1 = 1 ORDER BY ORG_TAB_IN_CODIGO, ORG_PAD_IN_CODIGO, ORG_IN_CODIGO, ORG_TAU_ST_CODIGO, OCO_IN_CODIGO FETCH FIRST :3 ROWS ONLY',
    );
    expect(all).toContain('LEFT JOIN MGGLO.GLO_AGENTES a ON a.AGN_TAB_IN_CODIGO = s.AGN_TAB_IN_CODIGO');
    expect(all).toMatch(/SELECT c\.ORG_TAB_IN_CODIGO, [^;]*? AS IN_SCOPE FROM MGCAR\.CAR_CONTRATO c WHERE/);
    expect(queries.length).toBeGreaterThanOrEqual(10);
  });

  it('renders the feed triggers and tables in Oracle syntax, for standard or single-tenant schemas', () => {
    const ddl = feedDdl('oracle', STANDARD_SCHEMAS);
    expect(ddl[0]).toMatch(/CREATE TABLE MGCUSTOM\.MEGACRM_FEED \(\n {2}FEED_IN_SEQ NUMBER\(19\) GENERATED ALWAYS AS IDENTITY/);
    const trigger = ddl.find((d) => d.includes('ON MGGLO.GLO_PESSOA_FISICA')) ?? '';
    expect(trigger).toMatch(/^CREATE OR REPLACE TRIGGER MGCUSTOM\.MEGACRM_GLO_PESSOA_FISICA/);
    expect(trigger).toContain(":OLD.AGN_TAB_IN_CODIGO || '-' || :OLD.AGN_PAD_IN_CODIGO || '-' || :OLD.AGN_IN_CODIGO || '-C'");
    expect(trigger).toContain('WHEN INSERTING THEN');
    // Scope changes: an enterprise's flag (enterprise rows only) and an occurrence type's flags reach the feed.
    const structures = ddl.find((d) => d.includes('ON MGDBM.DBM_ESTRUTURA')) ?? '';
    expect(structures).toContain("IF :NEW.EST_CH_TIPOESTRUTURA = 'E' THEN");
    expect(structures).toContain("VALUES ('DBM_ESTRUTURA', 'enterprise', :NEW.ORG_TAB_IN_CODIGO || '-' || :NEW.ORG_PAD_IN_CODIGO");
    expect(ddl.find((d) => d.includes('ON MGDBM.DBM_TIPOOCORRENCIA'))).toContain("'occurrence-type', :NEW.OCS_IN_MODULO || '-' || :NEW.OCS_IN_CODIGO");
    const prospects = ddl.find((d) => d.includes('ON MGCMR.CMR_PROSPECT')) ?? '';
    expect(prospects).toMatch(
      /^CREATE OR REPLACE TRIGGER MGCUSTOM\.MEGACRM_CMR_PROSPECT\nAFTER INSERT OR UPDATE OR DELETE ON MGCMR\.CMR_PROSPECT FOR EACH ROW/,
    );
    expect(prospects).toContain(
      "VALUES ('CMR_PROSPECT', 'prospect', :OLD.AGN_TAB_IN_CODIGO || '-' || :OLD.AGN_PAD_IN_CODIGO || '-' || :OLD.AGN_IN_CODIGO, op)",
    );
    expect(createTablesDdl('oracle', STANDARD_SCHEMAS).find((d) => d.startsWith('CREATE TABLE MGCMR.CMR_PROSPECT ('))).toContain(
      'PRO_DT_ALTERACAO TIMESTAMP(3)',
    );
    const tenant = createTablesDdl('oracle', singleSchema('BILD'));
    expect(tenant.find((d) => d.startsWith('CREATE TABLE BILD.CAR_CONTRATO ('))).toContain('CTO_RE_VALORCONTRATO NUMBER(18,2)');
    expect(tenant.join('\n')).not.toMatch(/MGGLO|MGCAR|MGDBM|MGCMR/);
  });
});
