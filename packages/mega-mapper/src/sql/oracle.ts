import { ConfigurationError, driverMissing, megaUnreachable } from '@mega-crm/core';
import { z } from 'zod';
import { type SqlDriver, translatePlaceholders, upperKeys } from './driver.js';

/** The part of an oracledb connection (or pool connection) the driver uses. */
export interface OracleConnectionLike {
  execute(sql: string, binds: unknown[], options: Record<string, unknown>): Promise<{ rows?: unknown[] }>;
  /** Returns a pool connection to its pool; `{ drop: true }` discards it (a dead session). */
  close?(options?: { drop?: boolean }): Promise<void>;
  /** Milliseconds one round trip may take (oracledb `connection.callTimeout`). */
  callTimeout?: number;
}

/** The part of an oracledb pool the driver uses. */
export interface OraclePoolLike {
  getConnection(): Promise<OracleConnectionLike>;
  close(drainTime?: number): Promise<void>;
}

/** The part of the `oracledb` module the driver uses (pass your own import, or a test double). */
export interface OracleDbLike {
  createPool(config: Record<string, unknown>): Promise<OraclePoolLike>;
  initOracleClient?(options?: { libDir?: string; configDir?: string }): void;
  /** False once thick mode is on (oracledb sets it). */
  readonly thin?: boolean;
}

export interface OracleDriverOptions {
  /** `{ user, password, connectString }`: the driver opens a pool. Ignored when `connection` is given. */
  readonly connect?: { readonly user: string; readonly password: string; readonly connectString: string };
  /** Pool bounds: `min` 0, `max` 4 sessions, `queueTimeoutMs` 60,000 (a query waiting longer for a session fails), idle sessions closed after `idleSeconds` 60. */
  readonly pool?: { readonly min?: number; readonly max?: number; readonly queueTimeoutMs?: number; readonly idleSeconds?: number };
  /**
   * Thick mode (Oracle Instant Client, needed for Oracle 11g and some network encryption setups):
   * `true`, or `{ libDir }` where the Instant Client lives. Default: thin mode, no client install.
   */
  readonly thick?: true | { readonly libDir?: string; readonly configDir?: string };
  /** Milliseconds one database round trip may take before it fails (retried by the next run). Default 60,000. */
  readonly callTimeoutMs?: number;
  /** Rows fetched per round trip. Default 500. */
  readonly fetchArraySize?: number;
  /** The database's major version. Default 12; `11` pages with ROWNUM (11g has no FETCH FIRST) and needs `thick`. */
  readonly oracleVersion?: number;
  /** The `oracledb` module to use instead of importing it (a host's own import, or a test double). */
  readonly oracledb?: OracleDbLike;
  /** An existing connection (or a test double): used as is, never pooled, closed by its owner. */
  readonly connection?: OracleConnectionLike;
}

const OUT_FORMAT_OBJECT = 4002;
const DB_TYPE_STRING = 2001;
const SESSION_SETUP = "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF3'";
/** The session is gone (network cut, instance restart, session killed): a fresh pool session may work. */
const DEAD_CONNECTION = /\b(ORA-0(3113|3114|3135|0028|1012|2396)|DPI-10(80|10)|NJS-(500|003))\b/;
const LIMIT_TAIL = /\s+FETCH FIRST \? ROWS ONLY\s*$/;

const positive = z.number().int().positive();
const OptionsSchema = z
  .object({
    connect: z
      .object({ user: z.string().min(1), password: z.string(), connectString: z.string().min(1) })
      .strict()
      .optional(),
    pool: z
      .object({ min: z.number().int().min(0).optional(), max: positive.optional(), queueTimeoutMs: positive.optional(), idleSeconds: positive.optional() })
      .strict()
      .optional(),
    thick: z.union([z.literal(true), z.object({ libDir: z.string().optional(), configDir: z.string().optional() }).strict()]).optional(),
    callTimeoutMs: positive.optional(),
    fetchArraySize: positive.optional(),
    oracleVersion: z.number().int().min(11).optional(),
    oracledb: z.custom<OracleDbLike>((v) => typeof v === 'object' && v !== null && typeof (v as OracleDbLike).createPool === 'function').optional(),
    connection: z
      .custom<OracleConnectionLike>((v) => typeof v === 'object' && v !== null && typeof (v as OracleConnectionLike).execute === 'function')
      .optional(),
  })
  .strict();

/**
 * Oracle driver (production Mega) over an `oracledb` pool, thin mode by default (no Instant Client).
 * Each query takes a session from the pool and gives it back; a session found dead (ORA-03113,
 * DPI-1080, NJS-500…) is dropped and the read tried once more on a fresh one, so a database restart
 * or a cut firewall session costs one retry, not the process. Binds become `:1…`, rows come back with
 * upper-case keys, and dates as `YYYY-MM-DD HH24:MI:SS` text so no time zone shifts them.
 * `oracledb` is an optional peer dependency, loaded only when this subpath is used.
 */
