/**
 * Normalisation policy for contact data as real databases hold it (DESIGN.md §1; issue #12):
 * - keep every valid value and drop each invalid one with a RecordWarning naming the field, so one
 *   bad e-mail or phone never holds back the client (nor its contracts);
 * - one phone format for the CRM: **DDD + number, digits only, no country code** — 10 digits for a
 *   landline (`1132221111`), 11 for a mobile (`11987654321`). A country code (`55…`, `+55…`,
 *   `0055…`) and a trunk zero (`011…`) are removed; a number that already carries its DDD keeps it
 *   even when the DDD column is filled too (never `1111…`); a bare 8/9-digit number takes the DDD
 *   column; anything else is dropped with a warning;
 * - CPF/CNPJ are left-padded with zeros to 11/14 digits before their check digits are validated:
 *   a numeric column (NUMBER in Oracle) loses the leading zeros of about one CPF in ten.
 * Warnings never carry the value itself (it may be PII): only the field, a code and a reason.
 */
import { z } from 'zod';
import { onlyDigits } from './documents.js';
import type { RecordWarning } from './records.js';

/** DDD (two digits, no zero) + 8-digit landline (starting 2–8) or 9-digit mobile (starting 9). */
export const PHONE_PATTERN = /^[1-9]{2}(?:9\d{8}|[2-8]\d{7})$/;
export const PHONE_FORMAT = 'DDD + number, digits only, no country code (10 or 11 digits)';

const emailSchema = z.email();

export interface Normalized<T> {
  readonly value: T;
  readonly warnings: readonly RecordWarning[];
}

/**
 * E-mails from one or more Mega text fields (each may hold a list separated by `;`, `,` or spaces):
 * lower-cased, de-duplicated, invalid ones dropped with a warning naming the source field.
 */
export function normalizeEmails(sources: ReadonlyArray<readonly [field: string, value: string | null | undefined]>, max = 10): Normalized<string[]> {
  const out: string[] = [];
  const warnings: RecordWarning[] = [];
  for (const [field, value] of sources) {
    let invalid = 0;
    let over = 0;
    for (const raw of (value ?? '').split(/[;,\s]+/)) {
      const email = raw.trim().toLowerCase();
      if (!email || out.includes(email)) continue;
      if (!emailSchema.safeParse(email).success) invalid++;
      else if (out.length >= max) over++;
      else out.push(email);
    }
    // One warning per field, however many pieces of it were unusable.
    if (invalid > 0)
      warnings.push({ field: `emails (${field})`, code: 'EMAIL_INVALID', message: `${invalid} text(s) that are not a valid e-mail address: left out` });
    if (over > 0) warnings.push({ field: `emails (${field})`, code: 'EMAIL_OVER_LIMIT', message: `${over} e-mail(s) over the limit of ${max}: left out` });
  }
  return { value: out, warnings };
}

/** One phone in the CRM's format, or the reason it cannot be. */
export function normalizePhone(
  areaCode: string | null | undefined,
  number: string | null | undefined,
): { ok: true; value: string } | { ok: false; code: string; message: string } {
  let digits = onlyDigits(number ?? '');
  const ddd = onlyDigits(areaCode ?? '').replace(/^0+/, '');
  if (digits.startsWith('00')) digits = digits.replace(/^00/, '');
  if ((digits.length === 12 || digits.length === 13) && digits.startsWith('55')) digits = digits.slice(2);
  if ((digits.length === 11 || digits.length === 12) && digits.startsWith('0')) digits = digits.slice(1);
  let phone: string;
  if (digits.length === 10 || digits.length === 11) phone = digits;
  else if (digits.length === 8 || digits.length === 9) {
    if (ddd.length !== 2) return { ok: false, code: 'PHONE_NO_AREA_CODE', message: 'number without a valid DDD: left out' };
    phone = `${ddd}${digits}`;
  } else return { ok: false, code: 'PHONE_INVALID', message: `not a phone number (${PHONE_FORMAT}): left out` };
  return PHONE_PATTERN.test(phone)
    ? { ok: true, value: phone }
    : { ok: false, code: 'PHONE_INVALID', message: `not a phone number (${PHONE_FORMAT}): left out` };
}

/** Phones in the CRM's format, de-duplicated; invalid ones dropped with a warning naming their position. */
export function normalizePhones(
  rows: ReadonlyArray<readonly [areaCode: string | null | undefined, number: string | null | undefined]>,
  max = 10,
): Normalized<string[]> {
  const out: string[] = [];
  const warnings: RecordWarning[] = [];
  rows.forEach(([ddd, number], i) => {
    if (!onlyDigits(number ?? '')) return;
    const phone = normalizePhone(ddd, number);
    if (!phone.ok) warnings.push({ field: `phones.${i}`, code: phone.code, message: phone.message });
    else if (out.includes(phone.value)) return;
    else if (out.length >= max) warnings.push({ field: `phones.${i}`, code: 'PHONE_OVER_LIMIT', message: `more than ${max} phones: left out` });
    else out.push(phone.value);
  });
  return { value: out, warnings };
}

/**
 * A CPF (`'F'`, 11 digits) or CNPJ (`'J'`, 14 digits) as digits, left-padded with zeros: numeric
 * columns drop leading zeros (`1234567890` is CPF `01234567890`). Check digits are validated later.
 */
export function padDocument(value: unknown, personType: 'F' | 'J' | string | undefined): string {
  if (value == null) return '';
  let text = typeof value === 'number' ? Math.trunc(value).toFixed(0) : String(value).trim();
  if (/^\d+[.,]0*$/.test(text)) text = text.replace(/[.,]0*$/, ''); // NUMBER rendered as text with decimals
  const digits = onlyDigits(text);
  const length = personType === 'J' ? 14 : 11;
  return digits.length > 0 && digits.length < length ? digits.padStart(length, '0') : digits;
}
