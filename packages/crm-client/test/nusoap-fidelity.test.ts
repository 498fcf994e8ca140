/**
 * What the CRM stores, against the sandbox in its NuSOAP mode (it loses data where NuSOAP does): the
 * client must send what survives it.
 */
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { CREDENTIALS } from './contract/paths.js';
import { angela, contract, joao } from './contract/scenarios.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function nusoapSandbox(encoding: 'ISO-8859-1' | 'UTF-8' = 'ISO-8859-1') {
  const sandbox = await new CrmSandbox({ nusoap: true, encoding }).start();
  cleanup.push(() => sandbox.stop());
  const client = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDENTIALS });
  cleanup.push(() => client.close());
  return { sandbox, client };
}

describe('NuSOAP fidelity: what the CRM stores', () => {
  it('CR LF in text is stored as CR LF (the client escapes CR as &#13;)', async () => {
    const { sandbox, client } = await nusoapSandbox();
    await client.upsertClient({ ...joao, spouseKey: undefined, address: { ...joao.address, complement: 'Bloco A\r\nFundos\rPorta 2' } } as never);
    expect(sandbox.client(joao.key)?.fields.complemento).toBe('Bloco A\r\nFundos\rPorta 2');
  });

  it('a buyer without a share is stored without one, not as 0 %', async () => {
    const { sandbox, client } = await nusoapSandbox();
    await client.upsertSpouse(angela);
    await client.upsertClient(joao);
    const buyers = [{ clientKey: joao.key, main: true }];
    await client.upsertContract({ ...contract, buyers });
    expect(sandbox.contract(contract.key)?.buyers[0]).not.toHaveProperty('percentual', '0');
    expect(sandbox.contract(contract.key)?.buyers[0]?.percentual ?? '').toBe('');
  });

  it.each(['ISO-8859-1', 'UTF-8'] as const)('accents and XML specials survive a %s CRM; above U+00FF only UTF-8 keeps them', async (encoding) => {
    const { sandbox, client } = await nusoapSandbox(encoding);
    await client.upsertClient({ ...joao, spouseKey: undefined, name: 'João Conceição & <Filhos> "€ 😀"' } as never);
    const expected = encoding === 'UTF-8' ? 'João Conceição & <Filhos> "€ 😀"' : 'João Conceição & <Filhos> "? ?"';
    expect(sandbox.client(joao.key)?.fields.nome).toBe(expected);
  });
});

describe('the sandbox NuSOAP mode itself', () => {
  const envelope = (parts: string) =>
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><tns:IncluirAlterarContrato xmlns:tns="urn:x"><usuario>integra.mega</usuario><senha>sandbox</senha><conexao_aberta_por>a</conexao_aberta_por><conexao_aberta_para>a</conexao_aberta_para><cnpj_empresa>11222333000181</cnpj_empresa>${parts}</tns:IncluirAlterarContrato></soap:Body></soap:Envelope>`;

  it('stores an empty xsd:decimal as 0 and raw CR LF as LF, like NuSOAP', async () => {
    const { sandbox, client } = await nusoapSandbox();
    await client.upsertSpouse(angela);
    await client.upsertClient(joao);
    const body = envelope(
      `<id_integracao>K1</id_integracao><numero>1\r\n2</numero><id_empreendimento>E</id_empreendimento><valor xsi:type="xsd:decimal"></valor><compradores><item><id_integracao_cliente>${joao.key}</id_integracao_cliente><percentual xsi:type="xsd:decimal"></percentual></item></compradores>`,
    );
    const res = await fetch(sandbox.endpoint, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body });
    expect(res.status).toBe(200);
    expect(sandbox.contract('K1')?.fields).toMatchObject({ numero: '1\n2', valor: '0' });
    expect(sandbox.contract('K1')?.buyers[0]?.percentual).toBe('0');
  });
});
