/**
 * Reconciliation for timestamp polling, which cannot see deletes: the keys the CRM holds (the store's
 * delivered keys, paged by key) are checked against Mega (keys only, `ChangeSource.reconcile`), and
 * those deleted or out of scope now are queued as removals. Off the hot path: it runs after a run's
 * capture, every `reconcileEvery` runs or when a run asks for it, and costs a page read and one light
 * Mega query per page, never a mapped record.
 */
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import { ENTITIES } from '../domain/records.js';
import type { ChangeSource } from '../ports.js';
import { notSupported, sourceFailed, stage } from './capture.js';
import type { EngineContext } from './context.js';
import { removalRecords } from './removals.js';
import type { ReconciliationStats, RunTally } from './summary.js';

/** Delivered keys checked per page (one store read and one Mega query each). */
export const RECONCILE_PAGE = 1_000;

/**
 * Whether this run reconciles: asked for, or `every` capturing runs went by since the last complete
 * reconciliation. The count is kept in the store (a cursor of its own, written under the run lock),
 * so `reconcileEvery` holds across processes and restarts, a CLI run by cron included.
 */
export async function reconcileDue(ctx: EngineContext, every: number, asked: boolean, fence: string): Promise<boolean> {
  if (every === 0) return asked;
  const since = Number((await ctx.store.getCursor(counterOf(ctx))) ?? 0) + 1;
  if (asked || since >= every) return true;
  await ctx.store.capture({ sourceId: counterOf(ctx), cursor: String(since), records: [], invalid: [], fence });
  return false;
}

const counterOf = (ctx: EngineContext): string => `${ctx.source.id}:runs-since-reconcile`;

export async function reconcileDelivered(
  ctx: EngineContext,
  options: { readonly tally: RunTally; readonly fence: string; readonly stopped: () => boolean; readonly onQueued: (count: number) => void },
): Promise<ReconciliationStats> {
  const { store, source, clock, logger } = ctx;
  const check = source.reconcile?.bind(source);
  if (!check) throw notSupported('reconcile');
  const started = clock.now();
  let keys = 0;
  let removals = 0;
  for (const entity of ENTITIES) {
    let after: string | null = null;
    while (!options.stopped()) {
      const page = await store.deliveredKeys(entity, after, RECONCILE_PAGE);
      if (page.length === 0) break;
      keys += page.length;
      const items = await check(entity, page).catch((error: unknown) => {
        throw sourceFailed(source as ChangeSource, 'Reconciling delivered keys', error);
      });
      const staged = stage(items, options.tally);
      const records = await removalRecords(store, staged.removals, true);
      if (records.length > 0) {
        const outcome = await store.capture({ sourceId: source.id, records, invalid: [], fence: options.fence });
        removals += outcome.enqueued.length;
        options.onQueued(outcome.enqueued.length);
      }
      if (page.length < RECONCILE_PAGE) break;
      after = page[page.length - 1] as string;
      await nextLoopTurn(); // an embedded store reads synchronously: let delivery's sockets breathe
    }
  }
  const stats = { keys, removals, durationMs: clock.now() - started };
  if (!options.stopped()) await store.capture({ sourceId: counterOf(ctx), cursor: '0', records: [], invalid: [], fence: options.fence });
  logger.info(stats, 'delivered keys reconciled with Mega');
  return stats;
}
