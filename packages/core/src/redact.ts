/**
 * LGPD redaction for anything that reaches a log, an error or a run report: CPF/CNPJ, e-mails,
 * phones and secrets are masked. Structured values are redacted by key name; free text by pattern.
 */
import { maskDocument } from './domain/documents.js';

const SECRET_KEYS = /pass(word)?|senha|secret|token|authorization|api[-_]?key/i;
const DOCUMENT_KEYS = /cpf|cnpj|cgc|document|documento/i;
const EMAIL_KEYS = /e-?mail/i;
const PHONE_KEYS = /phone|telefone|fone|celular/i;

const CNPJ_TEXT = /\b\d{2}\.?\d{3}\.?\d{3}\/?\d{4}-?\d{2}\b/g;
const CPF_TEXT = /\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b/g;
const EMAIL_TEXT = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const PHONE_TEXT = /\(?\b\d{2}\)?\s?9?\d{4}-?\d{4}\b/g;

export function maskEmail(value: string): string {
  const at = value.indexOf('@');
  if (at < 1) return '***';
  return `${value[0]}***@${value.slice(at + 1)}`;
}

export function maskPhone(value: string): string {
  const digits = value.replace(/\D+/g, '');
  return digits.length > 2 ? `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}` : '**';
}

/** Masks CPF/CNPJ, e-mail and phone patterns inside free text (CRM messages, exception texts). */
export function maskPii(text: string): string {
  return text.replace(EMAIL_TEXT, maskEmail).replace(CNPJ_TEXT, maskDocument).replace(CPF_TEXT, maskDocument).replace(PHONE_TEXT, maskPhone);
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
    if (SECRET_KEYS.test(key)) out[key] = item == null ? item : '[redacted]';
    else if (typeof item === 'string' && DOCUMENT_KEYS.test(key)) out[key] = maskDocument(item);
    else if (typeof item === 'string' && EMAIL_KEYS.test(key)) out[key] = maskEmail(item);
    else if (typeof item === 'string' && PHONE_KEYS.test(key)) out[key] = maskPhone(item);
    else out[key] = redact(item, depth + 1);
  }
  return out;
}
