import { defineConfig, type Options } from 'tsup';

/** The one tsup setup every publishable package uses: ESM + CJS + d.ts, source maps, clean dist. */
export function defineLibrary(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    // p-retry is ESM-only: bundling it keeps the CJS build loadable (TOOLCHAIN.md).
    noExternal: ['p-retry', 'is-network-error'],
    ...overrides,
  });
}
