export type { Delivery, VimobSandboxFaults, VimobSandboxOptions } from './sandbox.js';
export { VimobSandbox } from './sandbox.js';
