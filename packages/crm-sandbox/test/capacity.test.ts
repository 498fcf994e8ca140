import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityModel, type CapacityOptions } from '../src/capacity.js';
import { CrmSandbox } from '../src/sandbox.js';

describe('capacity model', () => {
  it('serves at most `workers` calls at once; the others wait in a bounded queue, then are refused', async () => {
    const model = new CapacityModel({ workers: 2, serviceMs: 10, queueLimit: 1 });
    expect(model.capacity).toBe(200);
    const first = await model.admit();
    const second = await model.admit();
    expect(first.admitted && second.admitted).toBe(true);
    let thirdIn = false;
    const third = model.admit().then((a) => {
      thirdIn = true;
      return a;
    });
    await new Promise((r) => setImmediate(r));
    expect(thirdIn).toBe(false);
    expect(model.stats.waiting).toBe(1);
    expect(await model.admit()).toEqual({ admitted: false, reason: 'queue-full' });
    if (first.admitted) first.release();
    const t = await third;
    expect(thirdIn).toBe(true);
    expect(model.stats).toMatchObject({ busy: 2, waiting: 0, refused: 1 });
    if (t.admitted) t.release();
    if (second.admitted) second.release();
    expect(model.stats).toMatchObject({ busy: 0, served: 3 });
  });

  it('changes at run time: more workers admit the waiting calls at once; down refuses every call', async () => {
    const model = new CapacityModel({ workers: 1, serviceMs: 25, jitter: 0 });
    const a = await model.admit();
    const waiting = model.admit();
    model.update({ workers: 2 });
    const b = await waiting;
    expect(b.admitted).toBe(true);
    if (b.admitted) expect(b.serviceMs).toBe(25);
    model.update({ down: true });
    expect(await model.admit()).toEqual({ admitted: false, reason: 'down' });
    model.update({ down: false });
    if (a.admitted) a.release();
    expect((await model.admit()).admitted).toBe(true);
    expect(() => model.update({ workers: 0 })).toThrow(RangeError);
  });
});

describe('capacity model in the sandbox (HTTP)', () => {
  const sandboxes: CrmSandbox[] = [];
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await s.stop();
  });
  const start = async (capacity?: CapacityOptions) => {
    const sandbox = await new CrmSandbox(capacity ? { capacity } : {}).start();
    sandboxes.push(sandbox);
    return sandbox;
  };
  const body =
    '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ValidarCNPJ><usuario>integra.mega</usuario><senha>sandbox</senha><cnpj_empresa>11222333000181</cnpj_empresa></ValidarCNPJ></soap:Body></soap:Envelope>';
  /** One SOAP call on a connection of its own: its HTTP status, or 'dropped' when the connection was cut. */
  const call = (sandbox: CrmSandbox) =>
    new Promise<number | 'dropped'>((resolve) => {
      const req = request(`${sandbox.url}${sandbox.path}`, { method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml; charset=utf-8' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve('dropped'));
      req.end(body);
    });

  it('serves at most `workers` calls at once, however many arrive', async () => {
    const sandbox = await start({ workers: 3, serviceMs: 40, jitter: 0, queueLimit: 100 });
    const statuses = await Promise.all(Array.from({ length: 15 }, () => call(sandbox)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sandbox.capacityStats()).toMatchObject({ peakBusy: 3, served: 15, refused: 0, busy: 0, waiting: 0 });
    expect(sandbox.state().requests).toBe(15);
  });

  it('answers 503 beyond the accept queue: workers + queue calls are served, the rest refused', async () => {
    const sandbox = await start({ workers: 1, serviceMs: 600, jitter: 0, queueLimit: 2 });
    const statuses = await Promise.all(Array.from({ length: 6 }, () => call(sandbox)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 503)).toHaveLength(3);
    expect(sandbox.capacityStats()).toMatchObject({ served: 3, refusedQueueFull: 3, refusedDown: 0 });
    // Refused calls never reached the CRM's operations.
    expect(sandbox.state().requests).toBe(3);
  });

  it('halves at run time: fewer workers from the next call on', async () => {
    const sandbox = await start({ workers: 4, serviceMs: 40, jitter: 0 });
    await Promise.all(Array.from({ length: 8 }, () => call(sandbox)));
    expect(sandbox.capacityStats()?.peakBusy).toBe(4);
    sandbox.setCapacity({ workers: 2 });
    expect(sandbox.capacityStats()?.capacity).toBe(50);
    const fresh = await start({ workers: 4, serviceMs: 40, jitter: 0 });
    fresh.setCapacity({ workers: 2 });
    await Promise.all(Array.from({ length: 8 }, () => call(fresh)));
    expect(fresh.capacityStats()?.peakBusy).toBe(2);
  });

  it('down for N seconds: every call dropped and counted with its time, then served again', async () => {
    const sandbox = await start({ workers: 2, serviceMs: 1, jitter: 0 });
    expect(await call(sandbox)).toBe(200);
    sandbox.takeDown(60_000);
    const statuses = await Promise.all(Array.from({ length: 4 }, () => call(sandbox)));
    expect(statuses).toEqual(['dropped', 'dropped', 'dropped', 'dropped']);
    expect((await fetch(sandbox.wsdlUrl).catch(() => 'dropped')) === 'dropped').toBe(true);
    let outage = sandbox.capacityStats()?.outages[0];
    expect(outage).toMatchObject({ callCount: 5, to: undefined, resumedAt: undefined });
    expect(outage?.calls).toHaveLength(5);
    sandbox.setCapacity({ down: false }); // up before the 60 s (cancels the timer)
    expect(await call(sandbox)).toBe(200);
    outage = sandbox.capacityStats()?.outages[0];
    expect(outage?.to).toBeGreaterThanOrEqual(outage?.from ?? Number.NaN);
    expect(outage?.resumedAt).toBeGreaterThanOrEqual(outage?.to ?? Number.NaN);
    expect(sandbox.capacityStats()).toMatchObject({ refusedDown: 5, served: 2 });
  });

  it('is set over HTTP (POST /__sandbox/capacity), read back (GET), and checked', async () => {
    const sandbox = await start();
    expect(await (await fetch(`${sandbox.url}/__sandbox/capacity`)).json()).toBeNull();
    const post = (json: string) => fetch(`${sandbox.url}/__sandbox/capacity`, { method: 'POST', body: json });
    expect((await post('{"serviceMs": 5}')).status).toBe(400); // a new model needs workers
    expect((await post('{"workers": 8, "serviceMs": 25, "rttMs": 30}')).status).toBe(204);
    expect((await post('{"workers": 4}')).status).toBe(204);
    for (const bad of ['[]', '{"workers": 0}', '{"workers": "8"}', '{"threads": 8}', '{"down": 1}', '{"downForMs": -1}'])
      expect((await post(bad)).status, bad).toBe(400);
    const read = (await (await fetch(`${sandbox.url}/__sandbox/capacity`)).json()) as { capacity: number; options: { workers: number; rttMs: number } };
    expect(read).toMatchObject({ capacity: 160, options: { workers: 4, rttMs: 30 } });
    expect((await post('{"downForMs": 60000}')).status).toBe(204);
    expect(await call(sandbox)).toBe('dropped');
    expect(sandbox.state().capacity?.outages[0]?.callCount).toBe(1);
  });
});
