/**
 * Encoding policy for text the CRM's charset cannot hold (a NuSOAP CRM answers in ISO-8859-1 and
 * would store anything else as garbage). Applied once, when a record is read from Mega, so the content
 * hash and the warnings are computed on what the CRM will actually receive:
 * - `'transliterate'` (default): each character outside the charset becomes its closest Latin-1 text
 *   (“smart quotes” → "quotes", – → -, … → ..., € → EUR, Ł → L, accents decomposed and kept where
 *   Latin-1 has them), or `?` when there is none; each changed field is a counted warning;
 * - `'error'`: the record is refused with TEXT_NOT_IN_CHARSET naming the fields.
 * Never silent loss. With `charset: 'UTF-8'` every text passes unchanged.
 */
import { MegaCrmError } from '../errors.js';
import type { EntityRef, RecordWarning } from './records.js';

export const CRM_CHARSETS = ['ISO-8859-1', 'UTF-8'] as const;
export type CrmCharset = (typeof CRM_CHARSETS)[number];

export interface CharsetPolicy {
  readonly charset: CrmCharset;
  readonly onUnrepresentable: 'transliterate' | 'error';
}

export const DEFAULT_CHARSET_POLICY: CharsetPolicy = { charset: 'ISO-8859-1', onUnrepresentable: 'transliterate' };

const CLOSEST: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '*',
  '\u20AC': 'EUR',
  '\u2122': 'TM',
  '\u0152': 'OE',
  '\u0153': 'oe',
  '\u0141': 'L',
  '\u0142': 'l',
  '\u0110': 'D',
  '\u0111': 'd',
  '\u0131': 'i',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u200B': '',
  '\uFEFF': '',
};

const fits = (ch: string): boolean => (ch.codePointAt(0) ?? 0) <= 0xff;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range starts at U+0000 on purpose.
const OUTSIDE_LATIN1 = /[^\u0000-\u00ff]/;

/** The text as the charset can hold it, and whether anything changed. */
export function fitText(text: string, charset: CrmCharset): { value: string; changed: boolean } {
  if (charset === 'UTF-8' || !OUTSIDE_LATIN1.test(text)) return { value: text, changed: false };
  let out = '';
  for (const ch of text) {
    if (fits(ch)) out += ch;
    else if (ch in CLOSEST) out += CLOSEST[ch];
    else {
      // Decompose (ǎ → a + ˇ), keep what Latin-1 holds, drop the marks it cannot (combining U+0300–036F).
      const base = [...ch.normalize('NFKD')].filter((c) => !/[\u0300-\u036f]/.test(c));
      const latin = base.length > 0 && base.every(fits) ? base.join('').normalize('NFC') : '?';
      out += [...latin].every(fits) ? latin : '?';
    }
  }
  return { value: out, changed: true };
}

function hasTextOutsideLatin1(value: unknown): boolean {
  if (typeof value === 'string') return OUTSIDE_LATIN1.test(value);
  if (Array.isArray(value)) return value.some(hasTextOutsideLatin1);
  if (value && typeof value === 'object') return Object.values(value).some(hasTextOutsideLatin1);
  return false;
}

/**
 * Every string of a record payload fitted to the charset: the record with a warning per changed field
 * (`transliterate`), or a TEXT_NOT_IN_CHARSET error naming the fields (`error`).
 */
export function fitRecordText<T>(
  payload: T,
  policy: CharsetPolicy,
  ref: EntityRef,
): { ok: true; value: T; warnings: RecordWarning[] } | { ok: false; error: MegaCrmError } {
  // Nearly every record fits as it is: a scan that allocates nothing says so, before any copy is made.
  if (policy.charset === 'UTF-8' || !hasTextOutsideLatin1(payload)) return { ok: true, value: payload, warnings: [] };
  const changed: string[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const fitted = fitText(value, policy.charset);
      if (fitted.changed) changed.push(path);
      return fitted.value;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, path ? `${path}.${i}` : String(i)));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, path ? `${path}.${k}` : k)]));
    return value;
  };
  const value = walk(payload, '') as T;
  if (changed.length === 0) return { ok: true, value: payload, warnings: [] };
  if (policy.onUnrepresentable === 'error') {
    return {
      ok: false,
      error: new MegaCrmError(`${ref.entity} ${ref.key} has text the CRM's ${policy.charset} cannot hold, in: ${changed.join(', ')}`, {
        code: 'TEXT_NOT_IN_CHARSET',
        details: { entity: ref.entity, key: ref.key, fields: changed, charset: policy.charset },
        fix: {
          en: `Correct those fields in Mega, or set the source's charset policy to onUnrepresentable: 'transliterate' (closest ${policy.charset} text, counted as a warning).`,
          pt: `Corrija esses campos no Mega, ou configure a política de charset da origem com onUnrepresentable: 'transliterate' (texto ${policy.charset} mais próximo, contado como aviso).`,
        },
      }),
    };
  }
  return {
    ok: true,
    value,
    warnings: changed.map((field) => ({ field, code: 'TEXT_TRANSLITERATED', message: `characters outside ${policy.charset} replaced by their closest text` })),
  };
}
