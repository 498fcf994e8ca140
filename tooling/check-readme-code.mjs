#!/usr/bin/env node
// Type-checks every TypeScript block of README.md and packages/*/README.md against the BUILT packages,
// the way a user's project would see them (module nodenext, strict). A block is a module of its own
// and must declare what it uses. Plain ```ts blocks are checked both as ESM (.mts) and as CommonJS
// (.cts), since users paste them into either; ```ts esm (top-level await) or ```ts cjs narrows that.
// Run after `pnpm build`. Errors are reported at the README's own line numbers.
// A block marked ```ts esm run (the root README's main sample) is also run by examples/test/readme-main.test.ts.
// Also: every error code of core's ErrorCode union has a row in README.md's "Errors" table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// Inside examples/ so that the packages and their optional peers (pg, oracledb types) resolve from
// examples/node_modules, as from a host app's node_modules.
const work = join(root, 'examples', '.readme-code');

const readmes = [join(root, 'README.md'), ...readdirSync(join(root, 'packages')).map((dir) => join(root, 'packages', dir, 'README.md'))].filter(existsSync);

/** @type {Array<{ file: string, readme: string, firstLine: number }>} */
const blocks = [];
for (const readme of readmes) {
  const lines = readFileSync(readme, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const flags = (open[2] ?? '').trim().split(/\s+/);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith('```')) end++;
    if (end === lines.length) throw new Error(`${relative(root, readme)}:${i + 1}: the code block never closes`);
    const code = `${lines.slice(start, end).join('\n')}\n`;
    const kinds = flags.includes('esm') ? ['mts'] : flags.includes('cjs') ? ['cts'] : ['mts', 'cts'];
    for (const ext of kinds) {
      const name = `${relative(root, readme).replaceAll('/', '_').replace(/\.md$/, '')}_L${start + 1}.${ext}`;
      blocks.push({ file: name, readme: relative(root, readme), firstLine: start + 1, code });
    }
    i = end;
  }
}
if (blocks.length === 0) throw new Error('no TypeScript block found in the READMEs');

for (const dir of readdirSync(join(root, 'packages'))) {
  if (!existsSync(join(root, 'packages', dir, 'dist'))) throw new Error(`packages/${dir}/dist is missing: run \`pnpm build\` first`);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const block of blocks) writeFileSync(join(work, block.file), block.code);
writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2023'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    files: blocks.map((b) => b.file),
  }),
);

let output = '';
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', work, '--pretty', 'false'], { encoding: 'utf8', stdio: 'pipe' });
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  if (!output.trim()) throw error;
} finally {
  rmSync(work, { recursive: true, force: true });
}

const errorsTs = readFileSync(join(root, 'packages', 'core', 'src', 'errors.ts'), 'utf8');
const codes = [...(/export type ErrorCode =([^;]*);/.exec(errorsTs)?.[1].matchAll(/'([A-Z_]+)'/g) ?? [])].map((m) => m[1]);
if (codes.length === 0) throw new Error('no ErrorCode union found in packages/core/src/errors.ts');
const errorSection = /^## Errors$([\s\S]*?)(?=^## )/m.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[1] ?? '';
const undocumented = codes.filter((code) => !errorSection.includes(`\`${code}\``));

const byFile = new Map(blocks.map((b) => [b.file, b]));
const problems = output
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => {
    const m = /^(?:.*[\\/])?([^\\/(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block = m && byFile.get(m[1] ?? '');
    if (!m || !block) return line;
    const context = block.file.endsWith('.cts') ? 'as CommonJS' : 'as ESM';
    return `${block.readme}:${block.firstLine + Number(m[2]) - 1}:${m[3]} (${context}) ${m[4]}`;
  });
if (undocumented.length > 0)
  problems.push(`README.md: the "Errors" table has no row for ${undocumented.join(', ')} (error codes of packages/core/src/errors.ts)`);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\nREADME check failed: ${problems.length} problem(s) above`);
  process.exit(1);
}
const count = new Set(blocks.map((b) => `${b.readme}:${b.firstLine}`)).size;
const cjs = blocks.filter((b) => b.file.endsWith('.cts')).length;
console.log(`README errors table: all ${codes.length} error codes`);
console.log(`README code: ${count} TypeScript blocks in ${readmes.length} READMEs compile as written (${blocks.length - cjs} as ESM, ${cjs} as CommonJS)`);
