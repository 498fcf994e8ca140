/**
 * The framework-agnostic webhook handler: `(request) => response`. It checks the size, the HMAC
 * signature and the JSON shape before anything else, then hands the event to `Presales.handleEvent`.
 * Every refusal is a 4xx with a JSON reason and writes nothing; a failure worth retrying (the CRM
 * or the store unreachable) is a 503 so Vimob delivers the event again.
 */
import { type Logger, type MegaCrmError, silentLogger } from '@mega-crm/core';
import { asMegaCrmError, maskPii } from '@mega-crm/core/internal';
import { z } from 'zod';
import { optionsInvalid } from './errors.js';
import type { Presales } from './presales.js';
import { fromWireEvent, VIMOB_HEADERS, WireEventSchema } from './profile.js';
import { verifyWebhook } from './signature.js';

export interface WebhookRequest {
  readonly method: string;
  /** Header names in any case; Node's `req.headers` fits. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body, exactly as received (the signature covers its bytes). */
  readonly body: string | Uint8Array;
}

export interface WebhookResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON: `{ ok, outcome?, code?, reason? }`. */
  readonly body: string;
}

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export const WebhookOptionsSchema = z
  .object({
    /** The shared secret configured in Vimob for signing webhooks. */
    secret: z.string().min(16, 'must have at least 16 characters'),
    /** Largest body accepted, in bytes (default 1 MB). */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /** Clock for the signature's timestamp window (tests). */
    now: z.custom<() => Date>((v) => typeof v === 'function').optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();
export type WebhookOptions = z.input<typeof WebhookOptionsSchema>;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function createWebhookHandler(presales: Presales, input: WebhookOptions): WebhookHandler {
  const parsed = WebhookOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw optionsInvalid(
      'webhook',
      parsed.error.issues
        .map((i) => (i.code === 'unrecognized_keys' ? `unknown option(s) ${i.keys.join(', ')}` : `${i.path.join('.')}: ${i.message}`))
        .join('; '),
    );
  }
  const { secret, maxBodyBytes, now = () => new Date(), logger = silentLogger } = parsed.data;

  return async (request) => {
    if (request.method.toUpperCase() !== 'POST') return reply(405, { ok: false, code: 'WEBHOOK_INVALID', reason: 'only POST is accepted' }, { allow: 'POST' });
    const size = typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength;
    if (size > maxBodyBytes) return reply(413, { ok: false, code: 'WEBHOOK_INVALID', reason: `body of ${size} bytes exceeds the limit of ${maxBodyBytes}` });
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
    const problem = verifyWebhook(secret, body, header(request, VIMOB_HEADERS.timestamp), header(request, VIMOB_HEADERS.signature), now());
    if (problem) {
      logger.warn({ problem }, 'Vimob webhook refused: bad signature');
      return reply(401, { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID', reason: SIGNATURE_REASONS[problem] });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      return reply(400, { ok: false, code: 'WEBHOOK_INVALID', reason: `malformed JSON: ${maskPii((error as Error).message)}` });
    }
    const wire = WireEventSchema.safeParse(json);
    if (!wire.success) {
      const reason = wire.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return reply(400, { ok: false, code: 'WEBHOOK_INVALID', reason: `not a Vimob event: ${maskPii(reason)}` });
    }
    const event = fromWireEvent(wire.data);
    try {
      const outcome = await presales.handleEvent(event);
      return reply(200, { ok: true, eventId: event.id, ...outcome });
    } catch (thrown) {
      const error = asMegaCrmError(thrown, 'STORE_FAILED');
      const status = statusFor(error);
      logger[status >= 500 ? 'error' : 'warn']({ eventId: event.id, code: error.code, details: error.details }, `Vimob event not applied: ${error.summary}`);
      return reply(
        status,
        { ok: false, eventId: event.id, code: error.code, reason: error.summary, fix: error.fix },
        status === 503 ? { 'retry-after': '5' } : {},
      );
    }
  };
}

const SIGNATURE_REASONS = {
  missing: `missing ${VIMOB_HEADERS.signature} or ${VIMOB_HEADERS.timestamp} header`,
  stale: 'the timestamp is outside the accepted window (replayed or clock skew)',
  mismatch: 'the signature does not match the body and the shared secret',
} as const;

function statusFor(error: MegaCrmError): number {
  if (error.retryable) return 503;
  switch (error.code) {
    case 'GATE_DENIED':
    case 'ENTRY_LOCKED':
    case 'DUPLICATE_CPF':
      return 409;
    // The event log failed, or something unforeseen did (a crash mid-event): Vimob delivers it again,
    // and what was already written is not repeated (event ids, sequences, narrative ids).
    case 'STORE_FAILED':
      return 503;
    default:
      // Our own configuration (CRM credentials, WSDL, IP): Vimob should deliver again once it is fixed.
      // Anything else the CRM or Vimob refused for this event (e.g. an unknown occurrence) will not pass on a retry.
      return error.stopsRun ? 503 : 422;
  }
}

function header(request: WebhookRequest, name: string): string | undefined {
  const direct = request.headers[name] ?? Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(direct) ? direct[0] : (direct as string | undefined);
}

function reply(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): WebhookResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}
