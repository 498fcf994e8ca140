/**
 * Differential corpus: the SOAP reader (subset reader, else saxes + fast-xml-parser) against saxes, a
 * conforming XML 1.0 parser. On every document it must agree on every leaf text, or refuse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { readSimpleXml, readSoapBody } from '../src/soap/xml.js';
import { decodeBody } from '../src/transport.js';
import { envelopesDir } from './contract/paths.js';

type Leaves = Array<[path: string, text: string]>;

/** Leaf texts by path (local names), as a conforming parser reads them; undefined when not well-formed. */
function reference(xml: string): Leaves | undefined {
  const parser = new SaxesParser({ xmlns: false });
  const leaves: Leaves = [];
  const stack: Array<{ name: string; text: string; children: number }> = [];
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children++;
    stack.push({ name: tag.name.replace(/^.*:/, ''), text: '', children: 0 });
  });
  const addText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const path = stack.map((f) => f.name).join('/');
    const frame = stack.pop();
    if (frame && frame.children === 0) leaves.push([path, frame.text]);
  });
  parser.write(xml).close();
  return failed ? undefined : leaves;
}

/** The same leaves from what readSoapBody returns (under Envelope/Body). */
function ours(xml: string): Leaves {
  const leaves: Leaves = [];
  const walk = (path: string, value: unknown): void => {
    if (typeof value === 'string') leaves.push([path, value]);
    else if (Array.isArray(value)) for (const item of value) walk(path, item);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === '#text' && typeof child === 'string' && child.trim() === '') continue;
        walk(`${path}/${key}`, child);
      }
    }
  };
  walk('Envelope/Body', readSoapBody(xml));
  return leaves;
}

const NS = 'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const doc = (message: string, options: { before?: string; after?: string; attrs?: string; decl?: string } = {}) =>
  `${options.decl ?? '<?xml version="1.0" encoding="UTF-8"?>'}${options.before ?? ''}<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Body><ns1:XResponse xmlns:ns1="urn:x"><return${options.attrs ?? ''}><status xsi:type="xsd:string">OK</status><mensagem xsi:type="xsd:string">${message}</mensagem></return></ns1:XResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>${options.after ?? ''}`;

