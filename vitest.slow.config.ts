import { defineConfig, mergeConfig } from 'vitest/config';
import base, { SLOW_SUITES } from './vitest.config.js';

// The process-level suites: real child processes, SIGKILLs, several workers. One file at a time, so
// timing-sensitive tests elsewhere never share the two cores with them.
export default mergeConfig(base, defineConfig({ test: { include: SLOW_SUITES, exclude: [], fileParallelism: false, testTimeout: 300_000 } }));
