/** NuSOAP-style answers: SOAP-ENV prefixes, unqualified parts typed with xsi:type, SOAP-ENC arrays. */

const ENVELOPE_OPEN =
  '<SOAP-ENV:Envelope SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"';

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export type ResultScalar = string | number | boolean;
export interface ResultArray {
  readonly itemType: string;
  readonly items: ReadonlyArray<Readonly<Record<string, ResultScalar>>>;
}
export type ResultFields = Readonly<Record<string, ResultScalar | ResultArray>>;

function scalar(name: string, value: ResultScalar): string {
  const type = typeof value === 'number' ? 'xsd:int' : typeof value === 'boolean' ? 'xsd:boolean' : 'xsd:string';
  return `<${name} xsi:type="${type}">${escapeXml(String(value))}</${name}>`;
}

function fields(values: ResultFields): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (typeof value !== 'object') return scalar(name, value);
      const items = value.items.map((item) => `<item xsi:type="tns:${value.itemType}">${fields(item)}</item>`).join('');
      return `<${name} xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:${value.itemType}[${value.items.length}]">${items}</${name}>`;
    })
    .join('');
}

export function resultEnvelope(operation: string, namespace: string, typeName: string, values: ResultFields, charset: string, part = 'return'): string {
  return `<?xml version="1.0" encoding="${charset}"?>${ENVELOPE_OPEN} xmlns:tns="${namespace}"><SOAP-ENV:Body><ns1:${operation}Response xmlns:ns1="${namespace}"><${part} xsi:type="tns:${typeName}">${fields(values)}</${part}></ns1:${operation}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

export function faultEnvelope(faultcode: 'SOAP-ENV:Client' | 'SOAP-ENV:Server', faultstring: string, charset: string): string {
  return `<?xml version="1.0" encoding="${charset}"?>${ENVELOPE_OPEN}><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode xsi:type="xsd:string">${faultcode}</faultcode><faultactor xsi:type="xsd:string"></faultactor><faultstring xsi:type="xsd:string">${escapeXml(faultstring)}</faultstring><detail xsi:type="xsd:string"></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}
