import type Database from 'better-sqlite3';
import type { SqlDriver } from './driver.js';

/** better-sqlite3 driver; statements are prepared once and cached. */
export function sqliteDriver(db: Database.Database): SqlDriver {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (cache.size < 500) cache.set(sql, stmt);
    }
    return stmt;
  };
  return {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return prepare(sql).all(...params) as T[];
    },
    async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
      if (params.length === 0) db.exec(sql);
      else prepare(sql).run(...params);
    },
  };
}
