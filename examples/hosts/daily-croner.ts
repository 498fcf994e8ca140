/**
 * The manual's "Diária" schedule on croner, a maintained cron library: from 08:00, every 30 minutes,
 * until 23:30. croner's `protect` skips a tick while the previous run is still going; the engine
 * itself never overlaps runs either (a trigger during a run is folded into one follow-up run).
 */
import type { RunSummary, SyncEngine } from '@mega-crm/core';
import { Cron } from 'croner';
import { engineFromEnv } from './from-env.js';

export function startDaily(engine: SyncEngine, pattern = '0 0,30 8-23 * * *', onRun: (summary: RunSummary) => void = () => undefined): Cron {
  return new Cron(pattern, { protect: true, catch: (error) => console.error(error) }, async () => {
    onRun(await engine.run({ trigger: `croner ${pattern}` }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const host = await engineFromEnv();
  const job = startDaily(host.engine, process.env.CRON_PATTERN, (s) => console.log(`${s.endedAt} ${s.outcome}: sent ${s.totals.sent}`));
  console.log(`next run: ${job.nextRun()?.toISOString()}`);
  process.once('SIGTERM', async () => {
    job.stop();
    while (host.engine.running) await new Promise((r) => setTimeout(r, 100));
    await host.close();
  });
}
