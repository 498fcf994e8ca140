export type { UpsertResult } from './client.js';
export { CrmClient } from './client.js';
export type { CrmClientConfig, ResolvedCrmClientConfig } from './config.js';
export { CrmClientConfigSchema, resolveCrmClientConfig } from './config.js';
export { MESSAGE_PATTERNS, OPERATIONS, SERVICE_DEFAULTS } from './profile.js';
export { crmSink } from './sink.js';
