// `@mega-crm/crm-client/profile`: the reconstructed contract of WebServicesMultidados, without the
// SOAP runtime, so the sandbox and tools can share it.

export { readSoapBody, SOAP_XML_PARSER_OPTIONS } from '../soap/xml.js';
export type {
  DifferenceEffect,
  OperationReport,
  PartsReport,
  ProfileDifference,
  ProfileReport,
  StructReport,
  WsdlOperation,
  WsdlPart,
  WsdlProfile,
} from './compare.js';
export { compareProfile, formatProfileReport, profileFromWsdl } from './compare.js';
export { clientParams, closeOccurrenceParams, contractParams, narrativeParams, occurrenceParams, spouseParams } from './params.js';
export { prospectParams } from './presales-params.js';
export type { OperationKey, StructName } from './profile.js';
export {
  AUTH_PARTS,
  LABELS,
  MESSAGE_PATTERNS,
  OPERATIONS,
  PRESALES_LABELS,
  REQUIRED_OPERATIONS,
  RESPONSE_PART,
  RESULT_FIELDS,
  RESULT_OK,
  SERVICE_DEFAULTS,
  STRUCTS,
} from './profile.js';
export type { AuthPart, CrmProfile, CrmProfileOverrides, MessagePatternKey, ParamOverride, ProfileField, ProfileOperation, ProfileStruct } from './runtime.js';
export { CrmProfileOverridesSchema, DEFAULT_PROFILE, renameParams, renameResult, resolveProfile } from './runtime.js';
export type { OperationDef, ParamType, ParamValue, ParamValues, StructDef, XsdScalar } from './types.js';
export { xsdTypeOf } from './types.js';
export type { WsdlSite } from './wsdl.js';
export { nusoapNamespace, renderWsdl, wsdlTypeOf } from './wsdl.js';
