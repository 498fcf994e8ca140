import type { MegaCrmError } from '@mega-crm/core';
import { maskPii } from '@mega-crm/core/internal';

export interface RequestEvent {
  readonly operation: string;
  readonly url: string;
  /** The envelope with the password and PII masked. */
  readonly body: string;
}

export interface ResponseEvent extends RequestEvent {
  readonly status: number;
  readonly durationMs: number;
  /** The body was not in the charset it declared and was read in the other one (ISO-8859-1 ↔ UTF-8). */
  readonly charsetFallback?: boolean;
}

export interface ErrorEvent {
  readonly operation: string;
  readonly url: string;
  readonly durationMs: number;
  readonly error: MegaCrmError;
}

/** Logging and tracing hooks; bodies are redacted before they reach them. */
export interface CrmClientHooks {
  onRequest?(event: RequestEvent): void;
  onResponse?(event: ResponseEvent): void;
  onError?(event: ErrorEvent): void;
}

/** Masks the password part and any CPF/CNPJ, e-mail or phone in an envelope. */
export function redactEnvelope(xml: string): string {
  return maskPii(xml.replace(/(<(?:\w+:)?senha\b[^>]*>)[^<]*(<\/)/g, '$1[redacted]$2'));
}
