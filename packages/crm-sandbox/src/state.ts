/** What the sandbox CRM holds; exposed programmatically and as JSON for tests and demos. */
import type { CapacityOptions, CapacityStats } from './capacity.js';
import type { SandboxProspect } from './presales.js';

export interface SandboxRecord {
  readonly crmId: string;
  readonly integrationId: string;
  /** The parts received, password and user left out. Arrays (buyers) as lists of structs. */
  readonly fields: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** How many upserts touched this record (1 = created, never updated). */
  readonly writes: number;
}

export interface SandboxContract extends SandboxRecord {
  readonly buyers: ReadonlyArray<Readonly<Record<string, string>>>;
}

export interface SandboxNarrative {
  readonly crmId: string;
  readonly text: string;
  readonly at: string;
  /** The narrative's integration id, when the sender gave one (one narrative per id). */
  readonly key?: string;
}

export interface SandboxOccurrence extends SandboxRecord {
  readonly status: 'ABERTA' | 'FECHADA';
  readonly origin: 'CRM' | 'INTEGRACAO';
  readonly narratives: readonly SandboxNarrative[];
  readonly closeReason?: string;
  readonly flowClosed: boolean;
}

export interface SandboxLogEntry {
  readonly at: string;
  readonly entity: string;
  readonly key: string;
  readonly operation: string;
  readonly status: 'OK' | 'ERRO';
  readonly message: string;
}

export interface SandboxState {
  readonly clients: readonly SandboxRecord[];
  readonly spouses: readonly SandboxRecord[];
  readonly contracts: readonly SandboxContract[];
  readonly occurrences: readonly SandboxOccurrence[];
  readonly prospects: readonly SandboxProspect[];
  readonly requests: number;
  readonly requestsByOperation: Readonly<Record<string, number>>;
  readonly injectedFaults: number;
  /** TCP connections accepted: a keep-alive client opens few. */
  readonly connections: number;
  /** The capacity model's settings and counters, when one is set. */
  readonly capacity?: SandboxCapacity;
}

export type SandboxCapacity = CapacityStats & { readonly options: Required<CapacityOptions>; readonly capacity: number };
