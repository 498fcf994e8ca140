import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { createDemoMegaDatabase } from '../src/demo/generate.js';
import { NO_SCHEMAS } from '../src/schema/tables.js';
import { sqliteDriver } from '../src/sql/sqlite.js';
import { describeMegaSource, type SuiteEnv } from './source-suite.js';

let env: SuiteEnv;
let db: Database.Database;

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mega-')), 'mega.db');
  const stats = await createDemoMegaDatabase(path, { clients: 600, seed: 11, prospects: 12 });
  db = new Database(path);
  env = {
    sql: sqliteDriver(db),
    schemas: NO_SCHEMAS,
    stats,
    async transaction(work) {
      db.exec('BEGIN');
      try {
        await work(async (sql, params = []) => void db.prepare(sql).run(...params));
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
  };
});
afterAll(() => db?.close());

describeMegaSource('SQLite', () => env);
