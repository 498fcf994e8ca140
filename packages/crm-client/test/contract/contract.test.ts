/**
 * Contract tests: msw serves the recorded WSDL and the recorded response envelopes; nothing else
 * may be requested (`onUnhandledRequest: 'error'`). Each request the client builds must equal the
 * recorded one byte for byte, and each recorded response must map to the stated result or error.
 */
import { readFileSync } from 'node:fs';
import nodeHttp from 'node:http';
import { MegaCrmError } from '@mega-crm/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../../src/client.js';
import { renderWsdl } from '../../src/profile/wsdl.js';
import { CREDENTIALS, envelopesDir, FIXTURE_ENDPOINT, FIXTURE_SERVER, FIXTURE_WSDL_URL, wsdlFixture } from './paths.js';
import { joao, SCENARIOS } from './scenarios.js';

const wsdlBytes = readFileSync(wsdlFixture);
const wsdlHandler = http.get(FIXTURE_ENDPOINT, ({ request }) =>
  new URL(request.url).searchParams.has('wsdl')
    ? new HttpResponse(wsdlBytes, { headers: { 'Content-Type': 'text/xml; charset=ISO-8859-1' } })
    : new HttpResponse(null, { status: 404 }),
);
const server = setupServer(wsdlHandler);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers the next SOAP POST with `body` and keeps what was sent. */
function answerWith(status: number, contentType: string, body: Buffer | string): string[] {
  const received: string[] = [];
  server.use(
    http.post(FIXTURE_ENDPOINT, async ({ request }) => {
      received.push(await request.text());
      return new HttpResponse(body, { status, headers: { 'Content-Type': contentType } });
    }),
  );
  return received;
}

// msw intercepts node:http, which SOAP calls go through when given an agent (else, to an http: endpoint,
// through the client's lean HTTP/1.1 connection pool, which the tests against real servers cover).
const connect = (extra: Record<string, unknown> = {}) =>
  CrmClient.connect({ wsdlUrl: FIXTURE_WSDL_URL, ...CREDENTIALS, agent: new nodeHttp.Agent({ keepAlive: true }), ...extra });

describe('recorded WSDL', () => {
  it('is what the profile renders (the sandbox serves the same document)', () => {
    const fixture = wsdlBytes.toString('latin1').replace(/<!--[\s\S]*?-->\n/, '');
    expect(fixture).toBe(`${renderWsdl({ serverName: FIXTURE_SERVER, endpoint: FIXTURE_ENDPOINT })}\n`);
    expect(fixture).toContain('<service name="WebServicesMultidados"><port name="WebServicesMultidadosPort"');
    expect(fixture).toContain('use="encoded"');
  });

  it('offers every profile operation', async () => {
    const client = await connect();
    expect(client.unsupportedOperations).toEqual([]);
    expect(client.endpoint).toBe(FIXTURE_ENDPOINT);
    client.close();
  });
});

describe.each(SCENARIOS.map((s) => [s.name, s] as const))('scenario %s', (name, scenario) => {
  it('sends the recorded request and maps the recorded response', async () => {
    const meta = JSON.parse(readFileSync(`${envelopesDir}/${name}.meta.json`, 'utf8')) as { status: number; contentType: string };
    const received = answerWith(meta.status, meta.contentType, readFileSync(`${envelopesDir}/${name}.response.xml`));
    const client = await connect(scenario.password ? { password: scenario.password } : {});
    try {
      const outcome = await scenario.call(client).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      expect(received).toEqual([readFileSync(`${envelopesDir}/${name}.request.xml`, 'utf8')]);
      if ('result' in scenario.expect) {
        expect(outcome).toEqual({ result: scenario.expect.result });
      } else {
        expect('error' in outcome && MegaCrmError.is(outcome.error)).toBe(true);
        expect((outcome as { error: unknown }).error).toMatchObject(scenario.expect.error);
        const message = ((outcome as { error: Error }).error as Error).message;
        expect(message).toMatch(/\nFix: .+\nCorreção: .+/);
        expect(message).not.toContain(CREDENTIALS.password);
        expect(message).not.toContain(joao.document);
      }
    } finally {
      client.close();
    }
  });
});

