import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@mega-crm/vimob-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { VimobSandbox } from '../src/sandbox.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function start(options: ConstructorParameters<typeof VimobSandbox>[0] = {}) {
  const sandbox = await new VimobSandbox(options).start();
  cleanup.push(() => sandbox.stop());
  return sandbox;
}

describe('VimobSandbox', () => {
  it('exposes its state as JSON and takes faults over HTTP', async () => {
    const sandbox = await start();
    sandbox.vimob.registerProspect({ id: 'V-1', name: 'Eva', document: '12345678909' });
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as { prospects: Array<{ id: string }> };
    expect(state.prospects.map((p) => p.id)).toEqual(['V-1']);
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ http5xxRate: 1 }) });
    const res = await fetch(`${sandbox.url}/api/v1/prospects/V-1`, { headers: { authorization: 'Bearer sandbox-token', 'x-vimob-empresa': 'demo' } });
    expect(res.status).toBe(503);
  });

  it('refuses a wrong token with 401', async () => {
    const sandbox = await start();
    const res = await fetch(`${sandbox.url}/api/v1/prospects/V-1`, { headers: { authorization: 'Bearer nope', 'x-vimob-empresa': 'demo' } });
    expect(res.status).toBe(401);
  });

  it('fires signed events at the webhook and applies a status only when the webhook accepts it', async () => {
    const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
    let answer = 409;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ body, headers: req.headers });
        res.writeHead(answer).end('{}');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => hook.close(() => resolve())));
    const sandbox = await start({ webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, webhookSecret: 'a-secret-of-16-chars' });
    sandbox.vimob.registerProspect({ id: 'V-1', name: 'Eva', document: '12345678909' });
    sandbox.vimob.openProposal({ id: 'P-1', prospectId: 'V-1' });
    expect((await sandbox.advance('P-1', 'PROPOSTA_INSERIDA')).applied).toBe(false);
    expect((await sandbox.vimob.getProposal('P-1'))?.history).toEqual([]);
    answer = 200;
    expect((await sandbox.advance('P-1', 'PROPOSTA_INSERIDA')).applied).toBe(true);
    expect((await sandbox.vimob.getProposal('P-1'))?.status).toBe('PROPOSTA_INSERIDA');
    const [first, second] = received;
    expect(first?.body).toBe(second?.body);
    const h = first?.headers ?? {};
    expect(
      verifyWebhook('a-secret-of-16-chars', first?.body ?? '', String(h['x-vimob-timestamp']), String(h['x-vimob-assinatura']), new Date()),
    ).toBeUndefined();
    expect(sandbox.deliveries()).toHaveLength(2);
  });
});
