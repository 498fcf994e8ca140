/**
 * Removals as changes: a record the CRM holds that was deleted in Mega or left the scope is queued in
 * the outbox like an upsert (same transaction as the cursor, retried, parked on failure, sent once:
 * its hash is REMOVED_HASH), then acted on in the CRM where the entity's action says so and the sink
 * can, or reported with its key and the reason.
 */
import pRetry from 'p-retry';
import { ENTITIES, type EntityName, type EntityRef, type RemovalCause } from '../domain/records.js';
import { asMegaCrmError } from '../errors.js';
import type { DeliveryReceipt, OutboxItem, StagedRecord, SyncStore } from '../ports.js';
import { REMOVED_HASH } from '../store/policy.js';
import type { EngineContext } from './context.js';
import type { RemovalEntry, RunTally } from './summary.js';

/**
 * What the engine does with a record that left Mega or the scope: `'deactivate'` takes it out of the
 * CRM's active records through the CRM's operation for it (an occurrence is closed); `'report'` only
 * lists it in the run summary. An entity set to `'deactivate'` whose CRM profile has no such operation
 * is reported, with that reason.
 */
export type RemovalAction = 'report' | 'deactivate';

export type RemovalPolicy = Readonly<Record<EntityName, RemovalAction>>;

/** Occurrences are closed (the CRM has EncerrarOcorrencia); clients, spouses, contracts and prospects are reported. */
export const DEFAULT_REMOVALS: RemovalPolicy = { spouse: 'report', client: 'report', contract: 'report', occurrence: 'deactivate', prospect: 'report' };

/** The `removals` option: one action for every entity, or some entities' (the others keep the default). */
export type RemovalsOption = RemovalAction | { readonly [E in EntityName]?: RemovalAction | undefined };

export function resolveRemovals(input: RemovalsOption | undefined): RemovalPolicy {
  if (input === undefined) return DEFAULT_REMOVALS;
  if (typeof input === 'string') return Object.fromEntries(ENTITIES.map((e) => [e, input])) as Record<EntityName, RemovalAction>;
  return Object.fromEntries(ENTITIES.map((e) => [e, input[e] ?? DEFAULT_REMOVALS[e]])) as Record<EntityName, RemovalAction>;
}

/** The outbox payload of a removal. */
interface RemovalPayload {
  readonly cause: RemovalCause;
  readonly reason: string;
}

export const isRemoval = (item: { readonly hash: string }): boolean => item.hash === REMOVED_HASH;

/**
 * The removals worth queuing: the CRM holds the record (delivered), or an upsert of it is still
 * queued (the removal replaces it, so a record deleted before its first delivery never reaches the CRM).
 */
export async function removalRecords(store: SyncStore, removals: readonly RemovalEntry[], delivered = false): Promise<StagedRecord[]> {
  const out: StagedRecord[] = [];
  for (const r of removals) {
    // `delivered`: the keys come from the store's delivered keys (a reconciliation), no need to look.
    if (!delivered && (await store.integrationId(r)) === undefined && (await store.queueState(r)) === 'none') continue;
    out.push({ entity: r.entity, key: r.key, hash: REMOVED_HASH, payload: { cause: r.cause, reason: r.reason } satisfies RemovalPayload });
  }
  return out;
}

/**
 * Applies one queued removal: through `CrmSink.remove` when the entity's action is `'deactivate'` and
 * the sink has the operation, else reported. Retryable failures are retried like a delivery; what
 * throws goes through the same outcome as a failed upsert (retried later, parked). The receipt keeps
 * the CRM id, so the store records the key as removed.
 */
export async function applyRemoval(ctx: EngineContext, item: OutboxItem, tally: RunTally, signal: AbortSignal): Promise<DeliveryReceipt> {
  const { store, sink, removals, retry, logger } = ctx;
  const ref: EntityRef = { entity: item.entity, key: item.key };
  const { cause, reason } = item.payload as RemovalPayload;
  const crmId = await store.integrationId(ref);
  const entry = { ...ref, cause, reason };
  if (crmId === undefined) {
    // Its upsert was still queued and the removal replaced it: the CRM never had it.
    tally.removal({ ...entry, action: 'dropped', note: 'never delivered: its queued upsert was dropped' });
    return { crmId: '' };
  }
  if (removals[item.entity] === 'report') {
    tally.removal({ ...entry, action: 'reported', note: `removals.${item.entity} is 'report'` });
    return { crmId };
  }
  const remove = sink.remove?.bind(sink);
  if (!remove) {
    tally.removal({ ...entry, action: 'reported', note: 'the CRM sink has no remove operation' });
    return { crmId };
  }
  const receipt = await remove(ref, cause).catch((first: unknown) => {
    const e = asMegaCrmError(first);
    if (!e.retryable || retry.retries === 0 || signal.aborted) throw first;
    logger.warn({ entity: ref.entity, key: ref.key, code: e.code, attemptNumber: 1 }, 'removal failed, retrying');
    return pRetry(() => remove(ref, cause), {
      retries: retry.retries - 1,
      minTimeout: retry.minTimeoutMs,
      maxTimeout: retry.maxTimeoutMs,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => asMegaCrmError(error).retryable,
    });
  });
  if (receipt.action === 'unsupported') tally.removal({ ...entry, action: 'reported', note: `the CRM profile has no operation to deactivate a ${ref.entity}` });
  else tally.removal({ ...entry, action: receipt.action });
  return { crmId };
}
