/**
 * One error base for the whole SDK (DESIGN.md §6). Subclasses exist only where a caller acts
 * differently. Every message carries the fix in English and Portuguese and never a password or a
 * CPF/CNPJ/e-mail/phone in clear: callers build messages from masked values (see `redact.ts`).
 */
import { maskPii } from './redact.js';

export interface FixText {
  readonly en: string;
  readonly pt: string;
}

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'WSDL_UNAVAILABLE'
  | 'PROFILE_MISMATCH'
  | 'IP_NOT_ALLOWED'
  | 'AUTH_FAILED'
  | 'CNPJ_INVALID'
  | 'VALIDATION_FAILED'
  | 'SPOUSE_WITHOUT_INTEGRATION_ID'
  | 'DEPENDENCY_MISSING'
  | 'DUPLICATE_CPF'
  | 'SPOUSE_SAME_CPF'
  | 'TEXT_NOT_IN_CHARSET'
  | 'TIMEOUT'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_RESET'
  | 'CRM_FAULT'
  | 'CRM_REJECTED'
  | 'MALFORMED_RESPONSE'
  | 'RESPONSE_TOO_LARGE'
  | 'INSECURE_ENDPOINT'
  | 'ALREADY_RUNNING'
  | 'SOURCE_FAILED'
  | 'MEGA_SCHEMA_MISMATCH'
  | 'STORE_FAILED'
  | 'DEPENDENCY_UNRESOLVED'
  | 'RUN_LOCK_LOST'
  | 'RUN_ABORTED'
  | 'STORE_BUSY'
  | 'DRIVER_MISSING'
  | 'VIMOB_REJECTED'
  | 'ENTRY_LOCKED'
  | 'GATE_DENIED'
  | 'WEBHOOK_SIGNATURE_INVALID'
  | 'WEBHOOK_INVALID'
  // Codes another package declares in MegaCrmErrorCodes (declaration merging).
  | keyof MegaCrmErrorCodes;

/** Where a call went: every CRM/Vimob transport error names the operation and the address. */
type CallDetails = { readonly operation?: string | undefined; readonly url?: string | undefined };

declare global {
  /**
   * Error codes a package adds without touching core, each with its details (a type literal), by
   * declaration merging — one entry: `declare global { interface MegaCrmErrorCodes { MY_CODE: { readonly thing?: string } } }`.
   */
  interface MegaCrmErrorCodes {}
}

/**
 * The `details` each error code carries, known fields typed (all redacted, never PII): after
 * `MegaCrmError.is(e) && e.code === 'IP_NOT_ALLOWED'`, `e.details.ip` is a `string | undefined`.
 * Codes without an entry carry an open record. A core code's details are one entry here; another
 * package's code is one entry in the global `MegaCrmErrorCodes`.
 */
export interface ErrorDetailsByCode extends MegaCrmErrorCodes {
  CONFIG_INVALID: {
    readonly field?: string | undefined;
    readonly module?: string | undefined;
    readonly operation?: string | undefined;
  };
  WSDL_UNAVAILABLE: CallDetails & { readonly status?: number | undefined; readonly errno?: string | undefined };
  IP_NOT_ALLOWED: CallDetails & { readonly ip?: string | undefined; readonly client?: string | undefined; readonly errorNumber?: string | undefined };
  DEPENDENCY_MISSING: CallDetails & { readonly missingKey?: string | undefined };
  TIMEOUT: CallDetails & { readonly timeoutMs?: number | undefined };
  CONNECTION_FAILED: CallDetails & { readonly errno?: string | undefined; readonly status?: number | undefined };
  CONNECTION_RESET: CallDetails & { readonly errno?: string | undefined };
  RESPONSE_TOO_LARGE: CallDetails & { readonly limit?: number | undefined };
  MALFORMED_RESPONSE: CallDetails & { readonly charsetFallback?: boolean | undefined };
  INSECURE_ENDPOINT: { readonly url?: string | undefined; readonly endpoint?: string | undefined };
  VALIDATION_FAILED: { readonly entity?: string | undefined; readonly key?: string | undefined };
  SPOUSE_SAME_CPF: { readonly entity?: string | undefined; readonly key?: string | undefined; readonly clientKey?: string | undefined };
  TEXT_NOT_IN_CHARSET: {
    readonly entity?: string | undefined;
    readonly key?: string | undefined;
    readonly fields?: readonly string[] | undefined;
    readonly charset?: string | undefined;
  };
  SOURCE_FAILED: { readonly source?: string | undefined; readonly field?: string | undefined };
  STORE_FAILED: { readonly field?: string | undefined };
  DRIVER_MISSING: { readonly package?: string | undefined };
  ALREADY_RUNNING: { readonly owner?: string | undefined; readonly trigger?: string | undefined };
  RUN_LOCK_LOST: { readonly owner?: string | undefined };
  RUN_ABORTED: { readonly owner?: string | undefined; readonly trigger?: string | undefined };
}

