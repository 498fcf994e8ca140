/** Bad webhook input: a clear 4xx with a reason, nothing written, and the handler keeps serving. */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NATIVE_STATUSES as S, toWireEvent } from '../src/profile.js';
import { signWebhook } from '../src/signature.js';
import type { VimobEvent } from '../src/types.js';
import { createWebhookHandler } from '../src/webhook.js';
import { ana, type Environment, SECRET, startEnvironment } from './harness.js';

let env: Environment;
let good: Extract<VimobEvent, { kind: 'proposal-status' }>;
beforeEach(async () => {
  env = await startEnvironment();
  await env.crm.upsertProspect(ana);
  await env.presales.pushProspect(ana);
  env.vimobSandbox.vimob.openProposal({ id: 'PPS-1', prospectId: 'PRO-1' });
  good = env.vimobSandbox.vimob.nextStatusEvent('PPS-1', S.inserted);
});
afterEach(() => env.close());

/** POSTs raw bytes with the given headers; resolves with status and JSON body. */
function post(body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(env.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the socket after its 413 while we are still writing.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: -1, json: {} });
      else reject(error);
    });
    req.end(body);
  });
}

const signed = (body: string) => post(body, signWebhook(SECRET, body));
const written = () => ({ ...env.crmSandbox.state().requestsByOperation });

async function stillServes() {
  const body = JSON.stringify(toWireEvent(good));
  const res = await signed(body);
  expect(res).toMatchObject({ status: 200, json: { ok: true, outcome: 'applied' } });
}

describe('webhook: bad input', () => {
  it.each([
    [
      'a wrong signature',
      () => post(JSON.stringify(toWireEvent(good)), signWebhook('another-secret-0123456789', JSON.stringify(toWireEvent(good)))),
      401,
      /does not match/,
    ],
    ['no signature', () => post(JSON.stringify(toWireEvent(good)), {}), 401, /missing x-vimob-assinatura/],
    [
      'a replayed signature from an hour ago',
      () => post(JSON.stringify(toWireEvent(good)), signWebhook(SECRET, JSON.stringify(toWireEvent(good)), new Date(Date.now() - 3_600_000))),
      401,
      /outside the accepted window/,
    ],
    [
      'a body changed after signing',
      () => post(JSON.stringify(toWireEvent(good)).replace('PPS-1', 'PPS-2'), signWebhook(SECRET, JSON.stringify(toWireEvent(good)))),
      401,
      /does not match/,
    ],
    ['malformed JSON', () => signed('{"id": "x", "tipo": '), 400, /malformed JSON/],
    ['JSON that is not an event', () => signed(JSON.stringify({ hello: 'world' })), 400, /not a Vimob event: tipo/],
    ['an unknown status', () => signed(JSON.stringify(toWireEvent({ ...good, status: 'STATUS_INVENTADO' }))), 422, /STATUS_INVENTADO.*not in the status table/],
  ])('%s → a 4xx with a reason; nothing written; still serving', async (_name, send, status, reason) => {
    const before = written();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.json.ok).toBe(false);
    expect(String(res.json.reason)).toMatch(reason);
    expect(written()).toEqual(before);
    await stillServes();
  });

  it('a 10 MB body → 413 before it is read, nothing written; still serving', async () => {
    const before = written();
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const res = await post(huge, signWebhook(SECRET, huge.toString()));
    expect(res.status).toBe(413);
    expect(String(res.json.reason)).toMatch(/exceeds the limit of 1048576 bytes/);
    expect(written()).toEqual(before);
    await stillServes();
  });

  it('the framework-agnostic handler refuses the same inputs without any HTTP server', async () => {
    const handler = createWebhookHandler(env.presales, { secret: SECRET });
    const body = JSON.stringify(toWireEvent(good));
    expect((await handler({ method: 'GET', headers: {}, body: '' })).status).toBe(405);
    expect((await handler({ method: 'POST', headers: signWebhook(SECRET, body), body: Buffer.alloc(2 * 1024 * 1024) })).status).toBe(413);
    expect((await handler({ method: 'POST', headers: { 'X-Vimob-Assinatura': 'ab', 'X-Vimob-Timestamp': '1' }, body })).status).toBe(401);
    const ok = await handler({ method: 'POST', headers: signWebhook(SECRET, body), body: new TextEncoder().encode(body) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, outcome: 'applied', eventId: good.id });
  });

  it('options are checked: a short secret or an unknown key fails at construction', () => {
    expect(() => createWebhookHandler(env.presales, { secret: 'short' })).toThrow(/secret: must have at least 16 characters/);
    expect(() => createWebhookHandler(env.presales, { secret: SECRET, maxBody: 10 } as never)).toThrow(/unknown option\(s\) maxBody/);
  });

  it('the CRM unreachable → 503 with retry-after, and the event applies once when Vimob delivers it again', async () => {
    env.crmSandbox.setFaults({ errorRate: 1 });
    const body = JSON.stringify(toWireEvent(good));
    const handler = createWebhookHandler(env.presales, { secret: SECRET });
    const failed = await handler({ method: 'POST', headers: signWebhook(SECRET, body), body });
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    env.crmSandbox.setFaults({});
    expect(JSON.parse((await handler({ method: 'POST', headers: signWebhook(SECRET, body), body })).body)).toMatchObject({ outcome: 'applied' });
    expect(JSON.parse((await handler({ method: 'POST', headers: signWebhook(SECRET, body), body })).body)).toMatchObject({ outcome: 'duplicate' });
    expect(env.crmSandbox.occurrence('PRO-1-OC')?.narratives).toHaveLength(1);
  });
});
