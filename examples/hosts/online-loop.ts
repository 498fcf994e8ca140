/**
 * The manual's "Online" schedule in a long-running service: a sync every 20 s, never overlapping,
 * and a graceful shutdown on SIGTERM/SIGINT (the loop stops triggering, the run in progress ends,
 * then the connections close). Environment: see from-env.ts; ONLINE_EVERY overrides 20s.
 */
import { online, type RunSummary, runOnSchedule, type SyncEngine } from '@mega-crm/core';
import { engineFromEnv } from './from-env.js';

export interface OnlineService {
  /** Stops triggering, waits for the run in progress; resolves when nothing is in flight. */
  stop(): Promise<void>;
}

export function startOnline(engine: SyncEngine, every: string, onRun: (summary: RunSummary) => void = () => undefined): OnlineService {
  const abort = new AbortController();
  let current: Promise<unknown> = Promise.resolve();
  const tracked = {
    run: (options: { readonly trigger?: string }) => {
      const run = engine.run(options);
      current = run.catch(() => undefined);
      return run;
    },
  };
  const schedule = runOnSchedule(online({ every }), tracked, { signal: abort.signal, onRun, onError: (error) => console.error(error) });
  return {
    async stop() {
      abort.abort();
      await schedule.done;
      await current;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const host = await engineFromEnv();
  const service = startOnline(host.engine, process.env.ONLINE_EVERY ?? '20s', (s) => console.log(`${s.endedAt} ${s.outcome}: sent ${s.totals.sent}`));
  const shutdown = async () => {
    await service.stop();
    await host.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