/** Details of any error: structured, already-redacted facts. */
export type OpenErrorDetails = { readonly [key: string]: unknown };

/** The details of code `C`: its typed fields (any other field is `unknown`); an open record for a code without an entry. */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = C extends keyof ErrorDetailsByCode ? ErrorDetailsByCode[C] & OpenErrorDetails : OpenErrorDetails;

export interface MegaCrmErrorOptions<C extends ErrorCode = ErrorCode> {
  readonly code: C;
  readonly fix: FixText;
  readonly retryable?: boolean;
  /** The whole run must stop: retrying other records would only hammer a misconfigured CRM. */
  readonly stopsRun?: boolean;
  readonly cause?: unknown;
  /** Structured, already-redacted facts (URL, status, operation…) for logs and tooling; typed per code (ErrorDetailsByCode). */
  readonly details?: ErrorDetails<C>;
}

const BRAND = Symbol.for('@mega-crm/core/MegaCrmError');

export class MegaCrmError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name: string = 'MegaCrmError';
  readonly code: C;
  readonly retryable: boolean;
  readonly stopsRun: boolean;
  readonly fix: FixText;
  readonly details: ErrorDetails<C>;
  /** The problem alone, without the fix text appended to `message`. */
  readonly summary: string;

  constructor(summary: string, options: MegaCrmErrorOptions<C>) {
    super(`${summary}\nFix: ${options.fix.en}\nCorreção: ${options.fix.pt}`, { cause: options.cause });
    this.summary = summary;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.stopsRun = options.stopsRun ?? false;
    this.fix = options.fix;
    this.details = options.details ?? ({} as ErrorDetails<C>);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * Type guard that also recognises errors from a second copy of this package (duplicate installs).
   * Narrows to a union discriminated by `code`: `if (e.code === 'IP_NOT_ALLOWED') e.details.ip`.
   */
  static is(value: unknown): value is AnyMegaCrmError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      retryable: this.retryable,
      stopsRun: this.stopsRun,
      message: this.summary,
      fix: this.fix,
      details: this.details,
    };
  }
}

/** A MegaCrmError of one of its codes, its details typed by that code: narrow it with `e.code === '…'`. */
export type AnyMegaCrmError = { [C in ErrorCode]: MegaCrmError<C> }[ErrorCode];

/** Wrong or refused setup (WSDL address, IP allow-list, credentials, CNPJ): stops the run at once. */
export class ConfigurationError<C extends ErrorCode = ErrorCode> extends MegaCrmError<C> {
  override readonly name: string = 'ConfigurationError';
  constructor(summary: string, options: Omit<MegaCrmErrorOptions<C>, 'retryable' | 'stopsRun'>) {
    super(summary, { ...options, retryable: false, stopsRun: true });
  }
}

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `document` or `address.zip`. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** A record that cannot be sent as it is in Mega. The record is parked; the others still go. */
export class ValidationError extends MegaCrmError {
  override readonly name: string = 'ValidationError';
  readonly issues: readonly ValidationIssue[];
  constructor(summary: string, issues: readonly ValidationIssue[], options: Omit<MegaCrmErrorOptions, 'code' | 'fix'> & { fix?: FixText }) {
    super(summary, {
      ...options,
      code: 'VALIDATION_FAILED',
      retryable: false,
      fix: options.fix ?? {
        en: 'Correct the listed fields of this record in Mega; the record is sent again on its next change.',
        pt: 'Corrija no Mega os campos listados deste registro; ele será reenviado na próxima alteração.',
      },
    });
    this.issues = issues;
  }
}

/** A record waits on another one (a client on its spouse's integration id). Held, not failed. */
export class DependencyMissingError extends MegaCrmError {
  override readonly name: string = 'DependencyMissingError';
}

/** The CRM already holds this CPF/CNPJ under another integration id. Never a second record. */
export class DuplicateDocumentError extends MegaCrmError {
  override readonly name: string = 'DuplicateDocumentError';
}

/** Timeouts, resets, refused connections, HTTP 5xx: worth retrying with backoff. */
export class TransportError extends MegaCrmError {
  override readonly name: string = 'TransportError';
  readonly timedOut: boolean;
  constructor(summary: string, options: Omit<MegaCrmErrorOptions, 'retryable'> & { timedOut?: boolean }) {
    super(summary, { ...options, retryable: true });
    this.timedOut = options.timedOut ?? false;
  }
}

