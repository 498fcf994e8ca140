import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFlatResult, parseSoapResponse } from '../src/soap/response.js';
import { decodeBody } from '../src/transport.js';
import { envelopesDir } from './contract/paths.js';

const responses = readdirSync(envelopesDir).filter((f) => f.endsWith('.response.xml'));

describe('SOAP response parsing', () => {
  it.each(responses)('the fast path and the full parser agree on %s', (file) => {
    const xml = decodeBody(readFileSync(`${envelopesDir}/${file}`), 'text/xml; charset=ISO-8859-1');
    const full = parseSoapResponse(xml.replace('<return', '<!-- force the full parser --><return'));
    const fast = parseFlatResult(xml);
    if (fast) expect(fast).toEqual(full);
    else expect(full.kind === 'fault' || /SOAP-ENC:Array/.test(xml)).toBe(true);
  });

  it('decodes entities the same way on both paths and leaves odd documents to the parser', () => {
    const doc = (fields: string) =>
      `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><ns1:XResponse xmlns:ns1="urn:x"><return>${fields}</return></ns1:XResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const xml = doc('<status>OK</status><mensagem>A &amp; B &lt;C&gt; &#233; &#xE7;</mensagem><id_crm/>');
    expect(parseFlatResult(xml)).toEqual({ kind: 'result', element: 'XResponse', value: { return: { status: 'OK', mensagem: 'A & B <C> é ç', id_crm: '' } } });
    expect(parseSoapResponse(xml.replace('<return>', '<!-- x --><return>'))).toEqual(parseFlatResult(xml));
    expect(parseFlatResult(doc('<status>OK</status><![CDATA[x]]>'))).toBeUndefined();
    expect(parseFlatResult(doc('<status>OK</mensagem>'))).toBeUndefined();
    expect(parseFlatResult(doc('<status>OK</status><status>ERRO</status>'))).toBeUndefined();
    expect(parseFlatResult(`${doc('<status>OK</status>')}<trailing/>`)).toBeUndefined();
    expect(parseFlatResult(doc('<status>A &bogus; B</status>'))).toBeUndefined();
  });
});
