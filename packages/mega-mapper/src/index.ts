export type { DataCheckResult } from './checks.js';
export { runDataChecks } from './checks.js';
export type { DirtyKind, DirtyStats } from './demo/dirty.js';
export { DIRTY_KINDS } from './demo/dirty.js';
export type { DemoOptions, DemoStats } from './demo/generate.js';
export {
  createDemoMegaDatabase,
  createDemoMegaPostgres,
  DEMO_OCCURRENCE_TYPES,
  DEMO_ORG,
  FIRST_AGENT_CODE,
  feedInstallScript,
  writeDemoData,
} from './demo/generate.js';
export type { FeedPosition, FeedReaderOptions } from './feed-reader.js';
export type { AgentKey, OrgKey } from './keys.js';
export { agentKey, contractKey, occurrenceKey, parseAgentKey, parseOrgKey, spouseKeyOf } from './keys.js';
export type { MegaClientRow, MegaPhoneRow } from './mappers/client.js';
export { MARITAL_STATUS_CODES, mapClient } from './mappers/client.js';
export type { ContractParts, MegaBuyerRow, MegaContractRow, MegaStructureRow } from './mappers/contract.js';
export { CONTRACT_STATUS_CODES, CONTRACT_TYPE_CODES, mapContract } from './mappers/contract.js';
export type { MegaOccurrenceRow } from './mappers/occurrence.js';
export { mapOccurrence } from './mappers/occurrence.js';
export type { MegaSpouseRow } from './mappers/spouse.js';
export { mapSpouse } from './mappers/spouse.js';
export { feedDdl } from './schema/feed.js';
export type { SchemaGroup, SchemaMapping, TableName } from './schema/tables.js';
export { createTablesDdl, NO_SCHEMAS, STANDARD_SCHEMAS, singleSchema, TABLES, tableNames } from './schema/tables.js';
export type { OccurrenceTypeRule, ScopeConfig } from './scope.js';
export { DEFAULT_SCOPE, resolveScope, SKIP_REASONS } from './scope.js';
export type { MegaSourceOptions } from './source.js';
export { MegaSource } from './source.js';
export type { Dialect, SqlDriver } from './sql/driver.js';
export { keysetAfter, keysIn, limitClause, translatePlaceholders } from './sql/driver.js';
export { sqliteDriver } from './sql/sqlite.js';
