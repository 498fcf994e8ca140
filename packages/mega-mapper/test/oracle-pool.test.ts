/**
 * The pooled Oracle driver, against a fake `oracledb` module (no Oracle server runs here) and, for
 * the unreachable case, the real `oracledb` in thin mode: a session per call given back to the pool,
 * session setup once per new session, a dead session dropped and the read retried once, thick mode
 * by option, Oracle 11g paging, bounds, and the schema probe's Oracle error codes.
 */
import { MegaCrmError } from '@mega-crm/core';
import { describe, expect, it } from 'vitest';
import { feedInstallScript } from '../src/schema/feed.js';
import { STANDARD_SCHEMAS } from '../src/schema/tables.js';
import { MegaSource } from '../src/source.js';
import { type OracleConnectionLike, type OracleDbLike, oracleDriver } from '../src/sql/oracle.js';

type Call = { sql: string; binds: unknown[]; options: Record<string, unknown>; session: number; timeout: number | undefined };

/** A fake oracledb: a pool of numbered sessions; `fail(sql, session)` may throw for a statement. */
function fakeOracleDb(fail: (sql: string, session: number) => Error | undefined = () => undefined) {
  const calls: Call[] = [];
  const closed: Array<{ session: number; drop: boolean }> = [];
  const state = { poolConfig: undefined as Record<string, unknown> | undefined, poolClosed: false, init: [] as unknown[], thin: true, sessions: 0 };
  const idle: OracleConnectionLike[] = [];
  const oracledb: OracleDbLike = {
    get thin() {
      return state.thin;
    },
    initOracleClient(options) {
      state.init.push(options);
      state.thin = false;
    },
    async createPool(config) {
      state.poolConfig = config;
      const sessionCallback = config.sessionCallback as (c: OracleConnectionLike, tag: string, done: (e?: unknown) => void) => void;
      return {
        async getConnection() {
          const reused = idle.pop();
          if (reused) return reused;
          const session = ++state.sessions;
          const connection: OracleConnectionLike = {
            async execute(sql, binds, options) {
              calls.push({ sql, binds, options, session, timeout: connection.callTimeout });
              const error = fail(sql, session);
              if (error) throw error;
              return { rows: /SELECT 1 AS ONE/.test(sql) ? [{ one: 1 }] : [] };
            },
            async close(options) {
              closed.push({ session, drop: options?.drop === true });
              if (!options?.drop) idle.push(connection);
            },
          };
          await new Promise<void>((resolve, reject) => sessionCallback(connection, '', (e) => (e ? reject(e) : resolve())));
          return connection;
        },
        async close() {
          state.poolClosed = true;
        },
      };
    },
  };
  return { oracledb, calls, closed, state };
}

const connect = { user: 'MEGA_CRM', password: 'secret', connectString: 'mega-db:1521/MEGA' };
const failure = (work: Promise<unknown>): Promise<MegaCrmError> =>
  work.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e as MegaCrmError,
  );
const oraError = (message: string, errorNum?: number) => Object.assign(new Error(message), errorNum ? { errorNum } : {});

