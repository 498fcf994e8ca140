import { driverMissing } from '@mega-crm/core';
import type { Pool, PoolConfig } from 'pg';
import { type SqlDriver, translatePlaceholders, upperKeys } from './driver.js';

// DATE, TIMESTAMP and NUMERIC arrive as text: a DATE parsed into a local-time Date shifts by the
// time zone, and NUMERIC as a float loses cents.
const AS_TEXT = new Set([1082, 1114, 1184, 1700]);

/**
 * PostgreSQL driver over a `pg` Pool (optional peer dependency, loaded only when this subpath is
 * imported). Pass your own pool, or a connection config.
 */
export async function postgresDriver(poolOrConfig: Pool | PoolConfig): Promise<SqlDriver & { readonly pool: Pool }> {
  const pg = await import('pg').catch((error: unknown) => {
    throw driverMissing('pg', error);
  });
  const PoolClass = pg.default?.Pool ?? pg.Pool;
  const types = pg.default?.types ?? pg.types;
  const pool: Pool =
    'query' in poolOrConfig && typeof poolOrConfig.query === 'function'
      ? (poolOrConfig as Pool)
      : new PoolClass({
          ...(poolOrConfig as PoolConfig),
          types: {
            getTypeParser: ((oid: number, format?: 'text' | 'binary') => (AS_TEXT.has(oid) ? (v: string) => v : types.getTypeParser(oid, format))) as never,
          },
        });
  const owned = pool !== poolOrConfig;
  return {
    dialect: 'postgres',
    pool,
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await pool.query(translatePlaceholders(sql, 'postgres'), params as unknown[]);
      return result.rows.map((row: Record<string, unknown>) => upperKeys<T>(row));
    },
    async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
      await pool.query(params.length ? translatePlaceholders(sql, 'postgres') : sql, params as unknown[]);
    },
    async close(): Promise<void> {
      if (owned) await pool.end();
    },
  };
}
