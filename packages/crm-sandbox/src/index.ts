export type { SandboxFaults } from './faults.js';
export { MESSAGES, RESULT_CODES } from './messages.js';
export type { CrmSandboxOptions } from './sandbox.js';
export { CrmSandbox } from './sandbox.js';
export type { SandboxContract, SandboxLogEntry, SandboxNarrative, SandboxOccurrence, SandboxRecord, SandboxState } from './state.js';
