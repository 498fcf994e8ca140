/**
 * A BullMQ repeatable job on Redis drives the sync: one job every 20 s; any number of workers (in
 * any process) take the jobs, and the store's run lock makes sure no two runs overlap — a worker
 * that finds a run in progress completes its job as "already running" instead of running twice.
 * Environment: see from-env.ts; REDIS_URL (default redis://127.0.0.1:6379).
 */
import type { RunSummary, SyncEngine } from '@mega-crm/core';
import { Queue, Worker } from 'bullmq';
import { engineFromEnv } from './from-env.js';

export const QUEUE = 'mega-crm-sync';

export type JobResult = { readonly outcome: RunSummary['outcome']; readonly sent: number; readonly runId: string } | { readonly outcome: 'already-running' };

export function connectionOf(url = 'redis://127.0.0.1:6379'): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

/** Registers (or updates) the repeatable job. */
export async function scheduleSync(queue: Queue, every = 20_000): Promise<void> {
  await queue.upsertJobScheduler('sync', { every }, { name: 'sync', opts: { removeOnComplete: 1000, removeOnFail: 1000 } });
}

/** A worker that runs the sync for each job; `ifRunning: 'reject'` so a job never waits behind another run. */
export function syncWorker(engine: SyncEngine, queueName = QUEUE, url?: string): Worker<unknown, JobResult> {
  return new Worker<unknown, JobResult>(
    queueName,
    async (job) => {
      // run() always resolves; a run refused because another one holds the lock says so in its error.
      const summary = await engine.run({ trigger: `bullmq job ${job.id}`, ifRunning: 'reject' });
      if (summary.error?.code === 'ALREADY_RUNNING') return { outcome: 'already-running' };
      if (summary.error) throw summary.error; // BullMQ records the failed job with the typed error
      return { outcome: summary.outcome, sent: summary.totals.sent, runId: summary.runId };
    },
    { connection: connectionOf(url), concurrency: 1 },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const host = await engineFromEnv();
  const queue = new Queue(QUEUE, { connection: connectionOf(process.env.REDIS_URL) });
  await scheduleSync(queue);
  const worker = syncWorker(host.engine, QUEUE, process.env.REDIS_URL);
  worker.on('completed', (job, result) => console.log(`job ${job.id}: ${JSON.stringify(result)}`));
  process.once('SIGTERM', async () => {
    await worker.close(); // waits for the job in progress
    await queue.close();
    await host.close();
  });
}
