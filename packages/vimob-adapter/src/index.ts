export type { VimobCallContext } from './errors.js';
export type { EventLog, HandledEvent, PgPoolLike, ProposalPosition, SqliteDatabaseLike } from './event-log.js';
export { MemoryEventLog, PostgresEventLog, SqliteEventLog } from './event-log.js';
export type { VimobGateway } from './gateway.js';
export type { HttpVimobGatewayOptions, ResolvedHttpVimobGatewayOptions } from './http-gateway.js';
export { HttpVimobGateway, HttpVimobGatewayOptionsSchema, resolveHttpVimobGatewayOptions } from './http-gateway.js';
export { nodeWebhookListener } from './node.js';
export type { EntryPolicy, EventOutcome, PresalesCrm, PresalesOptions, PushOutcome } from './presales.js';
export { Presales } from './presales.js';
export type { WireError, WireEvent, WireProspect } from './profile.js';
export {
  EVENT_TYPES,
  fromWireEvent,
  fromWireProposal,
  fromWireProspect,
  NATIVE_STATUSES,
  toWireEvent,
  toWireGateDecision,
  toWireProposal,
  toWireProspect,
  VIMOB_ERROR_CODES,
  VIMOB_HEADERS,
  VIMOB_PATHS,
  VIMOB_SIGNATURE,
  WireErrorSchema,
  WireEventSchema,
  WireGateDecisionSchema,
  WireProposalSchema,
  WireProspectSchema,
} from './profile.js';
export type { SignatureProblem } from './signature.js';
export { signWebhook, verifyWebhook } from './signature.js';
export type { StatusRule, StatusRuleInput } from './statuses.js';
export { DEFAULT_STATUS_TABLE, NARRATIVE_FIELDS, StatusRuleSchema, StatusTable } from './statuses.js';
export type { GateDecision, ProspectOrigin, StatusChange, VimobEvent, VimobProposal, VimobProspect } from './types.js';
export type { WebhookHandler, WebhookOptions, WebhookRequest, WebhookResponse } from './webhook.js';
export { createWebhookHandler, WebhookOptionsSchema } from './webhook.js';
