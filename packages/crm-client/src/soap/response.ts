import { XMLParser } from 'fast-xml-parser';
import { SOAP_XML_PARSER_OPTIONS } from '../profile/xml.js';

export type ParsedResponse =
  | { readonly kind: 'fault'; readonly faultcode: string; readonly faultstring: string }
  | { readonly kind: 'result'; readonly element: string; readonly value: unknown };

export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
}

export class NotSoapError extends Error {
  override readonly name = 'NotSoapError';
}

const parser = new XMLParser(SOAP_XML_PARSER_OPTIONS);

/** DTDs can declare entities that expand or reach outside; a SOAP message never needs one (SOAP 1.1 §3). */
export function assertNoDtd(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new UnsafeXmlError('the document declares a DTD or entities; it is refused, not resolved');
}

/** Parses a SOAP 1.1 response: a Fault, or the first element of the Body (the operation's response). */
export function parseSoapResponse(xml: string): ParsedResponse {
  assertNoDtd(xml);
  return parseFlatResult(xml) ?? parseWithParser(xml);
}

// The common answer, a flat `return` struct of simple parts, matched whole, start to end. Anything
// else (faults, arrays, comments, CDATA, odd layout) goes to the full parser. This halves the
// client's CPU per call (see bench/client-bench.ts); a test checks both paths agree on every fixture.
const FLAT_DOCUMENT =
  /^\s*(?:<\?xml[^<>]*\?>)?\s*<(?<p>[A-Za-z][\w.-]*:)?Envelope(?:\s[^<>]*)?>\s*<\k<p>Body(?:\s[^<>]*)?>\s*<(?<q>[A-Za-z][\w.-]*:)?(?<op>[A-Za-z_][\w.-]*)(?:\s[^<>]*)?>\s*<return(?:\s[^<>]*)?>(?<fields>(?:\s*<[A-Za-z_][\w.-]*(?:\s[^<>]*)?(?:\/>|>[^<>]*<\/[A-Za-z_][\w.-]*>))*)\s*<\/return>\s*<\/\k<q>\k<op>>\s*<\/\k<p>Body>\s*<\/\k<p>Envelope>\s*$/;
const FLAT_FIELD = /<([A-Za-z_][\w.-]*)(?:\s[^<>]*?)?(?:\/>|>([^<>]*)<\/([A-Za-z_][\w.-]*)>)/g;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name) return NAMED[name] ?? whole;
    const code = hex ? Number.parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

export function parseFlatResult(xml: string): ParsedResponse | undefined {
  const match = FLAT_DOCUMENT.exec(xml);
  const groups = match?.groups;
  if (!groups?.op || groups.fields === undefined || /&(?!(?:#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);)/.test(groups.fields)) return undefined;
  const value: Record<string, string> = {};
  for (const field of groups.fields.matchAll(FLAT_FIELD)) {
    const [, name, text, close] = field;
    if (!name || (close !== undefined && close !== name) || name in value) return undefined;
    value[name.replace(/^[\w.-]*:/, '')] = decodeEntities(text ?? '');
  }
  return { kind: 'result', element: groups.op, value: { return: value } };
}

function parseWithParser(xml: string): ParsedResponse {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (error) {
    throw new NotSoapError(`not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
  const body = (doc as { Envelope?: { Body?: unknown } } | undefined)?.Envelope?.Body;
  if (!body || typeof body !== 'object') throw new NotSoapError('no SOAP Envelope/Body');
  const entries = Object.entries(body as Record<string, unknown>);
  const fault = (body as Record<string, unknown>).Fault as Record<string, unknown> | undefined;
  if (fault && typeof fault === 'object') {
    return { kind: 'fault', faultcode: textOf(fault.faultcode), faultstring: textOf(fault.faultstring) };
  }
  const [element, value] = entries[0] ?? [];
  if (!element) throw new NotSoapError('empty SOAP Body');
  return { kind: 'result', element, value };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);
}
