import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VimobSandbox } from '@mega-crm/vimob-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpVimobGateway } from '../src/http-gateway.js';
import { ana } from './gateway-contract.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function sandbox(options: ConstructorParameters<typeof VimobSandbox>[0] = {}) {
  const s = await new VimobSandbox(options).start();
  cleanup.push(() => s.stop());
  return s;
}

/** A raw server answering every request with `handler`. */
async function raw(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HttpVimobGateway', () => {
  it('rejects unknown or misspelled options, naming them and the allowed ones', () => {
    expect(() => new HttpVimobGateway({ baseUrl: 'http://x', token: 't', company: 'c', timout: 5000 } as never)).toThrow(
      /unknown option\(s\) timout \(allowed: baseUrl, token, company, timeoutMs/,
    );
    expect(() => new HttpVimobGateway({ baseUrl: 'ftp://x', token: 't', company: 'c' })).toThrow(/CONFIG_INVALID|baseUrl/);
  });

  it('keeps the token out of its config, its errors and their JSON', async () => {
    const s = await sandbox();
    const gateway = new HttpVimobGateway({ ...s.gatewayOptions, token: 'super-secret-token', retries: 0 });
    expect(JSON.stringify(gateway.config)).not.toContain('super-secret-token');
    const error = await gateway.findProspect('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'AUTH_FAILED', stopsRun: true });
    expect(String((error as Error).message) + JSON.stringify(error)).not.toContain('super-secret-token');
  });

  it('retries 5xx and resets with backoff, then succeeds; the write lands once', async () => {
    const s = await sandbox({ faults: { http5xxRate: 0.35, resetRate: 0.35 }, seed: 7 });
    const gateway = new HttpVimobGateway({ ...s.gatewayOptions, retries: 8, minRetryDelayMs: 1 });
    await gateway.createProspect(ana);
    expect(await gateway.findProspect(ana.id)).toEqual(ana);
    expect(s.vimob.state().prospects).toHaveLength(1);
    expect(s.requests).toBeGreaterThan(2);
  });

  it('does not retry a non-retryable answer (401, 409)', async () => {
    const s = await sandbox();
    const gateway = new HttpVimobGateway({ ...s.gatewayOptions, retries: 5, minRetryDelayMs: 1 });
    await gateway.createProspect(ana);
    const before = s.requests;
    await expect(gateway.createProspect(ana)).rejects.toMatchObject({ code: 'VIMOB_REJECTED' });
    expect(s.requests - before).toBe(1);
  });

  it('one deadline per call: a slow Vimob is a retryable TIMEOUT', async () => {
    const s = await sandbox({ faults: { latencyMs: 400 } });
    const gateway = new HttpVimobGateway({ ...s.gatewayOptions, timeoutMs: 50, retries: 1, minRetryDelayMs: 1 });
    const started = performance.now();
    await expect(gateway.findProspect(ana.id)).rejects.toMatchObject({ name: 'TransportError', code: 'TIMEOUT', retryable: true, timedOut: true });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a body that trickles past the deadline still times out', async () => {
    const url = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 10);
      res.on('close', () => clearInterval(timer));
    });
    const gateway = new HttpVimobGateway({ baseUrl: url, token: 't', company: 'c', timeoutMs: 100, retries: 0 });
    await expect(gateway.findProspect('x')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('bounds the response body, declared or streamed', async () => {
    const big = `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`;
    const declared = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.end(big);
    });
    const chunked = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    for (const baseUrl of [declared, chunked]) {
      const gateway = new HttpVimobGateway({ baseUrl, token: 't', company: 'c', retries: 0 });
      await expect(gateway.findProspect('x')).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE', message: expect.stringMatching(/exceeds 1048576 bytes/) });
    }
  });

  it('an answer that does not match the profile is MALFORMED_RESPONSE, naming the field, masking PII', async () => {
    const url = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'PRO-1', nome: 'Ana', cpfCnpj: '123.456.789-09', origem: 'CRM' }));
    });
    const gateway = new HttpVimobGateway({ baseUrl: url, token: 't', company: 'c', retries: 0 });
    const error = await gateway.findProspect('PRO-1').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProtocolError', code: 'MALFORMED_RESPONSE' });
    expect((error as Error).message).toMatch(/cpfCnpj/);
    expect((error as Error).message).not.toContain('123.456.789-09');
  });

  it('a refused connection is a retryable CONNECTION_FAILED', async () => {
    const url = await raw(() => undefined);
    await cleanup.splice(0)[0]?.();
    const gateway = new HttpVimobGateway({ baseUrl: url, token: 't', company: 'c', retries: 0 });
    await expect(gateway.findProspect('x')).rejects.toMatchObject({ name: 'TransportError', code: 'CONNECTION_FAILED', retryable: true });
  });
});
