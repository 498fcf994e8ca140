/** The rules every SyncStore implementation applies alike, in one place. */
import type { EntityName, EntityRef } from '../domain/records.js';
import { type ErrorCode, StoreBusyError } from '../errors.js';
import type { ParkedRecord } from '../ports.js';

/** Dependency order: a spouse before its client, a client before its contracts, a contract before its occurrences. */
export const ENTITY_RANK: Readonly<Record<EntityName, number>> = { spouse: 0, client: 1, contract: 2, occurrence: 3, prospect: 3 };

/**
 * The hash of a removal queued in the outbox (a record deleted in Mega or out of scope, to close or
 * report in the CRM). Never a content hash (those are 43-character base64url), so once delivered it
 * marks the key as removed: the same removal again is unchanged, a re-entry (any content) is new.
 */
export const REMOVED_HASH = 'removed';

/** At most this many keys per `deliveredKeys` page, whatever the caller asks. */
export const MAX_KEYS_PAGE = 10_000;

export const byClaimOrder = (a: { entity: EntityName; seq: number }, b: { entity: EntityName; seq: number }): number =>
  ENTITY_RANK[a.entity] - ENTITY_RANK[b.entity] || a.seq - b.seq;

/**
 * A captured record is "unchanged" (not queued) when its hash equals the latest version known, queued
 * or delivered. A forced capture (resync, dependency fetch, re-send after a fenced-out write) still
 * queues it unless that very version is waiting to be sent: one in flight may land before the write
 * it must follow.
 */
export function isUnchanged(
  hash: string,
  latest: { readonly queuedHash?: string | undefined; readonly queuedInFlight?: boolean; readonly deliveredHash?: string | undefined },
  force = false,
): boolean {
  const known = latest.queuedHash ?? latest.deliveredHash;
  if (known !== hash) return false;
  return !force || (latest.queuedHash !== undefined && latest.queuedInFlight !== true);
}

/** A parked row as both stores read it (timestamps already ISO strings, JSON already parsed). */
export interface ParkedRow {
  readonly entity: string;
  readonly key: string;
  readonly code: string;
  readonly reason: string;
  readonly attempts: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly payload: unknown;
  readonly hash: string | null;
  readonly waitingEntity: string | null;
  readonly waitingKey: string | null;
}

export function toParked(r: ParkedRow): ParkedRecord {
  return {
    entity: r.entity as EntityName,
    key: r.key,
    code: r.code as ErrorCode,
    message: r.reason,
    attempts: r.attempts,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    ...(r.payload == null ? {} : { payload: r.payload }),
    ...(r.hash == null ? {} : { hash: r.hash }),
    ...(r.waitingEntity == null || r.waitingKey == null
      ? {}
      : { waitingFor: { entity: r.waitingEntity as EntityName, key: r.waitingKey } satisfies EntityRef }),
  };
}

/** What one store handle holds for runs (the run lock, claims of runs still delivering): closing it then is refused. */
export class RunUse {
  readonly #lockHolders = new Set<string>();
  readonly #claimRuns = new Set<string>();

  locked(owner: string): void {
    this.#lockHolders.add(owner);
  }

  unlocked(owner: string): void {
    this.#lockHolders.delete(owner);
  }

  claimed(runId: string): void {
    this.#claimRuns.add(runId);
  }

  released(runId: string): void {
    this.#claimRuns.delete(runId);
  }

  assertIdle(): void {
    if (this.#lockHolders.size + this.#claimRuns.size > 0) throw new StoreBusyError();
  }
}
