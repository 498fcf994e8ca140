// `@mega-crm/mega-mapper/postgres`: the PostgreSQL driver; loads `pg` (optional peer dependency).
export { postgresDriver, withPgTransaction } from './sql/postgres.js';
