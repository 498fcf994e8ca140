import { type CrmProfileOverrides, renderWsdl, resolveProfile } from '@mega-crm/crm-client/profile';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmSandbox } from '../src/sandbox.js';

const sandboxes: CrmSandbox[] = [];
afterEach(async () => {
  for (const s of sandboxes.splice(0)) await s.stop();
});

const PROFILE: CrmProfileOverrides = {
  authParts: { usuario: 'login' },
  operations: { upsertClient: { name: 'IncluirCliente', params: { cpf_cnpj: 'documento' }, response: 'retorno' } },
  structs: { RetornoIntegracao: { name: 'Resultado', fields: { mensagem: 'msg' } } },
};

const AUTH = { login: 'integra.mega', senha: 'sandbox', conexao_aberta_por: 'a', conexao_aberta_para: 'b', cnpj_empresa: '11222333000181' };

async function post(sandbox: CrmSandbox, operation: string, params: Record<string, string>): Promise<string> {
  const parts = Object.entries(params)
    .map(([k, v]) => `<${k} xsi:type="xsd:string">${v}</${k}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:tns="urn:x"><soap:Body><tns:${operation}>${parts}</tns:${operation}></soap:Body></soap:Envelope>`;
  const res = await fetch(`${sandbox.url}${sandbox.path}`, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body });
  return res.text();
}

describe('sandbox under a profile', () => {
  it('serves the WSDL of the renamed CRM and answers calls under its names', async () => {
    const sandbox = await new CrmSandbox({ profile: PROFILE }).start();
    sandboxes.push(sandbox);
    const served = new TextDecoder('latin1').decode(await (await fetch(sandbox.wsdlUrl)).arrayBuffer());
    const host = new URL(sandbox.url).host;
    expect(served).toBe(renderWsdl({ serverName: '127.0.0.1', endpoint: `http://${host}${sandbox.path}` }, resolveProfile(PROFILE)));
    expect(served).toContain('<operation name="IncluirCliente">');
    expect(served).not.toContain('IncluirAlterarCliente');

    const answer = await post(sandbox, 'IncluirCliente', { ...AUTH, id_integracao: '1-1-1', nome: 'Ana', documento: '52998224725' });
    expect(answer).toContain('<ns1:IncluirClienteResponse');
    expect(answer).toMatch(
      /<retorno xsi:type="tns:Resultado"><status xsi:type="xsd:string">OK<\/status><codigo xsi:type="xsd:int">0<\/codigo><msg xsi:type="xsd:string">CLIENTE INCLUIDO<\/msg>/,
    );
    expect(sandbox.client('1-1-1')?.fields.cpf_cnpj).toBe('52998224725');
    // The reconstructed name is not served any more; the renamed auth part is what authenticates.
    expect(await post(sandbox, 'IncluirAlterarCliente', { ...AUTH, id_integracao: '1-1-2' })).toContain('Operation not found in request');
    const { login: _login, ...rest } = AUTH;
    expect(await post(sandbox, 'IncluirCliente', { ...rest, usuario: 'integra.mega', id_integracao: '1-1-3', nome: 'B', documento: '11144477735' })).toContain(
      'USUARIO OU SENHA INVALIDOS',
    );
  });

  it('refuses an unknown override key', () => {
    expect(() => new CrmSandbox({ profile: { operations: { upsertCliente: {} } } as never })).toThrow(/upsertCliente/);
  });
});
