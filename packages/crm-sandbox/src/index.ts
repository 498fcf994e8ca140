export { MESSAGES, RESULT_CODES } from './messages.js';
export type { OperationDef, XsdType } from './operations.js';
export { OPERATIONS } from './operations.js';
export type { CrmSandboxOptions } from './sandbox.js';
export { CrmSandbox } from './sandbox.js';
export type { SandboxClient, SandboxState } from './state.js';
export type { WsdlSite } from './wsdl.js';
export { nusoapNamespace, renderWsdl } from './wsdl.js';
