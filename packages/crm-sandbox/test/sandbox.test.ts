import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { renderWsdl } from '@mega-crm/crm-client/profile';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmSandbox } from '../src/sandbox.js';

const sandboxes: CrmSandbox[] = [];
async function start(options: ConstructorParameters<typeof CrmSandbox>[0] = {}) {
  const sandbox = await new CrmSandbox(options).start();
  sandboxes.push(sandbox);
  return sandbox;
}
afterEach(async () => {
  for (const s of sandboxes.splice(0)) await s.stop();
});

const AUTH = {
  usuario: 'integra.mega',
  senha: 'sandbox',
  conexao_aberta_por: 'integra.mega',
  conexao_aberta_para: 'integra.mega',
  cnpj_empresa: '11222333000181',
};

function envelope(operation: string, params: Record<string, string>): string {
  const parts = Object.entries(params)
    .map(([k, v]) => `<${k} xsi:type="xsd:string">${v}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:x"><soap:Body><tns:${operation}>${parts}</tns:${operation}></soap:Body></soap:Envelope>`;
}

async function call(sandbox: CrmSandbox, operation: string, params: Record<string, string>) {
  const res = await fetch(`${sandbox.url}${sandbox.path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8' },
    body: envelope(operation, params),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, contentType: res.headers.get('content-type'), bytes, text: new TextDecoder('latin1').decode(bytes) };
}

describe('CrmSandbox', () => {
  it('serves the WSDL at /<cliente>/webservices/index.php?wsdl, identical to the recorded fixture but for the host', async () => {
    const sandbox = await start({ clientPath: 'cliente' });
    const served = new TextDecoder('latin1').decode(await (await fetch(sandbox.wsdlUrl)).arrayBuffer());
    const host = new URL(sandbox.url).host;
    expect(served).toBe(renderWsdl({ serverName: '127.0.0.1', endpoint: `http://${host}/cliente/webservices/index.php` }));
    const fixture = readFileSync(new URL('../../crm-client/test/fixtures/WebServicesMultidados.wsdl', import.meta.url), 'latin1')
      .replace(/<!--[\s\S]*?-->\n/, '')
      .trimEnd();
    const recordedShape = fixture.replaceAll('crm.example.com.br/cliente', `${host}/cliente`).replaceAll('crm.example.com.br', '127.0.0.1');
    expect(served).toBe(recordedShape);
    expect((await fetch(`${sandbox.url}/other/webservices/index.php?wsdl`)).status).toBe(404);
  });

  it('upserts by integration id and answers NuSOAP-style in ISO-8859-1', async () => {
    const sandbox = await start();
    const first = await call(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: '1-1-1', nome: 'João Conceição', cpf_cnpj: '52998224725' });
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('text/xml; charset=ISO-8859-1');
    expect(first.text).toMatch(/^<\?xml version="1.0" encoding="ISO-8859-1"\?><SOAP-ENV:Envelope/);
    expect(first.text).toContain('<status xsi:type="xsd:string">OK</status>');
    expect(first.text).toContain('<id_crm xsi:type="xsd:string">1</id_crm>');
    await call(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: '1-1-1', nome: 'João da Conceição', cpf_cnpj: '52998224725' });
    expect(sandbox.state().clients).toHaveLength(1);
    expect(sandbox.client('1-1-1')).toMatchObject({ crmId: '1', writes: 2, fields: { nome: 'João da Conceição' } });
    expect(JSON.stringify(sandbox.state())).not.toContain('sandbox"'); // password is not kept
  });

  it('refuses a CPF already held by another integration id', async () => {
    const sandbox = await start();
    await call(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: 'a', nome: 'A', cpf_cnpj: '52998224725' });
    const dup = await call(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: 'b', nome: 'B', cpf_cnpj: '529.982.247-25' });
    expect(dup.text).toContain('<status xsi:type="xsd:string">ERRO</status>');
    expect(dup.text).toContain('CPF/CNPJ JA CADASTRADO PARA OUTRO CLIENTE');
    expect(sandbox.state().clients.map((c) => c.integrationId)).toEqual(['a']);
  });

  it("answers wrong credentials and unlisted IPs with faults, the IP one in the manual's words", async () => {
    const sandbox = await start({ allowedIps: ['10.0.0.1'], clientPath: 'acme' });
    const ip = await call(sandbox, 'ValidarCNPJ', AUTH);
    expect(ip.status).toBe(500);
    expect(Buffer.from(ip.bytes).includes(Buffer.from('Não está permitido', 'latin1'))).toBe(true);
    expect(ip.text).toContain('Cliente acme Erro Número 1: Esse IP: 127.0.0.1 Não está permitido o acesso a essa função');
    const open = await start();
    const auth = await call(open, 'ValidarCNPJ', { ...AUTH, senha: 'wrong' });
    expect(auth.text).toContain('<faultcode xsi:type="xsd:string">SOAP-ENV:Client</faultcode>');
  });

  it('exposes its state as JSON over HTTP', async () => {
    const sandbox = await start({ encoding: 'UTF-8' });
    await call(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: 'x', nome: 'Luíza', cpf_cnpj: '52998224725' });
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as { clients: { fields: { nome: string } }[]; requests: number };
    expect(state.requests).toBe(1);
    expect(state.clients[0]?.fields.nome).toBe('Luíza');
  });
});

