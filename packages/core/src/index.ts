export type { CharsetPolicy, CrmCharset } from './domain/charset.js';
export { CRM_CHARSETS, DEFAULT_CHARSET_POLICY, fitRecordText, fitText } from './domain/charset.js';
export type { Address, Client, ClientInput, MaritalStatus } from './domain/client.js';
export { AddressSchema, ClientSchema, MARITAL_STATUSES } from './domain/client.js';
export type { Normalized } from './domain/contact.js';
export { normalizeEmails, normalizePhone, normalizePhones, PHONE_FORMAT, PHONE_PATTERN, padDocument } from './domain/contact.js';
export { completeCnpj, completeCpf, isValidCnpj, isValidCpf, maskDocument, onlyDigits } from './domain/documents.js';
export type {
  CloseOccurrence,
  CloseOccurrenceInput,
  Contract,
  ContractInput,
  IntegrationLogEntry,
  Narrative,
  Occurrence,
  OccurrenceOrigin,
  OccurrenceStatus,
  Spouse,
} from './domain/post-sales.js';
export {
  CloseOccurrenceSchema,
  CONTRACT_STATUSES,
  CONTRACT_TYPES,
  ContractSchema,
  NarrativeSchema,
  OCCURRENCE_STATUSES,
  OccurrenceSchema,
  SpouseSchema,
} from './domain/post-sales.js';
export type { EntityName, EntityRef, RecordWarning, RemovalCause, SyncRecord } from './domain/records.js';
export { ENTITIES } from './domain/records.js';
export { validateDroppingFields, validateRecord } from './domain/validate.js';
export type { CountName, EntityCounts, RecordFailure, RunSummary } from './engine/summary.js';
export { formatSummary } from './engine/summary.js';
export type { RetryOptions, RunOptions, SyncEngineOptions, SyncProgress } from './engine/sync-engine.js';
export { SyncEngine } from './engine/sync-engine.js';
export type { ErrorCode, FixText, MegaCrmErrorOptions, ValidationIssue } from './errors.js';
export {
  AlreadyRunningError,
  asMegaCrmError,
  ConfigurationError,
  CrmFaultError,
  DependencyMissingError,
  DuplicateDocumentError,
  MegaCrmError,
  ProtocolError,
  TransportError,
  ValidationError,
} from './errors.js';
export { contentHash, stableStringify } from './hash.js';
export type { Logger } from './logger.js';
export { redactingLogger, silentLogger } from './logger.js';
export type {
  CapturedItem,
  CaptureInput,
  CaptureOutcome,
  ChangeBatch,
  ChangeSource,
  CrmSink,
  DeliveryReceipt,
  FailureInfo,
  OutboxItem,
  ParkedFilter,
  ParkedRecord,
  QueueCounts,
  RemovalReceipt,
  RunRecord,
  StagedRecord,
  SyncStore,
} from './ports.js';
export { pick, seededRandom } from './random.js';
export { maskEmail, maskPhone, maskPii, redact } from './redact.js';
export type { Runnable, ScheduleController, SchedulePolicy } from './schedule.js';
export { DAILY_MINIMUM_MS, daily, online, parseInterval, runOnSchedule } from './schedule.js';
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export { SqliteStore } from './store/sqlite-store.js';
