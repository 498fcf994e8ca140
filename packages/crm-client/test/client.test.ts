import { type Client, MegaCrmError } from '@mega-crm/core';
import { completeCpf } from '@mega-crm/core/internal';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import pRetry from 'p-retry';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { REMOVALS } from '../src/profile/profile.js';
import { crmSink } from '../src/sink.js';
import { contract, occurrence } from './contract/scenarios.js';
import { localServer } from './local-server.js';

const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function sandbox(options: ConstructorParameters<typeof CrmSandbox>[0] = {}) {
  const s = await new CrmSandbox(options).start();
  cleanup.push(() => s.stop());
  return s;
}

async function connect(wsdlUrl: string, extra: Record<string, unknown> = {}) {
  const client = await CrmClient.connect({ wsdlUrl, ...CREDS, ...extra });
  cleanup.push(() => client.close());
  return client;
}

/** A raw HTTP server answering every request with `handler`, for failures the sandbox does not fake yet. */
async function rawServer(handler: Parameters<typeof localServer>[0]): Promise<string> {
  return `${await localServer(handler, cleanup)}/cliente/webservices/index.php?wsdl`;
}

const joao: Client = {
  key: '1-1-1000',
  personType: 'F',
  name: 'João Conceição',
  document: '52998224725',
  emails: ['joao@exemplo.com.br'],
  phones: ['11987654321'],
  address: { street: 'Rua São João & Filhos <1>', city: 'São Paulo', state: 'SP' },
  maritalStatus: 'married',
  spouseName: 'Ângela Gonçalves',
};

describe('CrmClient against the sandbox', () => {
  it.each(['ISO-8859-1', 'UTF-8'] as const)('upserts a client with accents and XML specials intact (%s answers)', async (encoding) => {
    const crm = await sandbox({ encoding });
    const client = await connect(crm.wsdlUrl);
    const created = await client.upsertClient(joao);
    expect(created).toEqual({ crmId: '1', message: 'CLIENTE INCLUIDO' });
    const updated = await client.upsertClient({ ...joao, name: 'João da Conceição' });
    expect(updated.message).toBe('CLIENTE ALTERADO');
    expect(crm.client('1-1-1000')?.fields).toMatchObject({
      nome: 'João da Conceição',
      logradouro: 'Rua São João & Filhos <1>',
      nome_conjuge: 'Ângela Gonçalves',
      estado_civil: 'CASADO',
      cpf_cnpj: '52998224725',
    });
    expect((await client.validateCnpj()).message).toBe('CNPJ VALIDO');
  });

  it('maps the CRM answers to typed errors with their fixes', async () => {
    const crm = await sandbox();
    const client = await connect(crm.wsdlUrl);
    await client.upsertClient(joao);
    await expect(client.upsertClient({ ...joao, key: '1-1-2000' })).rejects.toMatchObject({
      name: 'DuplicateDocumentError',
      code: 'DUPLICATE_CPF',
      retryable: false,
    });
    const wrong = await connect(crm.wsdlUrl, { password: 'wrong' });
    await expect(wrong.upsertClient(joao)).rejects.toMatchObject({ code: 'AUTH_FAILED', stopsRun: true });
  });

  it('parses client, error number and IP out of the "IP not allowed" message', async () => {
    const crm = await sandbox({ allowedIps: ['10.1.1.1'], clientPath: 'acme' });
    const client = await connect(crm.wsdlUrl);
    const error = await client.upsertClient(joao).catch((e: unknown) => e);
    expect(MegaCrmError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'IP_NOT_ALLOWED', stopsRun: true, details: { client: 'acme', errorNumber: '1', ip: '127.0.0.1' } });
    expect((error as Error).message).toContain('Não está permitido');
    expect((error as Error).message).toMatch(/Allow IP 127\.0\.0\.1/);
  });
});

