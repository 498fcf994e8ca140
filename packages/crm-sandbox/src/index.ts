export type { CapacityOptions, CapacityStats, Outage } from './capacity.js';
export type { SandboxFaults } from './faults.js';
export { MESSAGES, RESULT_CODES } from './messages.js';
export type { SandboxProspect } from './presales.js';
export { PRESALES_MESSAGES } from './presales.js';
export type { CrmSandboxOptions } from './sandbox.js';
export { CrmSandbox } from './sandbox.js';
export type { SandboxCapacity, SandboxContract, SandboxLogEntry, SandboxNarrative, SandboxOccurrence, SandboxRecord, SandboxState } from './state.js';
