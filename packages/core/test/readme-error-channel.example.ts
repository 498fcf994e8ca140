import type { RunSummary, SyncEngine } from '@mega-crm/core';

/** One sync: run() never rejects; a run that stopped says why, typed, with the fix. */
export async function syncOnce(engine: SyncEngine, log: (line: string) => void = console.error): Promise<RunSummary> {
  const summary = await engine.run({ trigger: 'manual', signal: AbortSignal.timeout(10 * 60_000) });
  if (summary.outcome === 'stopped' && summary.error) {
    const { code, retryable, summary: problem, fix } = summary.error; // a MegaCrmError
    log(`${code}: ${problem}\n${fix.en}`);
    if (!retryable) process.exitCode = 1; // configuration: IP_NOT_ALLOWED, AUTH_FAILED, WSDL_UNAVAILABLE…
  }
  return summary;
}
