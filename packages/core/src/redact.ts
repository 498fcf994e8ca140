/**
 * LGPD redaction for anything that reaches a log, an error or a run report: CPF/CNPJ, e-mails,
 * phones and secrets are masked. Structured values are redacted by key name; free text by pattern.
 */
import { maskDocument } from './domain/documents.js';

const SECRET_KEYS = /pass(word)?|senha|secret|token|authorization|api[-_]?key/i;
const DOCUMENT_KEYS = /cpf|cnpj|cgc|document|documento/i;
const EMAIL_KEYS = /e-?mail/i;
const PHONE_KEYS = /phone|telefone|fone|celular/i;

// Every pattern is linear: the digit pattern has a bounded length and starts only where no digit
// precedes; the e-mail pattern starts only at the first character of a run (the lookbehind), so no
// run is scanned twice. `(?<!\d)` rather than `\b`, so digits glued to text (`ID_52998224725`) match.
// One pass for every digit form. Alternatives, tried in order: CNPJ, CPF, phone (landlines and mobiles,
// with or without +55, area code bare or in parentheses, separators: 3456-7890, 98765432,
// (11) 98765-4321, 11 98765 4321, +55 11 98765-4321, 5511987654321).
const DIGITS_TEXT =
  /(?<!\d)(?:(\d{2}\.?\d{3}\.?\d{3}\/?\d{4}-?\d{2})|(\d{3}\.?\d{3}\.?\d{3}-?\d{2})|(?:\+?55[\s.-]?)?(?:\(\d{2}\)\s?|\d{2}[\s.-]?)?9?\d{4}[\s.-]?\d{4})(?!\d)/g;
const EMAIL_TEXT = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const REDACTED = '[redacted]';

// Known secrets (passwords, tokens, key material) are scrubbed by value from every text this module
// masks. The registry is process-wide on purpose: the engine's logger and errors built anywhere must
// scrub values they never see; whoever holds a secret registers it and unregisters it when done.
const secrets = new Map<string, number>();
const MIN_SECRET_LENGTH = 4;

/**
 * Scrubs `value` (and its XML-escaped and URL-encoded forms) from everything masked by this module
 * from now on. Values shorter than 4 characters are ignored. Returns the function that unregisters it.
 */
export function registerSecret(value: string | Buffer): () => void {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  const forms = new Set([text, escapeXmlText(text), encodeURIComponent(text)]);
  // PEM key material: each base64 line too, so a partial echo is caught.
  for (const line of text.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) forms.add(line.trim());
  const added = [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
  for (const form of added) secrets.set(form, (secrets.get(form) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const form of added) {
      const count = (secrets.get(form) ?? 1) - 1;
      if (count <= 0) secrets.delete(form);
      else secrets.set(form, count);
    }
  };
}

/** Replaces every registered secret in `text` by `[redacted]` (longest first, so no fragment survives). */
export function scrubSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const secret of [...secrets.keys()].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

function escapeXmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`);
}

export function maskEmail(value: string): string {
  const at = value.indexOf('@');
  if (at < 1) return '***';
  return `${value[0]}***@${value.slice(at + 1)}`;
}

export function maskPhone(value: string): string {
  const digits = value.replace(/\D+/g, '');
  return digits.length > 2 ? `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}` : '**';
}

/** Masks known secrets, CPF/CNPJ, e-mail and phone patterns inside free text (CRM messages, exception texts). */
export function maskPii(text: string): string {
  return scrubSecrets(text)
    .replace(EMAIL_TEXT, maskEmail)
    .replace(DIGITS_TEXT, (match, cnpj: string | undefined, cpf: string | undefined) => (cnpj || cpf ? maskDocument(match) : maskPhone(match)));
}

/** Deep copy of `value` with sensitive fields masked; safe to hand to a logger. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return maskPii(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: maskPii(value.message) };
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEYS.test(key)) out[key] = item == null ? item : REDACTED;
    else if (typeof item === 'string' && DOCUMENT_KEYS.test(key)) out[key] = maskDocument(item);
    else if (typeof item === 'string' && EMAIL_KEYS.test(key)) out[key] = maskEmail(item);
    else if (typeof item === 'string' && PHONE_KEYS.test(key)) out[key] = maskPhone(item);
    else out[key] = redact(item, depth + 1);
  }
  return out;
}
