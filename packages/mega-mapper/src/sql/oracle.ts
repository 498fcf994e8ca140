import { driverMissing, megaUnreachable } from '@mega-crm/core';
import { type SqlDriver, translatePlaceholders, upperKeys } from './driver.js';

/** The part of an oracledb connection (or pool connection) the driver uses. */
export interface OracleConnectionLike {
  execute(sql: string, binds: unknown[], options: Record<string, unknown>): Promise<{ rows?: unknown[] }>;
  close?(): Promise<void>;
}

export interface OracleDriverOptions {
  /** Thin mode (no Instant Client): `{ user, password, connectString }`. Ignored when `connection` is given. */
  readonly connect?: { readonly user: string; readonly password: string; readonly connectString: string };
  /** An existing connection (or a test double). */
  readonly connection?: OracleConnectionLike;
}

/**
 * Oracle driver (production Mega) over `oracledb` in thin mode, an optional peer dependency loaded
 * only when this subpath is used. Binds become `:1…`, rows come back with upper-case keys, and
 * dates as `YYYY-MM-DD HH24:MI:SS` text so no time zone shifts them.
 */
export async function oracleDriver(options: OracleDriverOptions): Promise<SqlDriver> {
  let connection = options.connection;
  let owned = false;
  const outFormat = 4002; // oracledb.OUT_FORMAT_OBJECT
  if (!connection) {
    if (!options.connect) throw new TypeError('oracleDriver needs `connect` or `connection`');
    // A variable specifier keeps `oracledb` (no bundled types) out of the type graph and the bundle.
    const moduleName = 'oracledb';
    const loaded = await import(moduleName).catch((error: unknown) => {
      throw driverMissing('oracledb', error);
    });
    const oracledb = (loaded as { default: { getConnection(c: unknown): Promise<OracleConnectionLike> } }).default;
    connection = await oracledb.getConnection({ ...options.connect }).catch((error: unknown) => {
      throw megaUnreachable(error);
    });
    owned = true;
  }
  const conn = connection;
  await conn.execute("ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF3'", [], {});
  const fetchTypeHandler = (meta: { dbTypeName?: string }) =>
    meta.dbTypeName === 'DATE' || meta.dbTypeName?.startsWith('TIMESTAMP') ? { type: 2001 /* STRING */ } : undefined;
  return {
    dialect: 'oracle',
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await conn.execute(translatePlaceholders(sql, 'oracle'), [...params], { outFormat, fetchTypeHandler });
      return (result.rows ?? []).map((row) => upperKeys<T>(row as Record<string, unknown>));
    },
    async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
      await conn.execute(translatePlaceholders(sql, 'oracle'), [...params], { autoCommit: true });
    },
    async close(): Promise<void> {
      if (owned) await conn.close?.();
    },
  };
}
