// `@mega-crm/core/postgres`: the multi-instance store; loads `pg` (optional peer dependency).
export type { PostgresStoreOptions } from './store/postgres-store.js';
export { PostgresStore } from './store/postgres-store.js';