/** Every case of the item 7, and their neighbours. */
const CORPUS: Record<string, string> = {
  plain: doc('CLIENTE INCLUIDO'),
  accents: doc('João Conceição Ângela'),
  'CR LF in text': doc('linha 1\r\nlinha 2'),
  'lone CR in text': doc('linha 1\rlinha 2'),
  'CR LF twice': doc('a\r\n\r\nb'),
  'CR as a reference': doc('linha 1&#13;&#10;linha 2'),
  'CR reference then raw LF': doc('a&#13;\nb'),
  'tab and LF': doc('a\tb\nc'),
  'predefined entities': doc('A &amp; B &lt;C&gt; &quot;d&quot; &apos;e&apos;'),
  'decimal and hex references': doc('&#233;&#xE7;&#x1F600;'),
  'reference to NUL': doc('a&#0;b'),
  'reference to a control character': doc('a&#1;b'),
  'reference to a lone high surrogate': doc('a&#xD800;b'),
  'reference to a lone low surrogate': doc('a&#xDC00;b'),
  'references to a surrogate pair': doc('&#xD83D;&#xDE00;'),
  'reference to U+FFFE': doc('a&#xFFFE;b'),
  'reference above U+10FFFF': doc('a&#x110000;b'),
  'empty reference': doc('a&#;b'),
  'reference with bad digits': doc('a&#x12G;b'),
  'HTML entity nbsp': doc('a&nbsp;b'),
  'HTML entity copy': doc('&copy; 2026'),
  'HTML entity eacute': doc('Jos&eacute;'),
  'bare ampersand': doc('A & B'),
  'ampersand at the end': doc('A &'),
  'entity without semicolon': doc('A &amp B'),
  'raw NUL character': doc('a\u0000b'),
  'raw control character': doc('a\u0001b'),
  'raw U+FFFE': doc('a\uFFFEb'),
  'raw lone surrogate': doc('a\uD800b'),
  'raw astral character': doc('emoji 😀'),
  'greater-than in text': doc('a > b'),
  ']]> in text': doc('a ]]> b'),
  'CDATA section': doc('<![CDATA[a & b < c]]>'),
  'CDATA with CR LF': doc('<![CDATA[a\r\nb]]>'),
  'comment inside text': doc('a<!-- x -->b'),
  'processing instruction inside': doc('a<?php echo 1; ?>b'),
  'junk after the root': doc('ok', { after: '<b>Notice</b>' }),
  'text after the root': doc('ok', { after: 'trailing text' }),
  'whitespace after the root': doc('ok', { after: '\n\n' }),
  'comment after the root': doc('ok', { after: '<!-- generated -->' }),
  'two roots': doc('ok', { after: doc('again', { decl: '' }) }),
  'PHP warning before': doc('ok', { decl: '', before: '<br />\n<b>Warning</b>: x in <b>y.php</b><br />\n' }),
  'text before the root': doc('ok', { decl: '', before: 'Notice: x\n' }),
  'whitespace before the declaration': ` ${doc('ok')}`,
  'newline before the declaration': `\n${doc('ok')}`,
  'declaration in the middle': doc('ok', { decl: '', before: '<?xml version="1.0"?>' }),
  'no declaration': doc('ok', { decl: '' }),
  'single-quoted declaration': doc('ok', { decl: "<?xml version='1.0' encoding='ISO-8859-1'?>" }),
  'repeated attribute': doc('ok', { attrs: ' a="1" a="2"' }),
  'ampersand in an attribute': doc('ok', { attrs: ' a="x & y"' }),
  'entity in an attribute': doc('ok', { attrs: ' a="x &amp; y"' }),
  'less-than in an attribute': doc('ok', { attrs: ' a="x < y"' }),
  'greater-than in an attribute': doc('ok', { attrs: ' a="x > y"' }),
  'unquoted attribute': doc('ok', { attrs: ' a=1' }),
  'attribute without value': doc('ok', { attrs: ' a' }),
  'mismatched tags': doc('ok').replace('</mensagem>', '</message>'),
  'unclosed root': doc('ok').replace('</SOAP-ENV:Envelope>', ''),
  'truncated in a tag': doc('ok').slice(0, -10),
  'empty element': doc(''),
  'self-closing leaf': doc('x').replace('<mensagem xsi:type="xsd:string">x</mensagem>', '<mensagem/>'),
  'whitespace between elements': doc('ok').replaceAll('><', '>\n  <'),
  'CR LF between elements': doc('ok').replaceAll('><', '>\r\n<'),
  'deep nesting': doc(`${'<a>'.repeat(20)}x${'</a>'.repeat(20)}`),
  'element with a non-ASCII name': doc('<descrição>x</descrição>'),
  'name starting with a digit': doc('<1a>x</1a>'),
  'space after the tag name': doc('ok').replace('<status xsi', '<status  xsi'),
  'space in the end tag': doc('ok').replace('</status>', '</status >'),
  'space before the tag name': doc('ok').replace('<status', '< status'),
};

for (const file of readdirSync(envelopesDir).filter((f) => f.endsWith('.xml'))) {
  CORPUS[`recorded ${file}`] = decodeBody(readFileSync(`${envelopesDir}/${file}`), 'text/xml; charset=ISO-8859-1');
}

describe('XML reading: differential corpus against a conforming parser', () => {
  it('has at least 100 documents, well-formed and not', () => {
    const entries = Object.values(CORPUS);
    expect(entries.length).toBeGreaterThanOrEqual(100);
    expect(entries.filter((xml) => reference(xml) === undefined).length).toBeGreaterThan(25);
  });

  it.each(Object.entries(CORPUS))('%s: same leaves as saxes, or refused', (_name, xml) => {
    const expected = reference(xml);
    let actual: Leaves | Error;
    try {
      actual = ours(xml);
    } catch (error) {
      actual = error as Error;
    }
    if (expected === undefined) expect(actual, 'a document saxes refuses must be refused').toBeInstanceOf(Error);
    else if (!(actual instanceof Error)) expect(actual).toEqual(expected);
  });

  it('reads (does not refuse) the well-formed documents this dialect sends, CR LF and references included', () => {
    for (const name of ['plain', 'accents', 'CR LF in text', 'lone CR in text', 'CR as a reference', 'predefined entities', 'decimal and hex references']) {
      expect(() => ours(CORPUS[name] as string), name).not.toThrow();
    }
    expect(ours(CORPUS['CR LF in text'] as string)).toContainEqual(['Envelope/Body/XResponse/return/mensagem', 'linha 1\nlinha 2']);
    expect(ours(CORPUS['CR as a reference'] as string)).toContainEqual(['Envelope/Body/XResponse/return/mensagem', 'linha 1\r\nlinha 2']);
  });

  it('the fast subset reader takes the recorded envelopes and leaves every odd document to the conforming path', () => {
    for (const [name, xml] of Object.entries(CORPUS)) {
      if (name.startsWith('recorded ')) expect(readSimpleXml(xml), name).toBeDefined();
      if (reference(xml) === undefined) expect(readSimpleXml(xml), name).toBeUndefined();
    }
  });
});
