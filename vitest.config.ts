import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') => fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export const SLOW_SUITES = ['examples/test/crash.test.ts', 'examples/test/workers.test.ts', 'examples/test/guarantees.test.ts'];

// Tests run against the sources; tooling/check-packages.mjs checks the built ESM and CJS entry points.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@mega-crm\/core$/, replacement: src('core') },
      { find: /^@mega-crm\/core\/postgres$/, replacement: src('core', 'postgres.ts') },
      { find: /^@mega-crm\/core\/sqlite$/, replacement: src('core', 'sqlite.ts') },
      { find: /^@mega-crm\/core\/internal$/, replacement: src('core', 'internal.ts') },
      { find: /^@mega-crm\/crm-client$/, replacement: src('crm-client') },
      { find: /^@mega-crm\/crm-client\/profile$/, replacement: src('crm-client', 'profile/index.ts') },
      { find: /^@mega-crm\/mega-mapper$/, replacement: src('mega-mapper') },
      { find: /^@mega-crm\/mega-mapper\/postgres$/, replacement: src('mega-mapper', 'postgres.ts') },
      { find: /^@mega-crm\/mega-mapper\/oracle$/, replacement: src('mega-mapper', 'oracle.ts') },
      { find: /^@mega-crm\/mega-mapper\/sqlite$/, replacement: src('mega-mapper', 'sqlite.ts') },
      { find: /^@mega-crm\/mega-mapper\/demo$/, replacement: src('mega-mapper', 'demo.ts') },
      { find: /^@mega-crm\/crm-sandbox$/, replacement: src('crm-sandbox') },
      { find: /^@mega-crm\/cli$/, replacement: src('cli') },
      { find: /^@mega-crm\/vimob-adapter$/, replacement: src('vimob-adapter') },
      { find: /^@mega-crm\/vimob-adapter\/testing$/, replacement: src('vimob-adapter', 'testing.ts') },
      { find: /^@mega-crm\/vimob-sandbox$/, replacement: src('vimob-sandbox') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts'],
    // Process-level suites (crash, workers) run apart, one file at a time: vitest.slow.config.ts.
    exclude: SLOW_SUITES,
    // A PostgreSQL for the suites that need one: the configured server, else an embedded one.
    globalSetup: ['tooling/test/pg-server.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
