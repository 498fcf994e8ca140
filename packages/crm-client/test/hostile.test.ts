/**
 * Hostile and broken servers on 127.0.0.1: every failure is a typed error through the promise, within
 * the deadline (+10 %), with bounded memory, and no secret in any output.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { MegaCrmError, redactingLogger } from '@mega-crm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { CREDENTIALS, envelopesDir, wsdlFixture } from './contract/paths.js';
import { joao } from './contract/scenarios.js';
import { localServer } from './local-server.js';

const WSDL = readFileSync(wsdlFixture, 'latin1');
const OK_RESPONSE = readFileSync(`${envelopesDir}/upsert-client.ok.response.xml`);
const MB = 1024 * 1024;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server on 127.0.0.1 (port 0); returns its base URL. */
const serve = (handler: Handler): Promise<string> => localServer(handler, cleanup);

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
    const client = await clientTo(`${base}/x`, { timeoutMs: 2000 });
    const { error, ms } = await failure(client.upsertClient(joao));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, timedOut: true });
    expect(ms).toBeGreaterThanOrEqual(1990);
    expect(ms).toBeLessThanOrEqual(2200);
  });

  it('a huge trickling WSDL fails with WSDL_UNAVAILABLE at the deadline', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.write(WSDL.slice(0, 500));
      trickle(res, '<!-- padding -->'.repeat(64), 20);
    });
    const started = performance.now();
    const { error } = await failure(CrmClient.connect({ wsdlUrl: `${base}/cliente/webservices/index.php?wsdl`, ...CREDENTIALS, timeoutMs: 2000 }));
    const ms = performance.now() - started;
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(error.message).toMatch(/within the 2000 ms timeout/);
    expect(ms).toBeLessThanOrEqual(2200);
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

const FAULT = (text: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>${text}</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

/** Everything a host can see of an error: message, JSON, util.inspect (cause and stack included). */
function allOutputOf(error: unknown): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: 8 })].join('\n');
}

