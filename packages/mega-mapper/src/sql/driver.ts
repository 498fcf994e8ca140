import type Database from 'better-sqlite3';

/**
 * The SQL seam between mappers/feeds and a Mega database. Statements use `?` placeholders;
 * drivers for other dialects translate them (the pg and Oracle drivers come with the mega-mapper issue).
 */
export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres' | 'oracle';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** better-sqlite3 driver; statements are prepared once and cached. */
export function sqliteDriver(db: Database.Database): SqlDriver {
  const cache = new Map<string, Database.Statement>();
  return {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt.all(...params) as T[];
    },
  };
}