describe('manual strings in the recorded responses', () => {
  it.each([
    ['upsert-client.ip-not-allowed', 'Erro Número 1: Esse IP: 127.0.0.1 Não está permitido o acesso a essa função'],
    ['upsert-client.spouse-without-id', 'CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::'],
  ])('%s carries the manual text, decoded from ISO-8859-1', async (name, text) => {
    expect(readFileSync(`${envelopesDir}/${name}.response.xml`, 'latin1')).toContain(text);
    const meta = JSON.parse(readFileSync(`${envelopesDir}/${name}.meta.json`, 'utf8')) as { status: number; contentType: string };
    answerWith(meta.status, meta.contentType, readFileSync(`${envelopesDir}/${name}.response.xml`));
    const client = await connect();
    await expect(client.upsertClient(joao)).rejects.toThrow(text);
    client.close();
  });
});

// Responses no CRM answer was recorded for: written by hand, labelled here.
describe('hand-written broken responses', () => {
  const cases: Array<[string, number, string, string, Record<string, unknown>]> = [
    ['HTTP 500 with an HTML page', 500, 'text/html', '<html><body>Internal Server Error</body></html>', { code: 'CONNECTION_FAILED', retryable: true }],
    ['HTTP 200 with an empty body', 200, 'text/xml', '', { name: 'ProtocolError', code: 'MALFORMED_RESPONSE' }],
    ['HTTP 200 with HTML', 200, 'text/html', '<html><body>PHP Warning</body></html>', { name: 'ProtocolError', code: 'MALFORMED_RESPONSE' }],
    [
      'a Body without the return struct',
      200,
      'text/xml',
      '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><x/></SOAP-ENV:Body></SOAP-ENV:Envelope>',
      { code: 'MALFORMED_RESPONSE' },
    ],
    [
      'a fault with empty faultstring (never "undefined: undefined")',
      500,
      'text/xml',
      '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring></faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>',
      { code: 'CRM_FAULT', retryable: false },
    ],
  ];
  it.each(cases)('%s', async (_name, status, type, body, expected) => {
    answerWith(status, type, body);
    const client = await connect();
    const error = await client.upsertClient(joao).catch((e: unknown) => e);
    expect(error).toMatchObject(expected);
    expect(String((error as Error).message)).not.toContain('undefined');
    client.close();
  });

  it('refuses a response with a DTD and an external entity instead of resolving it', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><r><return><status>OK</status><mensagem>&xxe;</mensagem></return></r></SOAP-ENV:Body></SOAP-ENV:Envelope>';
    answerWith(200, 'text/xml', xxe);
    const client = await connect();
    const error = await client.upsertClient(joao).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE' });
    expect((error as Error).message).toMatch(/DTD/);
    expect((error as Error).message).not.toContain('root:');
    client.close();
  });

  it('a network error is a retryable transport error', async () => {
    server.use(http.post(FIXTURE_ENDPOINT, () => HttpResponse.error()));
    const client = await connect();
    await expect(client.upsertClient(joao)).rejects.toMatchObject({ name: 'TransportError', retryable: true });
    client.close();
  });
});