describe('no secret in any output', () => {
  const PASSWORD = 'Tr0ub4dor&3xyz';

  it('a server echoing the password gets it into no error, JSON, inspect, hook or log', async () => {
    const base = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const senha = /<senha[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
        res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' });
        res.end(FAULT(`login integra.mega/${senha} refused; raw: ${PASSWORD.replace('&', '&amp;')}`));
      });
    });
    const seen: string[] = [];
    const client = await clientTo(`${base}/x`, {
      password: PASSWORD,
      hooks: {
        onRequest: (e: unknown) => seen.push(JSON.stringify(e)),
        onResponse: (e: unknown) => seen.push(JSON.stringify(e)),
        onError: (e: { error: unknown }) => seen.push(allOutputOf(e.error)),
      },
    });
    const { error } = await failure(client.upsertClient(joao));
    expect(error.code).toBe('CRM_FAULT');
    const lines: unknown[] = [];
    const log = (o: object, m?: string) => lines.push([o, m]);
    redactingLogger({ debug: log, info: log, warn: log, error: log }).error({ err: error, details: error.details }, error.message);
    const everything = [allOutputOf(error), ...seen, JSON.stringify(lines), inspect(client, { depth: 8 }), JSON.stringify(client.config)].join('\n');
    expect(everything).toContain('[redacted]');
    for (const form of [PASSWORD, 'Tr0ub4dor&amp;3xyz', 'Tr0ub4dor']) expect(everything).not.toContain(form);
  });

  it('the onRequest body shows no CPF, e-mail, phone or password', async () => {
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.end(OK_RESPONSE));
    });
    const bodies: string[] = [];
    const client = await clientTo(`${base}/x`, { password: PASSWORD, hooks: { onRequest: (e: { body: string }) => bodies.push(e.body) } });
    await client.upsertClient({ ...joao, phones: ['(11) 98765-4321', '11 3456 7890', '5511987654321'], emails: ['joão@exemplo.com.br'] });
    const body = bodies.join('');
    expect(body).toContain('IncluirAlterarCliente');
    for (const pii of [PASSWORD, '52998224725', '98765-4321', '3456 7890', '5511987654321', 'joão@', 'joao@']) expect(body).not.toContain(pii);
  });

  it('credentials in the WSDL URL go into an Authorization header, never into config, messages or errors', async () => {
    let authorization: string | undefined;
    const base = await serve((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end(`<html>not here: ${req.url}</html>`);
    });
    const wsdlUrl = `${base.replace('http://', 'http://integra:S3cr3t-Url-Pass@')}/cliente/webservices/index.php?wsdl`;
    const { error } = await failure(CrmClient.connect({ wsdlUrl, ...CREDENTIALS }));
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(authorization).toBe(`Basic ${Buffer.from('integra:S3cr3t-Url-Pass').toString('base64')}`);
    expect(allOutputOf(error)).not.toMatch(/S3cr3t-Url-Pass|integra:/);
    expect(allOutputOf(error)).toContain(`${base}/cliente/webservices/index.php?wsdl`);
  });

  it('a host with credentials, a path or spaces is refused without echoing it', async () => {
    for (const host of ['integra:Pa55word@crm.example.com', 'crm.example.com/other', 'crm example.com', 'http://crm.example.com:80/../x']) {
      const { error } = await failure(CrmClient.connect({ host, clientPath: 'cliente', ...CREDENTIALS }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/host: must be a host name/);
      expect(allOutputOf(error)).not.toContain('Pa55word');
    }
  });

  it('tls.key is used by the transport but kept off the public config and out of inspect', async () => {
    const key = readFileSync(new URL('./fixtures/tls/localhost.key', import.meta.url), 'utf8');
    const client = await clientTo('http://127.0.0.1:9/x', { tls: { key, rejectUnauthorized: true } });
    const shown = `${JSON.stringify(client.config)}\n${inspect(client, { depth: 8 })}`;
    const keyLine = key.split('\n')[1] as string;
    expect(shown).not.toContain(keyLine);
    expect(client.config.tls).toMatchObject({ rejectUnauthorized: true, key: undefined });
  });
});

