export type { MegaClientRow, MegaPhoneRow } from './client-mapper.js';
export { mapClient } from './client-mapper.js';
export { MegaClientSource } from './client-source.js';
export type { DemoOptions, DemoStats } from './demo/generate.js';
export { createDemoMegaDatabase, FIRST_AGENT_CODE } from './demo/generate.js';
export type { AgentKey } from './schema.js';
export { agentKeyString, CLIENT_ROLE, MARITAL_STATUS_CODES, parseAgentKey, SQLITE_AGENT_DDL, SQLITE_FEED_DDL, sqliteFeedTriggers } from './schema.js';
export type { SqlDriver } from './sql/driver.js';
export { sqliteDriver } from './sql/driver.js';
