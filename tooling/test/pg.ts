/**
 * PostgreSQL for tests. vitest's global setup (tooling/test/pg-server.ts) has made sure one answers
 * at MEGA_CRM_PG_URL — the configured server, or an embedded one it started — so not reaching it
 * here is a broken test bed and fails the suite instead of skipping it.
 */
import { DEFAULT_PG_URL, probePostgres } from './pg-server.js';

export const PG_URL = process.env.MEGA_CRM_PG_URL ?? DEFAULT_PG_URL;

const problem = await probePostgres(PG_URL);
if (problem) throw new Error(`PostgreSQL is not reachable at ${PG_URL} (${problem}), although the global setup (tooling/test/pg-server.ts) checked it.`);

/** Always true once this module has loaded; kept for the suites' `skipIf`. */
export const pgAvailable = true;
