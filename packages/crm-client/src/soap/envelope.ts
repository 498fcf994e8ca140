import { AUTH_PARTS } from '../profile/profile.js';
import type { CrmProfile, ProfileOperation } from '../profile/runtime.js';
import type { ParamType, ParamValue, ParamValues } from '../profile/types.js';
import { xsdTypeOf } from '../profile/types.js';

const XML_SPECIAL = /[&<>"']/;
const XML_SPECIAL_ALL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return XML_SPECIAL.test(value) ? value.replace(XML_SPECIAL_ALL, (c) => ENTITY[c] as string) : value;
}

// Control characters other than tab/CR/LF are not allowed in XML 1.0 and would make the CRM's parser fail.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

// A raw CR would reach the CRM as LF (XML parsers normalise line ends, NuSOAP's included): sent as &#13;.
function text(value: string): string {
  const escaped = escapeXml(value.replace(XML_INVALID, ''));
  return escaped.includes('\r') ? escaped.replaceAll('\r', '&#13;') : escaped;
}

export type EnvelopeBuilder = (auth: readonly string[], values: ParamValues) => string;

/**
 * Compiles an rpc/encoded request envelope for one operation of the profile in effect: every part
 * under its live name, typed with xsi:type (NuSOAP reads the types), arrays as SOAP-ENC:Array, values
 * (keyed by the default names) escaped; with `order` (the WSDL's part names), parts go in that order,
 * since NuSOAP hands them to the service by position. The fixed parts are concatenated once, so a call
 * costs string joins only.
 */
export function compileEnvelope(op: ProfileOperation, namespace: string, profile: CrmProfile, order?: readonly string[]): EnvelopeBuilder {
  const head =
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" ' +
    `xmlns:tns="${escapeXml(namespace)}" soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
    `<soap:Body><tns:${op.name}>`;
  const tail = `</tns:${op.name}></soap:Body></soap:Envelope>`;
  // Authentication parts take the i-th credential; the others their value by default name.
  const writers = op.input.map(({ name, source, type }, i): { name: string; write: (auth: readonly string[], values: ParamValues) => string } => {
    if (i < AUTH_PARTS.length) {
      const open = `<${name} xsi:type="xsd:string">`;
      const close = `</${name}>`;
      return { name, write: (auth) => `${open}${text(auth[i] ?? '')}${close}` };
    }
    const part = compilePart(name, type, profile);
    return { name, write: (_auth, values) => part(values[source]) };
  });
  if (order) {
    const position = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
    writers.sort((a, b) => position(a.name) - position(b.name));
  }
  return (auth, values) => {
    let xml = head;
    for (const writer of writers) xml += writer.write(auth, values);
    return xml + tail;
  };
}

type PartWriter = (value: ParamValue | undefined) => string;

function compilePart(name: string, type: ParamType, profile: CrmProfile): PartWriter {
  let writer: (value: ParamValue | undefined) => string;
  if (typeof type === 'string') {
    const open = `<${name} xsi:type="${xsdTypeOf(type)}">`;
    const close = `</${name}>`;
    // An empty xsd:decimal/int/date/boolean is read by NuSOAP as 0 (or today, or false): sent as nil.
    const nil = type === 'string' ? undefined : `<${name} xsi:type="${xsdTypeOf(type)}" xsi:nil="true"/>`;
    writer = (value) => {
      const scalar = typeof value === 'string' ? value : '';
      return nil && scalar === '' ? nil : `${open}${text(scalar)}${close}`;
    };
  } else if ('arrayOf' in type) {
    const item = structWriter('item', type.arrayOf, profile);
    writer = (value) => {
      const list = Array.isArray(value) ? value : [];
      return `<${name} xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:${type.arrayOf}[${list.length}]">${list.map(item).join('')}</${name}>`;
    };
  } else {
    const struct = structWriter(name, type.struct, profile);
    writer = (value) => struct(value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {});
  }
  return writer;
}

function structWriter(element: string, structName: string, profile: CrmProfile): (value: Readonly<Record<string, string>>) => string {
  const def = profile.structs.find((s) => s.name === structName);
  if (!def) throw new TypeError(`Profile error: struct ${structName} is not defined`);
  const fields = def.fields.map(({ name: field, source, type }) => {
    if (typeof type !== 'string') throw new TypeError(`Profile error: nested arrays in request structs are not supported (${structName}.${field})`);
    return [source, `<${field} xsi:type="${xsdTypeOf(type)}">`, `</${field}>`, type !== 'string'] as const;
  });
  // Struct fields are an xsd:all (any order, each optional): an empty typed field is left out.
  return (value) => {
    let xml = `<${element} xsi:type="tns:${structName}">`;
    for (const [field, open, close, typed] of fields) {
      const scalar = value[field] ?? '';
      if (!(typed && scalar === '')) xml += `${open}${text(scalar)}${close}`;
    }
    return `${xml}</${element}>`;
  };
}