/** The CRM answered with a fault or a rejection that is not one of the known cases. */
export class CrmFaultError extends MegaCrmError {
  override readonly name: string = 'CrmFaultError';
}

/** The CRM answered something that is not the documented shape (empty body, HTML, wrong envelope). */
export class ProtocolError extends MegaCrmError {
  override readonly name: string = 'ProtocolError';
}

/** Another run holds the store's run lock. */
export class AlreadyRunningError extends MegaCrmError {
  override readonly name: string = 'AlreadyRunningError';
  constructor(details: Readonly<Record<string, unknown>> = {}) {
    super('A sync run is already in progress for this store.', {
      code: 'ALREADY_RUNNING',
      retryable: true,
      details,
      fix: {
        en: 'Wait for the current run to finish; runs never overlap, the next trigger starts a new one.',
        pt: 'Aguarde o término da execução atual; execuções nunca se sobrepõem, o próximo disparo inicia outra.',
      },
    });
  }
}

/** The store's run lock passed to another process (this one was paused or cut off past the lease): this run stops writing. */
export class RunLockLostError extends MegaCrmError {
  override readonly name: string = 'RunLockLostError';
  constructor(details: Readonly<Record<string, unknown>> = {}) {
    super('The run lock was lost (its lease was not renewed in time); this run stopped writing.', {
      code: 'RUN_LOCK_LOST',
      retryable: true,
      stopsRun: true,
      details,
      fix: {
        en: 'Nothing is lost: the process that took the lock, or the next run, delivers the rest. If it recurs, raise lockTtlMs or check what pauses the process (CPU, swap, debugger).',
        pt: 'Nada se perdeu: o processo que assumiu a trava, ou a próxima execução, entrega o restante. Se repetir, aumente lockTtlMs ou verifique o que pausa o processo (CPU, swap, depurador).',
      },
    });
  }
}

/** The host asked the run to stop (`engine.stop()` or the run's AbortSignal). */
export class RunAbortedError extends MegaCrmError {
  override readonly name: string = 'RunAbortedError';
  constructor(details: Readonly<Record<string, unknown>> = {}) {
    super('The run was stopped on request; the calls in flight finished, the rest stays queued.', {
      code: 'RUN_ABORTED',
      retryable: true,
      stopsRun: true,
      details,
      fix: {
        en: 'Nothing to correct: the next run delivers what is still queued.',
        pt: 'Nada a corrigir: a próxima execução entrega o que ficou na fila.',
      },
    });
  }
}

/** The store was asked to close while a run still uses it. */
export class StoreBusyError extends MegaCrmError {
  override readonly name: string = 'StoreBusyError';
  constructor() {
    super('The store cannot be closed while a sync run is using it.', {
      code: 'STORE_BUSY',
      fix: {
        en: "Stop the engine first and wait for it: await engine.stop() (or the schedule handle's stop()), then close the store.",
        pt: 'Pare o motor antes e aguarde: await engine.stop() (ou o stop() do agendamento), depois feche o store.',
      },
    });
  }
}

/** An optional driver package (pg, oracledb…) is not installed. */
export function driverMissing(pkg: string, cause: unknown): ConfigurationError {
  return new ConfigurationError(`The optional package "${pkg}" is needed here and is not installed.`, {
    code: 'DRIVER_MISSING',
    cause,
    details: { package: pkg },
    fix: { en: `Install it in your application: npm install ${pkg}`, pt: `Instale-o na sua aplicação: npm install ${pkg}` },
  });
}

/** The Mega database cannot be reached (a driver's connection error, e.g. Oracle NJS-503): retried by the next run. */
export function megaUnreachable(cause: unknown): MegaCrmError {
  return new MegaCrmError(`Cannot connect to the Mega database: ${maskPii(cause instanceof Error ? cause.message : String(cause))}`, {
    code: 'SOURCE_FAILED',
    retryable: true,
    cause,
    fix: {
      en: 'Check the Mega database address, port, service name and credentials, and that this host can reach it.',
      pt: 'Verifique endereço, porta, nome do serviço e credenciais do banco do Mega, e se este servidor o alcança.',
    },
  });
}

/** Turns anything thrown into a MegaCrmError, keeping the original as `cause`. */
export function asMegaCrmError(error: unknown, fallbackCode: ErrorCode = 'CRM_FAULT'): MegaCrmError {
  if (MegaCrmError.is(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new MegaCrmError(`Unexpected error: ${maskPii(text)}`, {
    code: fallbackCode,
    cause: error,
    fix: {
      en: 'This is not a known failure; report it with the run log attached.',
      pt: 'Falha não catalogada; reporte-a anexando o log da execução.',
    },
  });
}
