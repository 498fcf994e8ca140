import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseSoapResponse } from '../src/soap/response.js';
import { readSimpleXml, SOAP_XML_PARSER_OPTIONS } from '../src/soap/xml.js';
import { decodeBody } from '../src/transport.js';
import { envelopesDir } from './contract/paths.js';

const library = new XMLParser(SOAP_XML_PARSER_OPTIONS);
const envelopeOf = (doc: unknown) => (doc as { Envelope?: unknown } | undefined)?.Envelope;
const fixtures = readdirSync(envelopesDir).filter((f) => f.endsWith('.xml'));

describe('SOAP message reading', () => {
  it.each(fixtures)('the subset reader and fast-xml-parser agree on %s', (file) => {
    const xml = decodeBody(readFileSync(`${envelopesDir}/${file}`), 'text/xml; charset=ISO-8859-1');
    const simple = readSimpleXml(xml);
    // Every recorded message, requests with SOAP-ENC arrays and faults included, is in the subset.
    expect(simple).toBeDefined();
    expect(envelopeOf(simple)).toEqual(envelopeOf(library.parse(xml)));
  });

  it('decodes entities as the library does and leaves anything outside the subset to it', () => {
    const doc = (fields: string) =>
      `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><ns1:XResponse xmlns:ns1="urn:x"><return>${fields}</return></ns1:XResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const xml = doc('<status>OK</status><mensagem>A &amp; B &lt;C&gt; &#233; &#xE7;</mensagem><id_crm/>');
    expect(parseSoapResponse(xml)).toEqual({
      kind: 'result',
      element: 'XResponse',
      value: { return: { status: 'OK', mensagem: 'A & B <C> é ç', id_crm: '' } },
    });
    expect(parseSoapResponse(xml.replace('<return>', '<!-- x --><return>'))).toEqual(parseSoapResponse(xml));
    for (const odd of [
      doc('<status>OK</status><![CDATA[x]]>'),
      doc('<status>OK</status><!-- note -->'),
      doc('<status>OK</mensagem>'),
      doc('<status>OK</status><status>ERRO</status>'),
      doc('<status>OK<b>mixed</b></status>'),
      `${doc('<status>OK</status>')}<trailing/>`,
      doc('<status>A &bogus; B</status>'),
      doc('<status a="1>2">OK</status'),
      doc('<status>OK</status>').slice(0, -20),
    ])
      expect(readSimpleXml(odd), odd).toBeUndefined();
  });

  it('agrees with the library on generated messages (names, nesting, arrays, nasty text)', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'ns:d', 'e.f', 'g-h');
    const text = fc.string({ unit: fc.constantFrom('a', ' ', 'é', '€', '😀', '&amp;', '&lt;', '&gt;', '&#233;', '&#x1F600;', '"', "'", '>', '\n', '\t') });
    const attrs = fc.constantFrom('', ' xsi:type="xsd:string"', " x='1>2'", ' SOAP-ENC:arrayType="tns:Comprador[2]"');
    const element: fc.Memo<string> = fc.memo((depth) =>
      depth <= 1
        ? fc.oneof(
            fc.tuple(name, attrs, text).map(([n, a, t]) => `<${n}${a}>${t}</${n}>`),
            fc.tuple(name, attrs).map(([n, a]) => `<${n}${a}/>`),
          )
        : fc.oneof(
            fc
              .tuple(name, attrs, fc.uniqueArray(fc.tuple(name, element(depth - 1)), { maxLength: 4, selector: ([n]) => n }))
              .map(
                ([n, a, kids]) =>
                  `<${n}${a}>${kids.map(([k, inner]) => inner.replace(/^<[\w.:-]+/, `<${k}`).replace(/<\/[\w.:-]+>$/, `</${k}>`)).join('')}</${n}>`,
              ),
            fc
              .tuple(name, fc.array(element(depth - 1), { maxLength: 3 }))
              .map(([n, items]) => `<${n}>${items.map((i) => `<item>${i}</item>`).join('')}</${n}>`),
          ),
    );
    let read = 0;
    fc.assert(
      fc.property(element(3), (inner) => {
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="urn:s"><soap:Body><op>${inner}</op></soap:Body></soap:Envelope>`;
        const simple = readSimpleXml(xml);
        if (simple === undefined) return;
        read++;
        expect(envelopeOf(simple)).toEqual(envelopeOf(library.parse(xml)));
      }),
      { numRuns: 2_000 },
    );
    expect(read).toBeGreaterThan(1_000); // the property is about the subset, not about bailing out
  });
});