export async function oracleDriver(options: OracleDriverOptions): Promise<SqlDriver> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions(z.prettifyError(parsed.error).replace(/\n/g, '; '));
  if (!options.connection && !options.connect) throw invalidOptions('give connect: { user, password, connectString } (or an existing connection)');
  const version = options.oracleVersion ?? 12;
  if (version < 12 && !options.thick && !options.connection)
    throw invalidOptions('oracleVersion 11 needs thick: { libDir } (thin mode reaches Oracle 12.1 or later)');
  const callTimeout = options.callTimeoutMs ?? 60_000;
  const fetchArraySize = options.fetchArraySize ?? 500;
  const fetchTypeHandler = (meta: { dbTypeName?: string }) =>
    meta.dbTypeName === 'DATE' || meta.dbTypeName?.startsWith('TIMESTAMP') ? { type: DB_TYPE_STRING } : undefined;
  const readOptions = { outFormat: OUT_FORMAT_OBJECT, fetchTypeHandler, fetchArraySize };
  const statement = (sql: string): string => {
    // Oracle 11g has no FETCH FIRST: the ordered query becomes an inline view cut by ROWNUM (the bind stays last).
    const text = version < 12 && LIMIT_TAIL.test(sql) ? `SELECT * FROM (${sql.replace(LIMIT_TAIL, '')}) WHERE ROWNUM <= ?` : sql;
    return translatePlaceholders(text, 'oracle');
  };

  if (options.connection) {
    const conn = options.connection;
    await conn.execute(SESSION_SETUP, [], {});
    return {
      dialect: 'oracle',
      async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        const result = await conn.execute(statement(sql), [...params], readOptions);
        return (result.rows ?? []).map((row) => upperKeys<T>(row as Record<string, unknown>));
      },
      async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
        await conn.execute(translatePlaceholders(sql, 'oracle'), [...params], { autoCommit: true });
      },
    };
  }

  const oracledb = options.oracledb ?? (await importOracleDb());
  if (options.thick && oracledb.thin !== false) {
    try {
      oracledb.initOracleClient?.(options.thick === true ? {} : { ...options.thick });
    } catch (error) {
      throw thickFailed(error);
    }
  }
  const connect = options.connect as NonNullable<OracleDriverOptions['connect']>;
  const pool = await oracledb
    .createPool({
      ...connect,
      poolMin: options.pool?.min ?? 0,
      poolMax: options.pool?.max ?? 4,
      poolIncrement: 1,
      poolTimeout: options.pool?.idleSeconds ?? 60,
      queueTimeout: options.pool?.queueTimeoutMs ?? 60_000,
      // Runs once per new session: dates as text in one format.
      sessionCallback: (connection: OracleConnectionLike, _tag: string, done: (error?: unknown) => void) => {
        connection.execute(SESSION_SETUP, [], {}).then(
          () => done(),
          (error: unknown) => done(error),
        );
      },
    })
    .catch((error: unknown) => {
      throw megaUnreachable(error);
    });

  /** One session for one call: taken from the pool, given back (or dropped when dead); a dead one retried once. */
  const withSession = async <R>(work: (connection: OracleConnectionLike) => Promise<R>, retry: boolean): Promise<R> => {
    for (let attempt = 0; ; attempt++) {
      const connection = await pool.getConnection().catch((error: unknown) => {
        throw megaUnreachable(error);
      });
      connection.callTimeout = callTimeout;
      let dead = false;
      try {
        return await work(connection);
      } catch (error) {
        dead = isDeadConnection(error);
        if (!dead || !retry || attempt > 0) throw error;
      } finally {
        await connection.close?.(dead ? { drop: true } : {}).catch(() => undefined);
      }
    }
  };

  return {
    dialect: 'oracle',
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const text = statement(sql);
      const result = await withSession((c) => c.execute(text, [...params], readOptions), true);
      return (result.rows ?? []).map((row) => upperKeys<T>(row as Record<string, unknown>));
    },
    // Writes are not retried: a session that died after the commit would write twice.
    async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
      await withSession((c) => c.execute(translatePlaceholders(sql, 'oracle'), [...params], { autoCommit: true }), false);
    },
    async close(): Promise<void> {
      await pool.close(10);
    },
  };
}

export function isDeadConnection(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return DEAD_CONNECTION.test(`${typeof e?.code === 'string' ? e.code : ''} ${typeof e?.message === 'string' ? e.message : ''}`);
}

async function importOracleDb(): Promise<OracleDbLike> {
  // A variable specifier keeps `oracledb` (no bundled types) out of the type graph and the bundle.
  const moduleName = 'oracledb';
  const loaded = (await import(moduleName).catch((error: unknown) => {
    throw driverMissing('oracledb', error);
  })) as { default?: OracleDbLike } & OracleDbLike;
  return loaded.default ?? loaded;
}

function invalidOptions(problem: string): ConfigurationError {
  return new ConfigurationError(`Invalid oracleDriver options: ${problem}.`, {
    code: 'CONFIG_INVALID',
    fix: {
      en: 'Give oracleDriver { connect: { user, password, connectString }, pool?, thick?, callTimeoutMs?, fetchArraySize?, oracleVersion? }.',
      pt: 'Informe ao oracleDriver { connect: { user, password, connectString }, pool?, thick?, callTimeoutMs?, fetchArraySize?, oracleVersion? }.',
    },
  });
}

function thickFailed(cause: unknown): ConfigurationError {
  return new ConfigurationError(`Oracle thick mode could not start: ${cause instanceof Error ? cause.message : String(cause)}`, {
    code: 'CONFIG_INVALID',
    cause,
    fix: {
      en: 'Install Oracle Instant Client (64-bit) and pass its folder as thick: { libDir }; thick mode must start before any thin connection in this process.',
      pt: 'Instale o Oracle Instant Client (64 bits) e informe a pasta em thick: { libDir }; o modo thick deve iniciar antes de qualquer conexão thin neste processo.',
    },
  });
}
