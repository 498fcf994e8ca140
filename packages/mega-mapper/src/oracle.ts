// `@mega-crm/mega-mapper/oracle`: the Oracle driver; a pool over `oracledb`, thin mode by default (optional peer dependency).
export type { OracleConnectionLike, OracleDbLike, OracleDriverOptions, OraclePoolLike } from './sql/oracle.js';
export { oracleDriver } from './sql/oracle.js';