describe('oracleDriver: pool', () => {
  it('takes a session per call from a bounded pool and gives it back; the session is set up once', async () => {
    const { oracledb, calls, closed, state } = fakeOracleDb();
    const sql = await oracleDriver({ connect, oracledb, pool: { max: 3 }, callTimeoutMs: 5000, fetchArraySize: 200 });
    expect(state.poolConfig).toMatchObject({ ...connect, poolMin: 0, poolMax: 3, queueTimeout: 60_000 });
    expect(await sql.all('SELECT 1 AS ONE FROM DUAL WHERE 1 = ?', [1])).toEqual([{ ONE: 1 }]);
    await sql.all('SELECT 2 FROM DUAL');
    await sql.exec('UPDATE T SET A = ?', [1]);
    expect(state.sessions).toBe(1); // given back each time, taken again
    expect(calls.filter((c) => c.sql.startsWith('ALTER SESSION'))).toHaveLength(1);
    expect(closed).toEqual([
      { session: 1, drop: false },
      { session: 1, drop: false },
      { session: 1, drop: false },
    ]);
    const select = calls.find((c) => c.sql.startsWith('SELECT 1'));
    expect(select?.sql).toBe('SELECT 1 AS ONE FROM DUAL WHERE 1 = :1');
    expect(select?.options).toMatchObject({ outFormat: 4002, fetchArraySize: 200 });
    expect(calls.find((c) => c.sql.startsWith('UPDATE'))?.options).toEqual({ autoCommit: true });
    expect(state.init).toEqual([]); // thin mode by default
    await sql.close?.();
    expect(state.poolClosed).toBe(true);
  });

  it('sets the call timeout on every session it hands out', async () => {
    const { oracledb, calls } = fakeOracleDb();
    const sql = await oracleDriver({ connect, oracledb, callTimeoutMs: 1234 });
    await sql.all('SELECT 2 FROM DUAL');
    expect(calls.find((c) => c.sql.startsWith('SELECT 2'))?.timeout).toBe(1234);
  });

  it('a dead session (NJS-500, ORA-03113, DPI-1080) is dropped and the read tried once on a fresh one', async () => {
    let failures = 0;
    const { oracledb, closed, state } = fakeOracleDb((sql, session) => {
      if (sql.startsWith('SELECT 1') && session === 1 && failures++ === 0) return oraError('NJS-500: connection to the Oracle Database was broken');
      return undefined;
    });
    const sql = await oracleDriver({ connect, oracledb });
    expect(await sql.all('SELECT 1 AS ONE FROM DUAL')).toEqual([{ ONE: 1 }]);
    expect(closed).toEqual([
      { session: 1, drop: true },
      { session: 2, drop: false },
    ]);
    expect(state.sessions).toBe(2);
  });

  it('retries only once, and never a write', async () => {
    const { oracledb, calls } = fakeOracleDb((sql) =>
      sql.startsWith('ALTER') ? undefined : oraError('ORA-03113: end-of-file on communication channel', 3113),
    );
    const sql = await oracleDriver({ connect, oracledb });
    await expect(sql.all('SELECT 1 AS ONE FROM DUAL')).rejects.toThrow(/ORA-03113/);
    expect(calls.filter((c) => c.sql.startsWith('SELECT'))).toHaveLength(2);
    await expect(sql.exec('UPDATE T SET A = 1')).rejects.toThrow(/ORA-03113/);
    expect(calls.filter((c) => c.sql.startsWith('UPDATE'))).toHaveLength(1);
  });

  it('other errors are not retried', async () => {
    const { oracledb, calls } = fakeOracleDb((sql) => (sql.startsWith('SELECT') ? oraError('ORA-01476: divisor is equal to zero', 1476) : undefined));
    const sql = await oracleDriver({ connect, oracledb });
    await expect(sql.all('SELECT 1/0 FROM DUAL')).rejects.toThrow(/ORA-01476/);
    expect(calls.filter((c) => c.sql.startsWith('SELECT'))).toHaveLength(1);
  });

  it('thick mode by option: initOracleClient({ libDir }) before the pool; a failure is a configuration error', async () => {
    const { oracledb, state } = fakeOracleDb();
    await oracleDriver({ connect, oracledb, thick: { libDir: '/opt/oracle/instantclient_19_20' } });
    expect(state.init).toEqual([{ libDir: '/opt/oracle/instantclient_19_20' }]);
    await oracleDriver({ connect, oracledb, thick: true }); // already thick in this process: not started twice
    expect(state.init).toHaveLength(1);
    const broken: OracleDbLike = {
      ...fakeOracleDb().oracledb,
      initOracleClient() {
        throw new Error('DPI-1047: Cannot locate a 64-bit Oracle Client library');
      },
    };
    const error = await failure(oracleDriver({ connect, oracledb: broken, thick: { libDir: '/nowhere' } }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false });
    expect(error.fix.en).toContain('thick: { libDir }');
  });

  it('Oracle 11g: pages with ROWNUM (no FETCH FIRST), and needs thick mode', async () => {
    const { oracledb, calls } = fakeOracleDb();
    await expect(oracleDriver({ connect, oracledb, oracleVersion: 11 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const sql = await oracleDriver({ connect, oracledb, oracleVersion: 11, thick: true });
    await sql.all('SELECT a.X FROM T a WHERE a.X > ? ORDER BY a.X FETCH FIRST ? ROWS ONLY', [5, 100]);
    const sent = calls.find((c) => c.sql.includes('FROM T a'));
    expect(sent?.sql).toBe('SELECT * FROM (SELECT a.X FROM T a WHERE a.X > :1 ORDER BY a.X) WHERE ROWNUM <= :2');
    expect(sent?.binds).toEqual([5, 100]);
  });

  it('Oracle 11g: no statement of a whole source run (scan, feed, polling) keeps FETCH FIRST', async () => {
    const sent: string[] = [];
    const connection: OracleConnectionLike = {
      async execute(sql) {
        sent.push(sql);
        return { rows: [] };
      },
    };
    const sql = await oracleDriver({ connection, oracleVersion: 11 });
    let cursor: string | null = null;
    const source = new MegaSource({ sql, schemas: STANDARD_SCHEMAS });
    for (let i = 0; i < 6; i++) cursor = (await source.read(cursor, { limit: 100 })).cursor;
    await new MegaSource({ sql, schemas: STANDARD_SCHEMAS, changes: 'timestamps' }).read(null, { limit: 100 });
    expect(sent.join('\n')).not.toContain('FETCH FIRST');
    const paged = sent.filter((s) => s.includes('ROWNUM'));
    expect(paged.length).toBeGreaterThanOrEqual(8); // four entity scans, the feed, the polled tables' heads
    for (const s of paged) expect(s).toMatch(/^SELECT \* FROM \([\s\S]+ORDER BY [\s\S]+\) WHERE ROWNUM <= :\d+$/);
  });

  it('rejects unknown or invalid options, naming them', async () => {
    const { oracledb } = fakeOracleDb();
    await expect(oracleDriver({ connect, oracledb, callTimeout: 5 } as never)).rejects.toThrow(/callTimeout/);
    await expect(oracleDriver({ connect, oracledb, pool: { max: 0 } })).rejects.toThrow(/pool\.max/);
    await expect(oracleDriver({ oracledb })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('the real oracledb (thin): an unreachable database is SOURCE_FAILED, retryable, password not shown', async () => {
    const sql = await oracleDriver({ connect: { user: 'MEGA_CRM', password: 'not-this-one', connectString: '127.0.0.1:9/NOWHERE' }, callTimeoutMs: 5000 });
    try {
      const error = await failure(sql.all('SELECT 1 FROM DUAL'));
      expect(MegaCrmError.is(error)).toBe(true);
      expect(error).toMatchObject({ code: 'SOURCE_FAILED', retryable: true });
      expect(error.message).not.toContain('not-this-one');
    } finally {
      await sql.close?.();
    }
  }, 30_000);
});

describe('Mega schema on Oracle: SQL and error codes', () => {
  /** A recording connection that answers the schema probe as an Oracle without some tables. */
  function connection(missingTables: readonly string[], missingColumn?: string) {
    const calls: string[] = [];
    const conn: OracleConnectionLike = {
      async execute(sql) {
        calls.push(sql);
        if (missingTables.some((t) => new RegExp(`FROM ${t.replace('.', '\\.')}( |$)`).test(sql)))
          throw oraError('ORA-00942: table or view does not exist', 942);
        if (missingColumn && sql.includes(missingColumn)) throw oraError(`ORA-00904: "X"."${missingColumn}": invalid identifier`, 904);
        // One client agent (out of scope), so its phones are read too.
        if (/FROM MGGLO\.GLO_AGENTES a\n/.test(sql)) return { rows: [{ AGN_TAB_IN_CODIGO: 1, AGN_PAD_IN_CODIGO: 1, AGN_IN_CODIGO: 1000, IN_SCOPE: 0 }] };
        return { rows: [] };
      },
    };
    return { calls, conn };
  }

  it('overrides: renamed columns read through a projection, renamed tables by their real name', async () => {
    const { calls, conn } = connection([]);
    const source = new MegaSource({
      sql: await oracleDriver({ connection: conn }),
      schemas: STANDARD_SCHEMAS,
      schema: { GLO_AGENTES_TELEFONE: { name: 'GLO_FONES', columns: { TEA_ST_TELEFONE: 'TEA_ST_FONE' } }, CAR_CONTRATO: { name: 'CAR_CONTRATOS' } },
    });
    await source.load('client', ['1-1-1000']);
    await source.load('contract', ['1-1-1-O-7']);
    const all = calls.join('\n');
    expect(all).toContain('SELECT 1 AS PROBE FROM MGGLO.GLO_FONES WHERE 1 = 0');
    expect(all).toContain('FROM MGCAR.CAR_CONTRATOS c WHERE');
    expect(all).not.toMatch(/MGGLO\.GLO_AGENTES_TELEFONE|MGCAR\.CAR_CONTRATO c/);
    expect(all).toContain('FROM (SELECT x.*, x.TEA_ST_FONE AS TEA_ST_TELEFONE FROM MGGLO.GLO_FONES x) x');
  });

  it('an optional table missing (ORA-00942): read as an empty stand-in FROM DUAL, with the warning', async () => {
    const { calls, conn } = connection(['MGGLO.GLO_AGENTES_TELEFONE']);
    const source = new MegaSource({ sql: await oracleDriver({ connection: conn }), schemas: STANDARD_SCHEMAS, entities: ['client'] });
    const batch = await source.read(null, { limit: 10 });
    expect(batch.warnings).toEqual([expect.objectContaining({ code: 'MEGA_TABLE_MISSING', field: 'GLO_AGENTES_TELEFONE' })]);
    await source.load('client', ['1-1-1000']);
    expect(calls.join('\n')).toContain('FROM (SELECT CAST(NULL AS NUMBER(10)) AS AGN_TAB_IN_CODIGO,');
    expect(calls.join('\n')).toMatch(/CAST\(NULL AS VARCHAR2\(4000\)\) AS TEA_ST_TELEFONE FROM DUAL WHERE 1 = 0\) x/);
  });

  it('a required table (ORA-00942) or column (ORA-00904) missing: MEGA_SCHEMA_MISMATCH naming it', async () => {
    const table = connection(['MGCAR.CAR_CONTRATO']);
    const e1 = await failure(new MegaSource({ sql: await oracleDriver({ connection: table.conn }), schemas: STANDARD_SCHEMAS }).read(null, { limit: 10 }));
    expect(e1).toMatchObject({ code: 'MEGA_SCHEMA_MISMATCH', retryable: false, details: { table: 'CAR_CONTRATO', name: 'MGCAR.CAR_CONTRATO' } });
    const column = connection([], 'CTO_DT_ASSINATURA');
    const e2 = await failure(
      new MegaSource({ sql: await oracleDriver({ connection: column.conn }), schemas: STANDARD_SCHEMAS }).load('contract', ['1-1-1-O-7']),
    );
    expect(e2).toMatchObject({ code: 'MEGA_SCHEMA_MISMATCH', retryable: false, details: { table: 'CAR_CONTRATO', column: 'CTO_DT_ASSINATURA' } });
    expect(e2.fix.en).toContain("schema: { CAR_CONTRATO: { columns: { CTO_DT_ASSINATURA: '<its name in your Mega>' } } }");
    const feed = connection(['MGCUSTOM.MEGACRM_FEED']);
    const e3 = await failure(new MegaSource({ sql: await oracleDriver({ connection: feed.conn }), schemas: STANDARD_SCHEMAS }).read(null, { limit: 10 }));
    expect(e3).toMatchObject({ code: 'MEGA_SCHEMA_MISMATCH', details: { table: 'MEGACRM_FEED' } });
    expect(e3.fix.en).toContain("changes: 'timestamps'");
  });
});

describe('feed install script for Oracle 11g', () => {
  it('numbers the feed with a sequence and a BEFORE INSERT trigger instead of an identity column', () => {
    const script = feedInstallScript('oracle', STANDARD_SCHEMAS, { oracleVersion: 11 });
    expect(script).not.toContain('IDENTITY');
    expect(script).toMatch(/CREATE TABLE MGCUSTOM\.MEGACRM_FEED \(\n {2}FEED_IN_SEQ NUMBER\(19\) NOT NULL PRIMARY KEY,/);
    expect(script).toContain('\n/\nCREATE SEQUENCE MGCUSTOM.MEGACRM_FEED_SEQ START WITH 1 INCREMENT BY 1\n/\n');
    expect(script).toContain(
      'CREATE OR REPLACE TRIGGER MGCUSTOM.MEGACRM_FEED_BI\nBEFORE INSERT ON MGCUSTOM.MEGACRM_FEED FOR EACH ROW\nBEGIN\n  SELECT MGCUSTOM.MEGACRM_FEED_SEQ.NEXTVAL INTO :NEW.FEED_IN_SEQ FROM DUAL;\nEND;\n/\n',
    );
    // Trigger names fit 11g's 30-character identifiers.
    for (const [, name] of script.matchAll(/CREATE OR REPLACE TRIGGER MGCUSTOM\.(\w+)/g)) expect(name?.length).toBeLessThanOrEqual(30);
    expect(feedInstallScript('oracle', STANDARD_SCHEMAS)).toContain('FEED_IN_SEQ NUMBER(19) GENERATED ALWAYS AS IDENTITY PRIMARY KEY');
    expect(feedInstallScript('oracle', STANDARD_SCHEMAS)).not.toContain('MEGACRM_FEED_SEQ');
  });

  it('uses the schema overrides: triggers on the real table, with its real column names', () => {
    const script = feedInstallScript('oracle', STANDARD_SCHEMAS, {
      oracleVersion: 11,
      schema: { DBM_ESTRUTURA: { name: 'DBM_ESTRUTURAS', columns: { EST_CH_TIPOESTRUTURA: 'EST_CH_TIPO', EST_IN_CODIGO: 'EST_IN_ID' } } },
    });
    expect(script).toContain('AFTER INSERT OR UPDATE OR DELETE ON MGDBM.DBM_ESTRUTURAS FOR EACH ROW');
    expect(script).toContain("IF :NEW.EST_CH_TIPO = 'E' THEN");
    expect(script).toContain(":NEW.ORG_TAU_ST_CODIGO || '-' || :NEW.EST_IN_ID, op);");
    expect(script).not.toContain('MGDBM.DBM_ESTRUTURA ');
    expect(() => feedInstallScript('oracle', STANDARD_SCHEMAS, { schema: { DBM_ESTRUTURA: { columns: { EST_CH_TIPO: 'X' } } } as never })).toThrow(
      /unknown column of DBM_ESTRUTURA EST_CH_TIPO/,
    );
  });
});
