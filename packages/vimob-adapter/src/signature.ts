import { createHmac, timingSafeEqual } from 'node:crypto';
import { VIMOB_HEADERS, VIMOB_SIGNATURE } from './profile.js';

/** The headers Vimob sends with a webhook body (profile.ts): timestamp and HMAC signature. */
export function signWebhook(secret: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [VIMOB_HEADERS.timestamp]: timestamp, [VIMOB_HEADERS.signature]: hmac(secret, timestamp, body) };
}

export type SignatureProblem = 'missing' | 'stale' | 'mismatch';

/** Checks a webhook's signature in constant time; `undefined` when it is good. */
export function verifyWebhook(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  now: Date,
): SignatureProblem | undefined {
  if (!timestamp || !signature) return 'missing';
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now.getTime() / 1000 - seconds) > VIMOB_SIGNATURE.toleranceSeconds) return 'stale';
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'mismatch';
}

function hmac(secret: string, timestamp: string, body: string): string {
  return createHmac(VIMOB_SIGNATURE.algorithm, secret).update(VIMOB_SIGNATURE.payload(timestamp, body)).digest('hex');
}
