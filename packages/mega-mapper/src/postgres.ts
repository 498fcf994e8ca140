// `@mega-crm/mega-mapper/postgres`: the PostgreSQL driver; loads `pg` (optional peer dependency).
export { postgresDriver } from './sql/postgres.js';
