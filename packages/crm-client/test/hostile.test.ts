/**
 * Hostile and broken servers on 127.0.0.1: every failure is a typed error through the promise, within
 * the deadline (+10 %), with bounded memory, and no secret in any output.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MegaCrmError } from '@mega-crm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { CREDENTIALS, envelopesDir, wsdlFixture } from './contract/paths.js';
import { joao } from './contract/scenarios.js';

const WSDL = readFileSync(wsdlFixture, 'latin1');
const OK_RESPONSE = readFileSync(`${envelopesDir}/upsert-client.ok.response.xml`);
const MB = 1024 * 1024;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server on 127.0.0.1 (port 0); returns its base URL. */
async function serve(handler: Handler): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Writes `chunk` until the client goes away or `total` bytes are out; resolves with the bytes written. */
function flood(res: ServerResponse, chunk: Buffer, total: number, written = { bytes: 0 }): { bytes: number } {
  const pump = (): void => {
    while (written.bytes < total && !res.destroyed) {
      written.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on('error', () => {});
  pump();
  return written;
}

/** Sends `chunk` every `everyMs` forever (a proxy that trickles). */
function trickle(res: ServerResponse, chunk: string, everyMs: number): void {
  const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(chunk)), everyMs);
  res.on('close', () => clearInterval(timer));
}

/** A client whose WSDL is given as text and whose calls go to `endpoint`. */
async function clientTo(endpoint: string, extra: Record<string, unknown> = {}): Promise<CrmClient> {
  const client = await CrmClient.connect({ wsdl: WSDL, endpoint, ...CREDENTIALS, ...extra });
  cleanup.push(() => client.close());
  return client;
}

async function failure(promise: Promise<unknown>): Promise<{ error: MegaCrmError; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(MegaCrmError.is(error), String(error)).toBe(true);
  return { error: error as MegaCrmError, ms: performance.now() - started };
}

/** Peak of RSS growth while `work` runs, sampled every 5 ms. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - base };
  } finally {
    clearInterval(sampler);
  }
}

describe('bounded reads', () => {
  it('an endless answer stops at maxResponseBytes with RESPONSE_TOO_LARGE, reading little and holding little', async () => {
    let written = { bytes: 0 };
    const base = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      written = flood(res, Buffer.alloc(64 * 1024, 'a'), 300 * MB);
    });
    const client = await clientTo(`${base}/x`, { maxResponseBytes: 1 * MB });
    const { result, growth } = await peakRssGrowth(() => failure(client.upsertClient(joao)));
    expect(result.error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', retryable: false });
    expect(result.error.message).toContain('1048576-byte limit');
    // The server stopped at a few socket buffers past the limit, not at 300 MB.
    await new Promise((r) => setTimeout(r, 50));
    expect(written.bytes).toBeLessThan(16 * MB);
    expect(growth).toBeLessThan(64 * MB);
  });

  it('a Content-Length over the limit is refused before reading the body', async () => {
    const base = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': String(600 * MB) });
      res.write('<');
    });
    const client = await clientTo(`${base}/x`);
    const { error, ms } = await failure(client.upsertClient(joao));
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.message).toContain(`${10 * MB}-byte limit`);
    expect(ms).toBeLessThan(1000);
  });

  it('a trickling answer fails with TIMEOUT at the deadline: the deadline covers the whole read', async () => {
    const base = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      trickle(res, ' ', 20);
    });
    const client = await clientTo(`${base}/x`, { timeoutMs: 1000 });
    const { error, ms } = await failure(client.upsertClient(joao));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, timedOut: true });
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThanOrEqual(1100);
  });

  it('a huge trickling WSDL fails with WSDL_UNAVAILABLE at the deadline', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.write(WSDL.slice(0, 500));
      trickle(res, '<!-- padding -->'.repeat(1000), 5);
    });
    const started = performance.now();
    const { error } = await failure(CrmClient.connect({ wsdlUrl: `${base}/cliente/webservices/index.php?wsdl`, ...CREDENTIALS, timeoutMs: 1000 }));
    const ms = performance.now() - started;
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(error.message).toMatch(/within the 1000 ms timeout|larger than/);
    expect(ms).toBeLessThanOrEqual(1100);
  });

  it('a WSDL over the limit is WSDL_UNAVAILABLE naming the limit', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      flood(res, Buffer.alloc(64 * 1024, ' '), 50 * MB);
    });
    const { error } = await failure(CrmClient.connect({ wsdlUrl: `${base}/cliente/webservices/index.php?wsdl`, ...CREDENTIALS, maxResponseBytes: 2 * MB }));
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(error.message).toContain(`${2 * MB}-byte limit`);
  });

  it('a connection dropped in the middle of the answer is CONNECTION_RESET, and the client keeps working', async () => {
    let calls = 0;
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': String(OK_RESPONSE.length) });
          res.write(OK_RESPONSE.subarray(0, 100));
          setTimeout(() => res.destroy(), 20);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        res.end(OK_RESPONSE);
      });
    });
    const client = await clientTo(`${base}/x`);
    const { error } = await failure(client.upsertClient(joao));
    expect(error).toMatchObject({ code: 'CONNECTION_RESET', retryable: true });
    await expect(client.upsertClient(joao)).resolves.toMatchObject({ message: 'CLIENTE INCLUIDO' });
  });
});
