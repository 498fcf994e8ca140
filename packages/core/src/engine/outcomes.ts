import type { EntityRef } from '../domain/records.js';
import { asMegaCrmError, type MegaCrmError } from '../errors.js';
import type { FailureInfo, HoldSettlement, OutboxItem, StrandedHold } from '../ports.js';
import { captureNow, loadRecords } from './capture.js';
import type { EngineContext } from './context.js';
import { dependencyOf } from './dependencies.js';
import type { RunTally } from './summary.js';

const refId = (ref: EntityRef): string => `${ref.entity}:${ref.key}`;

/** At most this many stranded holds are resolved before each claim; the rest wait for the next one. */
const RESOLVE_LIMIT = 500;

/**
 * What happens to a record the CRM did not take: held for its dependency, retried in a later run
 * (retryable), or parked (permanent). Returns the error when it stops the whole run. `refused`: the
 * store refused the outcome because this worker no longer owns the item (fenced out).
 */
export async function settleFailure(
  ctx: EngineContext,
  item: OutboxItem,
  thrown: unknown,
  tally: RunTally,
  beforeHold: () => Promise<void>,
): Promise<{ stop?: MegaCrmError; refused?: boolean }> {
  const { store, logger, clock } = ctx;
  const entity = item.entity;
  const error = asMegaCrmError(thrown);
  if (error.stopsRun) return { stop: error };
  const failure: FailureInfo = { code: error.code, message: error.summary };
  const waitFor = dependencyOf(item, error);
  let accepted: boolean;
  if (waitFor) {
    await beforeHold(); // the dependency may have just landed: its completion must be written first
    accepted = await store.hold(item, waitFor, failure, clock.now());
    if (accepted) tally.fail({ entity, key: item.key, ...failure }, 'held');
  } else if (error.retryable) {
    accepted = await store.retryLater(item, failure);
    if (accepted) tally.fail({ entity, key: item.key, ...failure }, 'retrying');
  } else {
    accepted = await store.park(item, failure);
    if (accepted) tally.fail({ entity, key: item.key, ...failure });
  }
  logger.warn({ entity, key: item.key, code: error.code, retryable: error.retryable, ...(waitFor ? { waitingFor: waitFor } : {}) }, error.summary);
  // A retryable failure (a timeout) may still have been written by the CRM: a fenced-out one is re-sent.
  return accepted ? {} : { refused: error.retryable };
}

/**
 * Resolves held records whose dependency is not in the outbox, before a claim: a dependency already
 * delivered (its completion ran while the hold was being written) wakes them; one parked, invalid or
 * never sent by Mega parks them with DEPENDENCY_UNRESOLVED and both keys once `maxTries` or `maxWaitMs`
 * is reached; otherwise the dependency is read from Mega and queued (once per run). A Mega read error
 * here is logged and retried on the next run; it never fails the run.
 */
export async function resolveHolds(ctx: EngineContext, tally: RunTally, lookedFor: Set<string>): Promise<number> {
  const { store, logger, clock, holds } = ctx;
  const stranded = await store.strandedHolds(RESOLVE_LIMIT);
  if (stranded.length === 0) return 0;
  const now = clock.now();
  const settlement: { wake: number[]; tried: number[]; park: Array<HoldSettlement['park'][number]> } = { wake: [], tried: [], park: [] };
  const expired = (h: StrandedHold) => now - h.heldAt >= holds.maxWaitMs;
  const exhausted = (h: StrandedHold) => h.tries + 1 >= holds.maxTries || expired(h);
  const park = (h: StrandedHold, why: string) => {
    const failure: FailureInfo = {
      code: 'DEPENDENCY_UNRESOLVED',
      message: `${h.entity} ${h.key} waits for ${h.waitingFor.entity} ${h.waitingFor.key}, which ${why}; retry it with retryParked once that record is sent.`,
    };
    settlement.park.push({ seq: h.seq, failure });
    tally.fail({ entity: h.entity, key: h.key, ...failure, waitingFor: h.waitingFor });
    logger.warn({ entity: h.entity, key: h.key, waitingFor: h.waitingFor }, 'held record parked: its dependency does not arrive');
  };
  const byDependency = new Map<string, StrandedHold[]>();
  for (const h of stranded) byDependency.set(refId(h.waitingFor), [...(byDependency.get(refId(h.waitingFor)) ?? []), h]);
  for (const [id, group] of byDependency) {
    const { waitingFor: dependency, dependency: where, dependencyCode } = group[0] as StrandedHold;
    if (where === 'delivered') {
      for (const h of group) {
        if (exhausted(h)) park(h, `is delivered but the CRM still does not find it after ${h.tries + 1} tries`);
        else settlement.wake.push(h.seq);
      }
      continue;
    }
    if (where === 'parked') {
      for (const h of group) park(h, `is parked (${dependencyCode ?? 'refused'})`);
      continue;
    }
    if (lookedFor.has(id)) continue;
    lookedFor.add(id);
    if (!ctx.source.load) {
      // A delivery-only worker cannot read Mega: the capturing instance fetches it; only the time bound applies here.
      for (const h of group) if (expired(h)) park(h, `was not sent within ${Math.round(holds.maxWaitMs / 60_000)} min`);
      continue;
    }
    let found: 'queued' | 'invalid' | 'absent' | 'unreadable';
    try {
      const items = await loadRecords(ctx.source, dependency.entity, [dependency.key]);
      const record = items.find((i) => i.kind === 'record');
      const invalid = items.find((i) => i.kind === 'invalid');
      if (record || invalid) await captureNow(store, ctx.source, items);
      found = record ? 'queued' : invalid ? 'invalid' : 'absent';
    } catch (error) {
      const e = asMegaCrmError(error, 'SOURCE_FAILED');
      logger.warn({ dependency, code: e.code }, `a held record's dependency could not be read from Mega; the next run tries again: ${e.summary}`);
      found = 'unreadable';
    }
    logger.info({ dependency, found, waiting: group.length }, 'dependency looked for, for held records');
    for (const h of group) {
      if (found === 'queued') continue;
      if (found === 'invalid') park(h, 'is invalid in Mega');
      else if (found === 'unreadable') {
        if (expired(h)) park(h, `could not be read from Mega for ${Math.round(holds.maxWaitMs / 60_000)} min`);
      } else if (exhausted(h)) park(h, `Mega does not send (not in scope, deleted, or not a client) after ${h.tries + 1} tries`);
      else settlement.tried.push(h.seq);
    }
  }
  await store.settleHolds(settlement);
  return stranded.length;
}