describe('WSDL loading fetches nothing by itself', () => {
  it.each([
    ['a wsdl:import of another server', (other: string) => `<import namespace="urn:x" location="${other}/evil.wsdl"/>`],
    [
      'an xsd:import with a schemaLocation',
      (other: string) => `<types><xsd:schema><xsd:import namespace="urn:y" schemaLocation="${other}/evil.xsd"/></xsd:schema></types>`,
    ],
    ['an include of a local file', () => '<types><xsd:schema><xsd:include schemaLocation="/etc/passwd"/></xsd:schema></types>'],
  ])('refuses %s without any request, quickly', async (_name, element) => {
    let fetched = 0;
    const other = await serve((_req, res) => {
      fetched++;
      res.end();
    });
    const wsdl = WSDL.replace(/(<definitions[^>]*>)/, `$1${element(other)}`);
    const started = performance.now();
    const { error } = await failure(CrmClient.connect({ wsdl, ...CREDENTIALS, timeoutMs: 2000 }));
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(error.message).toMatch(/imports are not fetched/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fetched).toBe(0);
  });

  it.each(['file:///etc/passwd', 'data:text/xml,<definitions/>'])('refuses %s as wsdlUrl (a file is given as wsdlFile)', async (wsdlUrl) => {
    const { error } = await failure(CrmClient.connect({ wsdlUrl, ...CREDENTIALS }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/wsdlUrl: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses an http: endpoint named by an https: WSDL unless allowInsecureEndpoint is set', async () => {
    const cert = readFileSync(new URL('./fixtures/tls/localhost.crt', import.meta.url));
    const key = readFileSync(new URL('./fixtures/tls/localhost.key', import.meta.url));
    const server = createHttpsServer({ cert, key }, (_req, res) => {
      res.setHeader('Content-Type', 'text/xml; charset=ISO-8859-1');
      res.end(WSDL);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const wsdlUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/cliente/webservices/index.php?wsdl`;
    const { error } = await failure(CrmClient.connect({ wsdlUrl, ...CREDENTIALS, tls: { ca: cert } }));
    expect(error).toMatchObject({ code: 'INSECURE_ENDPOINT', stopsRun: true });
    expect(error.message).toContain('http://crm.example.com.br/cliente/webservices/index.php');
    const allowed = await CrmClient.connect({ wsdlUrl, ...CREDENTIALS, tls: { ca: cert }, allowInsecureEndpoint: true });
    expect(allowed.endpoint).toBe('http://crm.example.com.br/cliente/webservices/index.php');
    allowed.close();
  });
});

describe('charsets, message classification and malformed bodies', () => {
  const IP_TEXT = 'Cliente acme Erro Número 7: Esse IP: 10.1.2.3 Não está permitido o acesso a essa função';

  async function faultWith(bytes: Buffer, contentType: string): Promise<MegaCrmError> {
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'Content-Type': contentType });
        res.end(bytes);
      });
    });
    return (await failure((await clientTo(`${base}/x`)).upsertClient(joao))).error;
  }
  const faultBytes = (text: string, encoding: BufferEncoding) => Buffer.from(FAULT(text).replace('encoding="UTF-8"', ''), encoding);

  it.each([
    ['UTF-8 bytes declared ISO-8859-1 (NuSOAP never converts)', faultBytes(IP_TEXT, 'utf8'), 'text/xml; charset=ISO-8859-1'],
    ['ISO-8859-1 bytes declared UTF-8', faultBytes(IP_TEXT, 'latin1'), 'text/xml; charset=UTF-8'],
    ['ISO-8859-1 bytes with no charset at all', faultBytes(IP_TEXT, 'latin1'), 'text/xml'],
    ["NuSOAP's '?' for what its charset lacks", faultBytes(IP_TEXT.replace(/[úãáç]/g, '?'), 'latin1'), 'text/xml; charset=ISO-8859-1'],
    ['upper case without accents', faultBytes(IP_TEXT.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase(), 'latin1'), 'text/xml'],
  ])("the manual's IP message is recognised from %s: IP_NOT_ALLOWED stops the run", async (_name, bytes, contentType) => {
    const error = await faultWith(bytes, contentType);
    expect(error).toMatchObject({ code: 'IP_NOT_ALLOWED', stopsRun: true, details: { ip: '10.1.2.3' } });
  });

  it('reading the other charset is recorded, and accents come out right', async () => {
    const error = await faultWith(faultBytes('CONJUGE SEM ID INTEGRAÇÃO: Conceição', 'latin1'), 'text/xml; charset=UTF-8');
    expect(error).toMatchObject({ code: 'SPOUSE_WITHOUT_INTEGRATION_ID', details: { charsetFallback: true } });
    expect(error.message).toContain('Conceição');
  });

  it('PHP warnings printed before the XML make MALFORMED_RESPONSE showing the first bytes (masked), not a success', async () => {
    const warning = '<br />\n<b>Warning</b>:  Undefined variable $cpf 52998224725 in <b>/var/www/index.php</b> on line <b>12</b><br />\n';
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        res.end(Buffer.concat([Buffer.from(warning), OK_RESPONSE]));
      });
    });
    const { error } = await failure((await clientTo(`${base}/x`)).upsertClient(joao));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toContain('<b>Warning</b>: Undefined variable');
    expect(error.message).not.toContain('52998224725');
  });

  it.each([
    ['junk after the envelope', (xml: string) => `${xml}<b>Notice</b>`],
    ['two roots', (xml: string) => `${xml}${xml.replace(/^<\?xml[^>]*>/, '')}`],
    ['an HTML entity', (xml: string) => xml.replace('CLIENTE INCLUIDO', 'CLIENTE&nbsp;INCLUIDO')],
    ['a bare ampersand', (xml: string) => xml.replace('CLIENTE INCLUIDO', 'CLIENTE & INCLUIDO')],
    ['an invalid character reference', (xml: string) => xml.replace('CLIENTE INCLUIDO', 'CLIENTE&#0;INCLUIDO')],
  ])('%s is MALFORMED_RESPONSE, never a success', async (_name, spoil) => {
    const body = Buffer.from(spoil(OK_RESPONSE.toString('latin1')), 'latin1');
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        res.end(body);
      });
    });
    const { error } = await failure((await clientTo(`${base}/x`)).upsertClient(joao));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toMatch(/not one well-formed XML document/);
  });

  it('a WSDL with PHP warnings before it is refused showing its first bytes', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
      res.end(`<br />\n<b>Deprecated</b>: Methods with the same name as their class will not be constructors\n${WSDL}`);
    });
    const { error } = await failure(CrmClient.connect({ wsdlUrl: `${base}/cliente/webservices/index.php?wsdl`, ...CREDENTIALS }));
    expect(error.code).toBe('WSDL_UNAVAILABLE');
    expect(error.message).toContain('<b>Deprecated</b>: Methods with the same name');
  });

  it('a 1 MB answer with an onResponse hook is redacted in linear time (no event-loop freeze)', async () => {
    const big = OK_RESPONSE.toString('latin1').replace(
      'CLIENTE INCLUIDO',
      `${'joao.silva@exemplo.com.br '.repeat(20_000)}${'joao.silva.'.repeat(25_000)}${'1'.repeat(250_000)}`,
    );
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        res.end(Buffer.from(big, 'latin1'));
      });
    });
    const bodies: string[] = [];
    const client = await clientTo(`${base}/x`, { hooks: { onResponse: (e: { body: string }) => bodies.push(e.body) } });
    const started = process.cpuUsage();
    await client.upsertClient(joao);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
    expect(bodies[0]).toContain('j***@');
  });

  it('a 200 KB fault text is capped in the error and classified in linear time', async () => {
    const huge = `${'x@'.repeat(50_000)}${'a'.repeat(100_000)}`;
    const started = performance.now();
    const error = await faultWith(Buffer.from(FAULT(huge)), 'text/xml; charset=UTF-8');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('CRM_FAULT');
    expect(error.message.length).toBeLessThan(3000);
    expect(error.message).toContain('(200000 characters)');
  });
});

describe('what the answer must be', () => {
  async function answering(body: (request: string) => string) {
    const requests: string[] = [];
    const base = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const request = Buffer.concat(chunks).toString('utf8');
        requests.push(request);
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        res.end(Buffer.from(body(request), 'latin1'));
      });
    });
    return { base, requests };
  }
  const ok = OK_RESPONSE.toString('latin1');

  it("the rpc wrapper uses the binding's soap:body namespace, not the targetNamespace", async () => {
    const { base, requests } = await answering(() => ok);
    const wsdl = WSDL.replaceAll(/(<soap:body [^>]*namespace=")[^"]*"/g, '$1urn:WebServicesMultidados"');
    const client = await CrmClient.connect({ wsdl, endpoint: `${base}/x`, ...CREDENTIALS });
    cleanup.push(() => client.close());
    await client.upsertClient(joao);
    expect(requests[0]).toContain('xmlns:tns="urn:WebServicesMultidados"');
    expect(requests[0]).toContain('<tns:IncluirAlterarCliente>');
  });

  it('an answer for another operation is MALFORMED_RESPONSE', async () => {
    const { base } = await answering(() => ok.replaceAll('IncluirAlterarClienteResponse', 'ValidarCNPJResponse'));
    const { error } = await failure((await clientTo(`${base}/x`)).upsertClient(joao));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toContain('not <IncluirAlterarClienteResponse>');
  });

  it('an OK without id_crm is MALFORMED_RESPONSE, not a write with an empty id', async () => {
    const { base } = await answering(() => ok.replace(/<id_crm[^>]*>[^<]*<\/id_crm>/, '<id_crm xsi:type="xsd:string"></id_crm>'));
    const { error } = await failure((await clientTo(`${base}/x`)).upsertClient(joao));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toContain('without "id_crm"');
  });
});
