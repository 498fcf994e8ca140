import { type X2jOptions, XMLParser } from 'fast-xml-parser';

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

export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
}

export class NotSoapError extends Error {
  override readonly name = 'NotSoapError';
}

/** DTDs can declare entities that expand or reach outside; a SOAP message never needs one (SOAP 1.1 §3). */
export function assertNoDtd(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new UnsafeXmlError('the document declares a DTD or entities; it is refused, not resolved');
}

const parser = new XMLParser(SOAP_XML_PARSER_OPTIONS);

/**
 * The SOAP Body of a message as fast-xml-parser reads it with SOAP_XML_PARSER_OPTIONS (element
 * name without prefix → text, struct, or list of `item`). DTDs are refused; anything that is not a
 * SOAP envelope throws NotSoapError.
 */
export function readSoapBody(xml: string): Record<string, unknown> {
  assertNoDtd(xml);
  const simple = readSimpleXml(xml);
  const doc = simple ?? parseWithLibrary(xml);
  const body = (doc as { Envelope?: { Body?: unknown } } | undefined)?.Envelope?.Body;
  if (!body || typeof body !== 'object') throw new NotSoapError('no SOAP Envelope/Body');
  return body as Record<string, unknown>;
}

function parseWithLibrary(xml: string): unknown {
  try {
    return parser.parse(xml);
  } catch (error) {
    throw new NotSoapError(`not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
}

// Every message of this dialect is elements, attributes and text: no comments, CDATA, mixed content
// (not even whitespace between elements) or repeated names outside SOAP-ENC arrays. fast-xml-parser
// spends 80–270 µs on such a message (measured on the recorded fixtures), which made it the largest
// cost of the sandbox and a large one of the client; this reader does the same work 5–9× faster.
// Anything outside the subset returns undefined and goes to the library; a test checks both agree on
// every recorded envelope and on generated ones.
const PROLOG = /^\s*(?:<\?xml(?:\s[^<>?]*)?\?>\s*)?/y;
const TOKEN = /<(\/?)((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(\/?)>|([^<]+)/y;
const BAD_AMPERSAND = /&(?!(?:#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);)/;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const MAX_DEPTH = 12;

interface Frame {
  readonly qname: string;
  readonly name: string;
  children: Record<string, unknown> | undefined;
  text: string;
}

/** The whole document read as the subset above, or undefined when it steps outside it. */
export function readSimpleXml(xml: string): Record<string, unknown> | undefined {
  PROLOG.lastIndex = 0;
  PROLOG.exec(xml);
  TOKEN.lastIndex = PROLOG.lastIndex;
  const root: Frame = { qname: '', name: '', children: {}, text: '' };
  const stack: Frame[] = [root];
  let closedRoot = false;
  while (TOKEN.lastIndex < xml.length) {
    const token = TOKEN.exec(xml);
    if (!token) return undefined;
    const [, slash, qname, name, selfClosing, text] = token;
    const top = stack[stack.length - 1] as Frame;
    if (text !== undefined) {
      if (top === root || closedRoot) {
        if (text.trim() !== '') return undefined;
        continue;
      }
      if (BAD_AMPERSAND.test(text)) return undefined;
      top.text += text;
      continue;
    }
    if (closedRoot) return undefined;
    if (slash) {
      if (top === root || top.qname !== qname || selfClosing) return undefined;
      stack.pop();
      const parent = stack[stack.length - 1] as Frame;
      if (!attach(parent, top.name, frameValue(top))) return undefined;
      if (parent === root) closedRoot = true;
      continue;
    }
    if (stack.length > MAX_DEPTH) return undefined;
    if (selfClosing) {
      if (!attach(top, name as string, '')) return undefined;
      if (top === root) closedRoot = true;
    } else stack.push({ qname: qname as string, name: name as string, children: undefined, text: '' });
  }
  return closedRoot && stack.length === 1 ? root.children : undefined;
}

function frameValue(frame: Frame): unknown {
  if (!frame.children) return decodeEntities(frame.text);
  // The library keeps even whitespace between child elements (as "#text"); such layouts go to it.
  return frame.text === '' ? frame.children : undefined;
}

/** False where the library would build something else (mixed content, repeated names). */
function attach(parent: Frame, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (parent.children === undefined) {
    if (parent.text !== '') return false;
    parent.children = {};
  }
  const existing = parent.children[name];
  if (name === 'item') {
    if (existing === undefined) parent.children[name] = [value];
    else (existing as unknown[]).push(value);
    return true;
  }
  if (existing !== undefined) return false;
  parent.children[name] = value;
  return true;
}

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name) return NAMED[name] ?? whole;
    const code = hex ? Number.parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
