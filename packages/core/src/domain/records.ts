/** What the engine moves: one mapped record of one entity, identified by its Mega key. */

/**
 * Dependency order. `prospect` (pre-sales) depends on nothing and comes last so the stores' claim rank
 * (spouse 0, client 1, contract 2, anything else 3) holds without a migration.
 */
export const ENTITIES = ['spouse', 'client', 'contract', 'occurrence', 'prospect'] as const;
export type EntityName = (typeof ENTITIES)[number];

export interface EntityRef {
  readonly entity: EntityName;
  readonly key: string;
}

export interface SyncRecord<P = unknown> extends EntityRef {
  readonly payload: P;
}

/**
 * Something in Mega that the CRM record leaves out or changes while the record still goes: an invalid
 * e-mail dropped, text transliterated to the CRM's charset. Names the field, never its value (PII).
 */
export interface RecordWarning {
  /** The CRM field, with the Mega column in parentheses where it helps: `emails (AGN_ST_OUTROSEMAILS)`. */
  readonly field: string;
  /** Stable code, e.g. `EMAIL_INVALID`, `PHONE_NO_AREA_CODE`, `TEXT_TRANSLITERATED`. */
  readonly code: string;
  readonly message: string;
}

/** Why a record left the integration: deleted in Mega, or no longer in scope (see `CapturedItem`). */
export type RemovalCause = 'deleted' | 'out-of-scope';