describe('WSDL failures', () => {
  const wsdlCases: Array<[string, () => Response, RegExp]> = [
    [
      'an empty body (the manual\'s "Error [Empty document]")',
      () => new HttpResponse('', { headers: { 'Content-Type': 'text/xml' } }),
      /Error \[Empty document\]/,
    ],
    ['an HTML page', () => new HttpResponse('<html><body>login</body></html>', { headers: { 'Content-Type': 'text/html' } }), /HTML page/],
    ['HTTP 500', () => new HttpResponse('<html>boom</html>', { status: 500 }), /HTTP status 500.*Body: "<html>boom<\/html>"/],
    ['XML that is not a WSDL', () => new HttpResponse('<?xml version="1.0"?><erro/>', { headers: { 'Content-Type': 'text/xml' } }), /no <definitions> root/],
    ['a truncated WSDL', () => new HttpResponse(wsdlBytes.subarray(0, 3000), { headers: { 'Content-Type': 'text/xml' } }), /truncated/],
    [
      'a WSDL with a DTD',
      () => new HttpResponse('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><definitions/>', { headers: { 'Content-Type': 'text/xml' } }),
      /DTD/,
    ],
  ];
  it.each(wsdlCases)('%s → WSDL_UNAVAILABLE with the URL and the fix', async (_name, respond, reason) => {
    server.use(http.get(FIXTURE_ENDPOINT, respond));
    const error = await connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'WSDL_UNAVAILABLE', stopsRun: true });
    const message = (error as Error).message;
    expect(message).toContain(`Unable to load WSDL File/Location: ${FIXTURE_WSDL_URL}`);
    expect(message).toMatch(reason);
    expect(message).toMatch(/Fix: Check the WSDL address/);
  });

  it('a WSDL whose parameters differ from the profile is PROFILE_MISMATCH naming the part and the override to pass', async () => {
    const altered = wsdlBytes.toString('latin1').replace('<part name="nome_fantasia" type="xsd:string" />', '<part name="fantasia" type="xsd:string" />');
    server.use(
      http.get(FIXTURE_ENDPOINT, () => new HttpResponse(Buffer.from(altered, 'latin1'), { headers: { 'Content-Type': 'text/xml; charset=ISO-8859-1' } })),
    );
    const error = await connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH', retryable: false, stopsRun: true });
    const message = (error as Error).message;
    expect(message).toContain('IncluirAlterarCliente (upsertClient) request: part "nome_fantasia" (xsd:string) is not in the WSDL; the WSDL has "fantasia"');
    expect(message).toContain('profile: {"operations":{"upsertClient":{"params":{"nome_fantasia":"fantasia"}}}}');
    expect(message).not.toMatch(/\.ts\b|src\//);
    const fixed = await connect({ profile: { operations: { upsertClient: { params: { nome_fantasia: 'fantasia' } } } } });
    expect(fixed.profileReport.ok).toBe(true);
    fixed.close();
  });

  it('an operation missing from the WSDL fails when called, naming it', async () => {
    const without = wsdlBytes.toString('latin1').replace(/<operation name="ConsultarLogIntegracao">[\s\S]*?<\/operation>/g, '');
    server.use(
      http.get(FIXTURE_ENDPOINT, () => new HttpResponse(Buffer.from(without, 'latin1'), { headers: { 'Content-Type': 'text/xml; charset=ISO-8859-1' } })),
    );
    const client = await connect();
    expect(client.unsupportedOperations).toEqual(['ConsultarLogIntegracao']);
    const error = await client.integrationLog('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH', retryable: false, details: { operation: 'ConsultarLogIntegracao' } });
    expect((error as Error).message).toContain('operation ConsultarLogIntegracao (integrationLog): not in the WSDL');
    expect((error as Error).message).not.toMatch(/\.ts\b|src\//);
    client.close();
  });

  it('the WSDL is loaded once per client and again only on refreshWsdl()', async () => {
    let loads = 0;
    server.use(
      http.get(FIXTURE_ENDPOINT, () => {
        loads++;
        return new HttpResponse(wsdlBytes, { headers: { 'Content-Type': 'text/xml; charset=ISO-8859-1' } });
      }),
    );
    answerWith(200, 'text/xml; charset=ISO-8859-1', readFileSync(`${envelopesDir}/validate-cnpj.ok.response.xml`));
    const client = await connect();
    await client.validateCnpj();
    await client.validateCnpj();
    expect(loads).toBe(1);
    await client.refreshWsdl();
    expect(loads).toBe(2);
    client.close();
  });

  it('loads the WSDL from a string or a file without any request', async () => {
    server.use(http.get(FIXTURE_ENDPOINT, () => HttpResponse.error()));
    const fromText = await CrmClient.connect({ wsdl: wsdlBytes.toString('latin1'), ...CREDENTIALS });
    const fromFile = await CrmClient.connect({ wsdlFile: wsdlFixture, ...CREDENTIALS });
    expect(fromText.endpoint).toBe(FIXTURE_ENDPOINT);
    expect(fromFile.endpoint).toBe(FIXTURE_ENDPOINT);
    fromText.close();
    fromFile.close();
  });
});
