import { NotSoapError, readSoapBody } from './xml.js';

export { assertNoDtd, NotSoapError, UnsafeXmlError } from './xml.js';

export type ParsedResponse =
  | { readonly kind: 'fault'; readonly faultcode: string; readonly faultstring: string }
  | { readonly kind: 'result'; readonly element: string; readonly value: unknown };

/** Parses a SOAP 1.1 response: a Fault, or the first element of the Body (the operation's response). */
export function parseSoapResponse(xml: string): ParsedResponse {
  const body = readSoapBody(xml);
  const fault = body.Fault as Record<string, unknown> | undefined;
  if (fault && typeof fault === 'object') {
    return { kind: 'fault', faultcode: textOf(fault.faultcode), faultstring: textOf(fault.faultstring) };
  }
  const [element, value] = Object.entries(body)[0] ?? [];
  if (!element) throw new NotSoapError('empty SOAP Body');
  return { kind: 'result', element, value };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);
}