/** A raw HTTP/1.1 exchange over a socket, for requests fetch() will not send (bad Host, lying lengths). */
function rawRequest(sandbox: CrmSandbox, head: string, body: Buffer | string = ''): Promise<string> {
  const { port } = new URL(sandbox.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(head);
      socket.write(body);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5000, () => reject(new Error('no answer')));
  });
}

describe('CrmSandbox under hostile requests', () => {
  it('answers 413 to an oversized body (announced or streamed) without buffering it, and keeps serving', async () => {
    const sandbox = await start({ maxRequestBytes: 64 * 1024 });
    const announced = await rawRequest(sandbox, `POST ${sandbox.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${600 * 1024 * 1024}\r\n\r\n`, '<');
    expect(announced).toMatch(/^HTTP\/1.1 413/);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${sandbox.url}${sandbox.path}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (!req.destroyed && req.write(chunk)) {}
        if (!req.destroyed) req.once('drain', pump);
      };
      pump();
    });
    expect(streamed).toBe(413);
    expect((await call(sandbox, 'ValidarCNPJ', AUTH)).status).toBe(200);
  });

  it('refuses malformed requests, a bad Host header and bad faults, and keeps serving', async () => {
    const sandbox = await start();
    for (const body of ['\u0000\u00ff garbage', '<a><b></a>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', '']) {
      const res = await fetch(`${sandbox.url}${sandbox.path}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('SOAP-ENV:Client');
    }
    const badHost = await rawRequest(sandbox, `GET ${sandbox.path}?wsdl HTTP/1.1\r\nHost: x"/><evil a="\r\nConnection: close\r\n\r\n`);
    expect(badHost).toMatch(/^HTTP\/1.1 400/);
    expect(badHost).not.toContain('<evil');
    for (const faults of ['null', '[]', '{"errorRate": 2}', '{"wsdl": "gone"}', '{"typo": 1}', '{not json']) {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: faults });
      expect(res.status, faults).toBe(400);
    }
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: '{"latencyMs": [0, 1]}' })).status).toBe(204);
    expect((await call(sandbox, 'ValidarCNPJ', AUTH)).status).toBe(200);
    expect((await fetch(sandbox.wsdlUrl)).status).toBe(200);
  });

  it('reads the request by its XML declaration when Content-Type has no charset, as PHP does', async () => {
    const sandbox = await start();
    const xml = envelope('IncluirAlterarCliente', { ...AUTH, id_integracao: 'x', nome: 'Conceição', cpf_cnpj: '52998224725' }).replace(
      'encoding="utf-8"',
      'encoding="ISO-8859-1"',
    );
    const res = await fetch(`${sandbox.url}${sandbox.path}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: Buffer.from(xml, 'latin1') });
    expect(res.status).toBe(200);
    expect(sandbox.client('x')?.fields.nome).toBe('Conceição');
  });
});
