/**
 * PostgreSQL for tests: 127.0.0.1:5432, trust auth, database `test` (MEGA_CRM_PG_URL overrides).
 * Absent: CI fails loudly; elsewhere the PostgreSQL suites are skipped with a warning saying why.
 */
import pg from 'pg';

export const PG_URL = process.env.MEGA_CRM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await probe();
if (problem) {
  const message = `PostgreSQL is required for these tests and is not reachable at ${PG_URL} (${problem}). Start it (trust auth, database "test") or set MEGA_CRM_PG_URL.`;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n⚠ ${message} The PostgreSQL suites are SKIPPED on this machine.\n`);
}

export const pgAvailable = problem === undefined;
