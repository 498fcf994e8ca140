#!/usr/bin/env node
// Packaging checks for every publishable package: publint --strict, attw --pack, and the built
// ESM and CJS entry points actually load and expose the same names. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  console.log(`\n== ${pkg.name}`);
  try {
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
