// `@mega-crm/mega-mapper/sqlite`: the SQLite driver over a better-sqlite3 database (optional peer dependency).
export { sqliteDriver } from './sql/sqlite.js';
