// `@mega-crm/mega-mapper/oracle`: the Oracle driver; loads `oracledb` in thin mode (optional peer dependency).
export type { OracleConnectionLike, OracleDriverOptions } from './sql/oracle.js';
export { oracleDriver } from './sql/oracle.js';
