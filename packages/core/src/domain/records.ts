/** What the engine moves: one mapped record of one entity, identified by its Mega key. */

export const ENTITIES = ['spouse', 'client', 'contract', 'occurrence'] as const;
export type EntityName = (typeof ENTITIES)[number];

export interface EntityRef {
  readonly entity: EntityName;
  readonly key: string;
}

export interface SyncRecord<P = unknown> extends EntityRef {
  readonly payload: P;
}