describe('CrmClient under faults, with hooks', () => {
  it('round-trips "João Conceição" and "Ângela Gonçalves" through an ISO-8859-1 CRM', async () => {
    const crm = await sandbox({ encoding: 'ISO-8859-1' });
    const client = await connect(crm.wsdlUrl);
    await client.upsertSpouse({ key: '1-1-1000-C', clientKey: '1-1-1000', name: 'Ângela Gonçalves' });
    await client.upsertClient({ ...joao, spouseKey: '1-1-1000-C' });
    const log = await client.integrationLog('1-1-1000-C');
    expect(crm.spouse('1-1-1000-C')?.fields.nome).toBe('Ângela Gonçalves');
    expect(crm.client('1-1-1000')?.fields.nome).toBe('João Conceição');
    expect(log).toEqual([expect.objectContaining({ status: 'ok', message: 'CONJUGE INCLUIDO' })]);
  });

  it('with 30 % transient faults and the caller retrying, the CRM ends with every record exactly once', async () => {
    const crm = await sandbox({ faults: { errorRate: 0.3, latencyMs: [0, 3] }, seed: 7 });
    const client = await connect(crm.wsdlUrl, { timeoutMs: 2_000 });
    const records = Array.from({ length: 300 }, (_, i): Client => ({ ...joao, key: `1-1-${5000 + i}`, document: completeCpf(String(200_000_000 + i)) }));
    let attempts = 0;
    const pending = [...records];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let r = pending.shift(); r; r = pending.shift()) {
          const record = r;
          await pRetry(
            () => {
              attempts++;
              return client.upsertClient(record);
            },
            { retries: 10, minTimeout: 1, maxTimeout: 5, shouldRetry: ({ error }) => MegaCrmError.is(error) && error.retryable },
          );
        }
      }),
    );
    const state = crm.state();
    expect(state.injectedFaults).toBeGreaterThan(50);
    expect(attempts).toBe(records.length + state.injectedFaults);
    expect(state.clients).toHaveLength(records.length);
    expect(new Set(state.clients.map((c) => c.integrationId)).size).toBe(records.length);
    // A write applied before a dropped answer is repeated as an update, never as a second record.
    expect(state.clients.some((c) => c.writes > 1)).toBe(true);
  });

  it('reports each call to the hooks with the operation, duration and a redacted body', async () => {
    const crm = await sandbox();
    const events: Array<[string, Record<string, unknown>]> = [];
    const client = await connect(crm.wsdlUrl, {
      hooks: {
        onRequest: (e: Record<string, unknown>) => events.push(['request', e]),
        onResponse: (e: Record<string, unknown>) => events.push(['response', e]),
        onError: (e: Record<string, unknown>) => events.push(['error', e]),
      },
    });
    await client.upsertClient(joao);
    await client.upsertClient({ ...joao, key: 'other' }).catch(() => undefined);
    expect(events.map(([kind, e]) => [kind, e.operation])).toEqual([
      ['request', 'IncluirAlterarCliente'],
      ['response', 'IncluirAlterarCliente'],
      ['request', 'IncluirAlterarCliente'],
      ['response', 'IncluirAlterarCliente'],
      ['error', 'IncluirAlterarCliente'],
    ]);
    const all = JSON.stringify(events);
    expect(all).not.toContain(CREDS.password);
    expect(all).not.toContain(joao.document);
    expect(all).not.toContain('joao@exemplo.com.br');
    expect(all).toContain('<senha xsi:type=\\"xsd:string\\">[redacted]</senha>');
    expect(events[1]?.[1].durationMs).toBeGreaterThan(0);
    expect(events[4]?.[1].error).toMatchObject({ code: 'DUPLICATE_CPF' });
  });
});

describe('CrmClient request envelopes', () => {
  it('sends rpc/encoded parts typed with xsi:type, xsd bound, in profile order, escaped', async () => {
    const crm = await sandbox();
    const wsdl = Buffer.from(await (await fetch(crm.wsdlUrl)).arrayBuffer());
    const bodies: string[] = [];
    const url = await rawServer((req, res) => {
      if (req.method === 'GET') return res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' }).end(wsdl);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res
          .writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' })
          .end(
            '<?xml version="1.0" encoding="ISO-8859-1"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><SOAP-ENV:Body><ns1:IncluirAlterarClienteResponse xmlns:ns1="urn:x"><return><status xsi:type="xsd:string">OK</status><codigo xsi:type="xsd:int">0</codigo><mensagem xsi:type="xsd:string"></mensagem><id_crm xsi:type="xsd:string">77</id_crm></return></ns1:IncluirAlterarClienteResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>',
          );
      });
    });
    const client = await connect(url, { endpoint: url.replace('?wsdl', '') });
    expect(await client.upsertClient(joao)).toEqual({ crmId: '77', message: '' });
    const body = bodies[0] ?? '';
    expect(body).toContain('xmlns:xsd="http://www.w3.org/2001/XMLSchema"');
    expect(body).toContain('soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"');
    expect(body).toContain('<id_integracao xsi:type="xsd:string">1-1-1000</id_integracao>');
    expect(body).toContain('<logradouro xsi:type="xsd:string">Rua São João &amp; Filhos &lt;1&gt;</logradouro>');
    const order = [...body.matchAll(/<(\w+) xsi:type=/g)].map((m) => m[1]);
    expect(order.slice(0, 7)).toEqual(['usuario', 'senha', 'conexao_aberta_por', 'conexao_aberta_para', 'cnpj_empresa', 'id_integracao', 'tipo_pessoa']);
  });
});

