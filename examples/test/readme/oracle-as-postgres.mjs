/**
 * Stands in for `@mega-crm/mega-mapper/oracle` when the README's main sample runs in CI (there is no
 * Oracle there): the same `oracleDriver({ connect })` call, answered by the PostgreSQL driver on a
 * demo Mega with the standard schemas (MGGLO, MGCAR, MGDBM, MGCUSTOM) at `connect.connectString`.
 * Plain JavaScript: it is loaded through a resolve hook, outside the TypeScript loader.
 */
import { postgresDriver } from '@mega-crm/mega-mapper/postgres';

/** @param {import('@mega-crm/mega-mapper/oracle').OracleDriverOptions} options */
export async function oracleDriver(options) {
  if (!options.connect) throw new TypeError('the README sample passes `connect`');
  // allowExitOnIdle: the sample never closes its driver; the process ends once the schedules stop.
  return postgresDriver({ connectionString: options.connect.connectString, max: 2, allowExitOnIdle: true });
}
