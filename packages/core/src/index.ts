export type { CharsetPolicy, CrmCharset } from './domain/charset.js';
export { CRM_CHARSETS, DEFAULT_CHARSET_POLICY } from './domain/charset.js';
export type { Address, Client, ClientInput, MaritalStatus } from './domain/client.js';
export { AddressSchema, ClientSchema, MARITAL_STATUSES } from './domain/client.js';
export type { Normalized } from './domain/contact.js';
export { PHONE_FORMAT } from './domain/contact.js';
export { isValidCnpj, isValidCpf, maskDocument } from './domain/documents.js';
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
export type { Prospect, ProspectInput, ProspectOrigin } from './domain/prospect.js';
export { PROSPECT_ORIGINS, ProspectSchema } from './domain/prospect.js';
export type { EntityName, EntityRef, RecordWarning, RemovalCause, SyncRecord } from './domain/records.js';
export { ENTITIES } from './domain/records.js';
export { validateRecord } from './domain/validate.js';
export type { Clock } from './engine/clock.js';
export type { BreakerSettings, ConcurrencyOption } from './engine/flow.js';
export type { FieldChange, PreviewCounts, PreviewOptions, PreviewRecord, SyncPreview } from './engine/preview.js';
export type {
  CountName,
  EntityCounts,
  ReconciliationStats,
  RecordFailure,
  RecordWarningEntry,
  RemovalEntry,
  RemovalOutcome,
  RunSummary,
} from './engine/summary.js';
export { formatSummary } from './engine/summary.js';
export type { HoldOptions, RemovalAction, RetryOptions, RunOptions, SyncEngineOptions, SyncProgress } from './engine/sync-engine.js';
export { SyncEngine } from './engine/sync-engine.js';
export type {
  AnyMegaCrmError,
  ErrorCode,
  ErrorDetails,
  ErrorDetailsByCode,
  FixText,
  MegaCrmErrorOptions,
  OpenErrorDetails,
  ValidationIssue,
} from './errors.js';
export {
  AlreadyRunningError,
  ConfigurationError,
  CrmFaultError,
  DependencyMissingError,
  DuplicateDocumentError,
  driverMissing,
  MegaCrmError,
  megaUnreachable,
  ProtocolError,
  RunAbortedError,
  RunLockLostError,
  StoreBusyError,
  TransportError,
  ValidationError,
} from './errors.js';
export type { Logger } from './logger.js';
export { redactingLogger, silentLogger } from './logger.js';
export type {
  CapturedItem,
  CaptureInput,
  CaptureOutcome,
  ChangeBatch,
  ChangeSource,
  ClaimRequest,
  CrmSink,
  DeliveredRecord,
  DeliveryReceipt,
  FailureInfo,
  HoldSettlement,
  LoggedRunSummary,
  OutboxItem,
  ParkedFilter,
  ParkedRecord,
  QueueCounts,
  RemovalReceipt,
  RunLockHolder,
  RunRecord,
  SourceWarning,
  StagedRecord,
  StrandedHold,
  SyncStore,
} from './ports.js';
export type { Runnable, ScheduleController, SchedulePolicy } from './schedule.js';
export { DAILY_MINIMUM_MS, daily, online, runOnSchedule } from './schedule.js';
