/**
 * The root README's main TypeScript sample (the ```ts esm run block), run as written in a child
 * process against the CRM sandbox: its one sync sends the demo Mega to the CRM, its schedules start,
 * and SIGTERM ends the process cleanly. Only what a CI machine lacks is swapped from outside the
 * code: the CRM host and Mega's connect string come from the environment variables the sample
 * reads, and, with no Oracle in CI, `@mega-crm/mega-mapper/oracle` resolves to the PostgreSQL driver
 * on a demo Mega with the standard schemas (readme/oracle-as-postgres.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { STANDARD_SCHEMAS } from '@mega-crm/mega-mapper';
import { createDemoMegaPostgres } from '@mega-crm/mega-mapper/demo';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL } from '../../tooling/test/pg.js';

const examples = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const database = `mega_crm_readme_${process.pid}`;
const megaUrl = (() => {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  return url.href;
})();

/** The one block marked `run`. */
function mainSample(): string {
  const blocks = [...readme.matchAll(/^```ts esm run\n([\s\S]*?)^```$/gm)];
  if (blocks.length !== 1) throw new Error(`README.md must have exactly one \`\`\`ts esm run block, found ${blocks.length}`);
  return blocks[0]?.[1] as string;
}

let sandbox: CrmSandbox;
let clients = 0;
let work: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: megaUrl, max: 2 });
  clients = (await createDemoMegaPostgres(pool, STANDARD_SCHEMAS, { clients: 30, seed: 5 })).clients;
  await pool.end();
  sandbox = await new CrmSandbox({ clientPath: 'cliente', user: 'integra.mega', password: 'readme-secret' }).start();
  // Inside examples/, so the packages resolve from examples/node_modules as from a host app's.
  work = mkdtempSync(join(examples, '.readme-run-'));
  writeFileSync(join(work, 'main.mts'), mainSample());
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await sandbox?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
});

describe('README: the main sample runs against the sandbox', () => {
  it('syncs the demo Mega into the CRM, starts its schedules, and ends cleanly on SIGTERM', async () => {
    const wsdl = new URL(sandbox.wsdlUrl);
    const run = mkdtempSync(join(tmpdir(), 'mega-crm-readme-'));
    child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(createRequire(join(examples, 'package.json')).resolve('tsx')).href,
        '--import',
        fileURLToPath(new URL('./readme/register-oracle-shim.mjs', import.meta.url)),
        join(work, 'main.mts'),
      ],
      {
        cwd: run,
        env: { ...process.env, CRM_HOST: wsdl.host, CRM_PASSWORD: 'readme-secret', MEGA_PASSWORD: '', MEGA_DB: megaUrl, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    // The one sync on demand prints its summary; the schedules then keep the process alive.
    const deadline = Date.now() + 90_000;
    while (!/^ {2}total /m.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^run \S+ \(manual\) completed in \d+ ms$/m);
    expect(stdout).toMatch(/^ {2}total {6}sent [1-9]\d* {2}unchanged \d+ {2}failed 0 /m);
    expect(child.exitCode).toBeNull();

    // What the CRM holds is what the sample's store says it delivered.
    const inCrm = sandbox.state().clients.length;
    expect(inCrm).toBeGreaterThan(0);
    expect(inCrm).toBeLessThanOrEqual(clients);
    const store = await SqliteStore.open({ path: join(run, 'mega-crm.db') });
    const [logged] = await store.listRuns(1);
    await store.close();
    expect(logged?.summary.byEntity.client.sent).toBe(inCrm);

    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(code).toBe(0);
    rmSync(run, { recursive: true, force: true });
  }, 150_000);
});
