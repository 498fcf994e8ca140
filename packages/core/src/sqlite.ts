/** The embedded SQLite store: `@mega-crm/core/sqlite`, apart so that only hosts using it load better-sqlite3 (an optional peer). */
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export { SqliteStore } from './store/sqlite-store.js';
