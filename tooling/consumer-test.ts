/**
 * The SDK as a new user meets it: `pnpm pack` every package, install the tarballs with npm into a
 * fresh project outside the workspace (no better-sqlite3: a PostgreSQL-only host), type-check an ESM
 * and a CommonJS host app with `skipLibCheck: false`, then run them: the CommonJS one against the CRM
 * sandbox, the ESM one a whole sync (demo Mega in PostgreSQL → sandbox, PostgreSQL store).
 * Run after `pnpm build`: `pnpm check:consumer`. PostgreSQL as in the tests (tooling/test/pg-server.ts).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import startPostgres, { DEFAULT_PG_URL } from './test/pg-server.js';

const root = resolve(import.meta.dirname, '..');
const host = mkdtempSync(join(tmpdir(), 'mega-crm-consumer-'));
const tarballs = join(host, 'tarballs');
const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
const step = (text: string) => console.log(`\n== ${text}`);

const stopPostgres = await startPostgres();
const url = process.env.MEGA_CRM_PG_URL ?? DEFAULT_PG_URL;
const schema = `mega_crm_consumer_${process.pid}_${Date.now().toString(36)}`;
try {
  step('pnpm pack every package');
  mkdirSync(tarballs);
  const dependencies: Record<string, string> = {};
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    if (!existsSync(join(root, 'packages', dir, 'dist'))) throw new Error(`packages/${dir}/dist is missing: run \`pnpm build\` first`);
    const before = new Set(readdirSync(tarballs));
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, 'packages', dir), stdio: 'pipe' });
    const tarball = readdirSync(tarballs).find((f) => !before.has(f));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`);
    dependencies[pkg.name] = `file:tarballs/${tarball}`;
    console.log(tarball);
  }
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(host, 'package.json'),
    JSON.stringify(
      {
        name: 'mega-crm-consumer',
        private: true,
        dependencies: { ...dependencies, pg: rootPkg.devDependencies.pg },
        devDependencies: {
          typescript: rootPkg.devDependencies.typescript,
          '@types/node': rootPkg.devDependencies['@types/node'],
          '@types/pg': rootPkg.devDependencies['@types/pg'],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(host, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', lib: ['es2023'], types: ['node'], strict: true, skipLibCheck: false, outDir: 'out' },
      files: ['esm-app.mts', 'cjs-app.cts'],
    }),
  );
  for (const app of ['esm-app.mts', 'cjs-app.cts']) copyFileSync(join(root, 'tooling', 'consumer', app), join(host, app));

  step(`npm install the tarballs into ${host} (outside the workspace)`);
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error'], host);
  if (existsSync(join(host, 'node_modules', 'better-sqlite3'))) throw new Error('better-sqlite3 was installed for a PostgreSQL-only host');
  console.log('better-sqlite3: not installed (an optional peer)');

  step('type-check the ESM and CommonJS host apps (strict, skipLibCheck: false) and compile them');
  run(join(host, 'node_modules', '.bin', 'tsc'), ['-p', host], host);

  step('run the CommonJS host app');
  run(process.execPath, [join(host, 'out', 'cjs-app.cjs')], host);

  step('run the ESM host app: one sync against the sandbox');
  run(process.execPath, [join(host, 'out', 'esm-app.mjs')], host, { ...process.env, MEGA_CRM_PG_URL: url, CONSUMER_SCHEMA: schema });
  console.log('\nconsumer test passed: packed, installed with npm, type-checked as ESM and CommonJS, synced');
} finally {
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch(() => undefined);
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_store CASCADE`).catch(() => undefined);
  await client.end().catch(() => undefined);
  await stopPostgres?.();
  rmSync(host, { recursive: true, force: true });
}
