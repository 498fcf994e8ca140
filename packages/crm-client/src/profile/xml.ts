import type { X2jOptions } from 'fast-xml-parser';

/**
 * How both ends of this SOAP dialect read XML with fast-xml-parser: namespace prefixes dropped,
 * text kept as text, SOAP-encoded arrays (`item`) always lists.
 */
export const SOAP_XML_PARSER_OPTIONS: Partial<X2jOptions> = {
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // fast-xml-parser decodes numeric character references (&#233;) only with this on.
  htmlEntities: true,
  isArray: (name) => name === 'item',
};