describe('CrmClient WSDL loading failures', () => {
  const cases: Array<[string, Parameters<typeof localServer>[0], RegExp]> = [
    ['an empty body', (_q, s) => s.end(''), /Empty document/],
    ['an HTML page', (_q, s) => s.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Erro PHP</body></html>'), /HTML page/],
    ['HTTP 404', (_q, s) => s.writeHead(404).end('not here'), /HTTP status 404/],
    ['XML that is not a WSDL', (_q, s) => s.writeHead(200, { 'Content-Type': 'text/xml' }).end('<?xml version="1.0"?><erro>x</erro>'), /no <definitions> root/],
  ];
  it.each(cases)('%s is a WSDL_UNAVAILABLE configuration error with the URL', async (_name, handler, reason) => {
    const url = await rawServer(handler);
    const error = await CrmClient.connect({ wsdlUrl: url, ...CREDS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WSDL_UNAVAILABLE', stopsRun: true });
    expect((error as Error).message).toContain(`Unable to load WSDL File/Location: ${url}`);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain('/webservices/index.php?wsdl');
  });

  it('a refused connection is a WSDL_UNAVAILABLE error too', async () => {
    const url = await rawServer((_q, s) => s.end(''));
    for (const stop of cleanup.splice(0)) await stop(); // stop it: the port now refuses
    await expect(CrmClient.connect({ wsdlUrl: url, ...CREDS })).rejects.toMatchObject({ code: 'WSDL_UNAVAILABLE' });
  });

  it('a WSDL without the configured service/port is PROFILE_MISMATCH saying what it has and what to pass', async () => {
    const crm = await sandbox();
    const error = await CrmClient.connect({ wsdlUrl: crm.wsdlUrl, ...CREDS, portName: 'OtherPort' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH', stopsRun: true });
    expect((error as Error).message).toMatch(/port "OtherPort" not found \(the WSDL has: WebServicesMultidados\/WebServicesMultidadosPort\)/);
    expect((error as Error).message).toContain("pass serviceName: 'WebServicesMultidados', portName: 'WebServicesMultidadosPort'");
  });

  it('a call slower than the timeout fails with TIMEOUT naming the limit, close to the limit', async () => {
    const crm = await sandbox();
    const wsdl = await (await fetch(crm.wsdlUrl)).arrayBuffer();
    const url = await rawServer((req, res) => {
      if (req.method === 'GET') res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' }).end(Buffer.from(wsdl));
      // POSTs are never answered
    });
    const client = await connect(url, { timeoutMs: 1000, endpoint: url.replace('?wsdl', '') });
    const started = performance.now();
    const error = await client.upsertClient(joao).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, timedOut: true });
    expect((error as Error).message).toContain('1000 ms timeout');
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1100);
  });
});

describe('crmSink', () => {
  it('removes an occurrence by closing it in the CRM (EncerrarOcorrencia, reason by cause); other entities are unsupported', async () => {
    const crm = await sandbox();
    const client = await connect(crm.wsdlUrl);
    const sink = crmSink(client);
    await sink.deliver({ entity: 'client', key: joao.key, payload: joao });
    const alone = { ...contract, buyers: [{ clientKey: joao.key, main: true }] };
    await sink.deliver({ entity: 'contract', key: contract.key, payload: alone });
    await sink.deliver({ entity: 'occurrence', key: occurrence.key, payload: occurrence });
    expect(crm.occurrence(occurrence.key)?.status).toBe('ABERTA');
    expect(await sink.remove?.({ entity: 'occurrence', key: occurrence.key }, 'out-of-scope')).toEqual({ action: 'closed' });
    expect(crm.occurrence(occurrence.key)).toMatchObject({ status: 'FECHADA', closeReason: REMOVALS.occurrence.reason['out-of-scope'], flowClosed: false });
    for (const entity of ['client', 'spouse', 'contract'] as const) {
      expect(await sink.remove?.({ entity, key: 'x' }, 'deleted')).toEqual({ action: 'unsupported' });
    }
    expect(crm.log().filter((e) => e.operation === 'EncerrarOcorrencia')).toHaveLength(1);
    // An occurrence the CRM does not have: a typed error, for the engine to park.
    await expect(sink.remove?.({ entity: 'occurrence', key: 'nope' }, 'deleted')).rejects.toBeInstanceOf(MegaCrmError);
  });
});
