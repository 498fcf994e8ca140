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

/**
 * The feed is read only below the oldest running transaction of the whole server (commit safety), and
 * this PostgreSQL is shared: wait (≤ 30 s) until what was just written is readable, so the next read sees it.
 */
export async function feedReadable(pool: { query(text: string): Promise<{ rows: Array<{ ok?: unknown }> }> }, feed: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await pool.query(`SELECT (SELECT MAX(FEED_ID_XID) FROM ${feed}) < pg_snapshot_xmin(pg_current_snapshot()) AS ok`);
    if (rows[0]?.ok !== false) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
