import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the sources; tooling/check-packages.mjs checks the built ESM and CJS entry points.
export default defineConfig({
  resolve: {
    alias: {
      '@mega-crm/core': src('core'),
      '@mega-crm/crm-client': src('crm-client'),
      '@mega-crm/mega-mapper': src('mega-mapper'),
      '@mega-crm/crm-sandbox': src('crm-sandbox'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
