#!/usr/bin/env node
// Packaging checks for every publishable package: publint --strict, attw --pack, the built ESM and
// CJS entry points load and expose the same names, an optional peer (pg, oracledb, better-sqlite3) is
// reached only from its own subpath (code and declarations), and the metadata a user meets on npm
// (license file, repository, homepage, files, absolute README links). Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
// The only subpaths that may load (or name in their types) each optional peer.
const PEER_SUBPATHS = { pg: ['./postgres', './demo'], oracledb: ['./oracle'], 'better-sqlite3': ['./sqlite', './demo'] };
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  console.log(`\n== ${pkg.name}`);
  try {
    checkMetadata(dir, pkgDir, pkg);
    execFileSync(bin('publint'), ['--strict'], { cwd: pkgDir, stdio: 'inherit' });
    execFileSync(bin('attw'), ['--pack', '.'], { cwd: pkgDir, stdio: 'inherit' });
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue; // ./package.json
      const esm = await import(pathToFileURL(join(pkgDir, target.import.default)).href);
      const cjs = createRequire(join(pkgDir, 'package.json'))(join(pkgDir, target.require.default));
      const esmNames = Object.keys(esm)
        .filter((k) => k !== 'default')
        .sort();
      const cjsNames = Object.keys(cjs).sort();
      if (esmNames.length === 0) throw new Error(`the ESM entry ${subpath} exports nothing`);
      if (esmNames.join() !== cjsNames.join()) throw new Error(`ESM and CJS exports of ${subpath} differ:\n  esm: ${esmNames}\n  cjs: ${cjsNames}`);
      const peers = optionalPeers(pkg);
      for (const file of [target.import.types, target.import.default, target.require.types, target.require.default]) {
        const reached = [...modulesReachedFrom(join(pkgDir, file))].filter((m) => peers.some((peer) => m === peer || m.startsWith(`${peer}/`)));
        const leaked = reached.filter((m) => !PEER_SUBPATHS[m]?.includes(subpath));
        if (leaked.length > 0) throw new Error(`${subpath} (${file}) reaches the optional peer(s) ${leaked.join(', ')}: move that code behind its own subpath`);
      }
      console.log(`${subpath}: ESM and CJS entry points load, ${esmNames.length} exports (${esmNames.slice(0, 5).join(', ')}…)`);
    }
  } catch (error) {
    failed++;
    console.error(`✗ ${pkg.name}: ${error.message}`);
  }
}
if (failed > 0) {
  console.error(`\n${failed} package(s) failed the packaging checks`);
  process.exit(1);
}
console.log('\nall packages pass publint, attw and load as ESM and CJS');

/** What npm shows and ships: license file, repository, homepage, files, absolute README links. */
function checkMetadata(dir, pkgDir, pkg) {
  const problems = [];
  if (pkg.license !== 'MIT' || readFileSync(join(pkgDir, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) {
    problems.push('license must be MIT with a copy of the root LICENSE');
  }
  if (!pkg.repository?.url || pkg.repository.directory !== `packages/${dir}`) problems.push('repository { url, directory } missing');
  if (!pkg.homepage?.startsWith('https://')) problems.push('homepage missing');
  for (const file of ['dist', 'README.md', 'LICENSE', 'CHANGELOG.md']) if (!pkg.files?.includes(file)) problems.push(`files lacks ${file}`);
  const relative = [...readFileSync(join(pkgDir, 'README.md'), 'utf8').matchAll(/\]\(([^)]+)\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^(https?:|#)/.test(href));
  if (relative.length > 0) problems.push(`README links that break on npm (not shipped): ${relative.join(', ')}`);
  for (const peer of optionalPeers(pkg)) if (pkg.dependencies?.[peer]) problems.push(`${peer} is an optional peer and also a dependency`);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

function optionalPeers(pkg) {
  return Object.keys(pkg.peerDependenciesMeta ?? {}).filter((name) => pkg.peerDependenciesMeta[name].optional);
}

/** Every bare module specifier a built file reaches, following its relative imports (shared chunks). */
function modulesReachedFrom(file, seen = new Set(), found = new Set()) {
  if (seen.has(file)) return found;
  if (!existsSync(file)) throw new Error(`${file} is imported by the build but missing`);
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    // A declaration file names its sibling declarations by their .js/.cjs names.
    const target = file.endsWith('.d.ts') ? spec.replace(/\.js$/, '.d.ts') : file.endsWith('.d.cts') ? spec.replace(/\.cjs$/, '.d.cts') : spec;
    if (spec.startsWith('.')) modulesReachedFrom(resolve(dirname(file), target), seen, found);
    else found.add(spec);
  }
  return found;
}
