/**
 * Several instances on PostgreSQL: one capturer reads Mega and fills the store's outbox
 * (`engine.run()`), and any number of delivery workers drain it (`engine.deliver()`), each item
 * claimed by one worker with FOR UPDATE SKIP LOCKED and a lease. Environment: see from-env.ts, with
 * STORE_PG_URL set; ROLE=capturer|worker.
 */
import type { RunSummary, SyncEngine } from '@mega-crm/core';
import { engineFromEnv } from './from-env.js';

/** Delivers until the queue is empty; returns what this worker sent. */
export async function drain(worker: SyncEngine): Promise<number> {
  let sent = 0;
  for (;;) {
    const summary: RunSummary = await worker.deliver({ trigger: 'worker' });
    sent += summary.totals.sent;
    if (summary.queue.pending === 0 || summary.totals.sent === 0) return sent;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.env.STORE_PG_URL) throw new Error('Set STORE_PG_URL: several instances share a PostgreSQL store.');
  const host = await engineFromEnv();
  try {
    if (process.env.ROLE === 'worker') console.log(`delivered ${await drain(host.engine)}`);
    else console.log(`captured and delivered ${(await host.engine.run({ trigger: 'capturer' })).totals.sent}`);
  } finally {
    await host.close();
  }
}
