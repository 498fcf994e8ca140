// `@mega-crm/crm-client/profile`: the reconstructed contract of WebServicesMultidados, without the
// SOAP runtime, so the sandbox and tools can share it.

export { readSoapBody, SOAP_XML_PARSER_OPTIONS } from '../soap/xml.js';
export { clientParams, closeOccurrenceParams, contractParams, narrativeParams, occurrenceParams, spouseParams } from './params.js';
export { prospectParams } from './presales-params.js';
export type { OperationKey } from './profile.js';
export { AUTH_PARTS, LABELS, MESSAGE_PATTERNS, OPERATIONS, PRESALES_LABELS, RESULT_FIELDS, RESULT_OK, SERVICE_DEFAULTS, STRUCTS } from './profile.js';
export type { OperationDef, ParamType, ParamValue, ParamValues, StructDef, XsdScalar } from './types.js';
export { xsdTypeOf } from './types.js';
export type { WsdlSite } from './wsdl.js';
export { nusoapNamespace, renderWsdl, wsdlTypeOf } from './wsdl.js';
