import { defineConfig } from 'vitest/config';
import base, { SLOW_SUITES } from './vitest.config.js';

// The process-level suites: real child processes, SIGKILLs, several workers. One file at a time, so
// timing-sensitive tests elsewhere never share the two cores with them. (mergeConfig would
// concatenate include/exclude lists, so the test block is spelled out.)
export default defineConfig({
  resolve: base.resolve ?? {},
  test: { ...base.test, include: SLOW_SUITES, exclude: [], fileParallelism: false, testTimeout: 300_000 },
});
