export type { VimobCallContext } from './errors.js';
export type { VimobGateway } from './gateway.js';
export type { HttpVimobGatewayOptions, ResolvedHttpVimobGatewayOptions } from './http-gateway.js';
export { HttpVimobGateway, HttpVimobGatewayOptionsSchema, resolveHttpVimobGatewayOptions } from './http-gateway.js';
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
export type { GateDecision, ProspectOrigin, StatusChange, VimobEvent, VimobProposal, VimobProspect } from './types.js';
