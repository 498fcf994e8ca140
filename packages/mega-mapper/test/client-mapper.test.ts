import { describe, expect, it } from 'vitest';
import { type MegaClientRow, mapClient } from '../src/client-mapper.js';

const person: MegaClientRow = {
  AGN_TAB_IN_CODIGO: 1,
  AGN_PAD_IN_CODIGO: 1,
  AGN_IN_CODIGO: 1000,
  AGN_ST_NOME: 'Ângela Gonçalves',
  AGN_ST_FANTASIA: null,
  AGN_CH_TIPOPESSOAFJ: 'F',
  AGN_ST_CGC: null,
  TPL_ST_SIGLA: 'R',
  AGN_ST_LOGRADOURO: 'São João',
  AGN_ST_NUMERO: '12',
  AGN_ST_COMPLEMENTO: '  ',
  AGN_ST_BAIRRO: 'Centro',
  AGN_ST_MUNICIPIO: 'Florianópolis',
  UF_ST_SIGLA: 'sc',
  AGN_ST_CEP: '88010-000',
  AGN_ST_EMAIL: 'Angela@Exemplo.com.br',
  AGN_ST_OUTROSEMAILS: 'alt@exemplo.com.br; angela@exemplo.com.br',
  AGN_ST_CPF: '529.982.247-25',
  AGN_CH_ESTCIVIL: 'C',
  AGN_DT_NASCIMENTO: '1975-04-30 00:00:00',
  AGN_ST_CONJUGE: 'João Conceição',
};

describe('mapClient', () => {
  it('maps a married person with accents, address, e-mails and phones', () => {
    const result = mapClient(person, [
      { TEA_ST_DDD: '48', TEA_ST_TELEFONE: '99876-5432' },
      { TEA_ST_DDD: null, TEA_ST_TELEFONE: '4832221111' },
    ]);
    expect(result).toEqual({
      ok: true,
      value: {
        key: '1-1-1000',
        personType: 'F',
        name: 'Ângela Gonçalves',
        document: '52998224725',
        emails: ['angela@exemplo.com.br', 'alt@exemplo.com.br'],
        phones: ['48998765432', '4832221111'],
        address: { streetType: 'R', street: 'São João', number: '12', district: 'Centro', city: 'Florianópolis', state: 'SC', zip: '88010000' },
        maritalStatus: 'married',
        birthDate: '1975-04-30',
        spouseName: 'João Conceição',
      },
    });
  });

  it('maps a company by its CNPJ (AGN_ST_CGC), ignoring the person row', () => {
    const result = mapClient({
      ...person,
      AGN_CH_TIPOPESSOAFJ: 'J',
      AGN_ST_CGC: '11.222.333/0001-81',
      AGN_ST_CPF: null,
      AGN_ST_FANTASIA: 'Ipê',
      AGN_CH_ESTCIVIL: null,
      AGN_ST_CONJUGE: null,
      AGN_DT_NASCIMENTO: null,
    });
    expect(result.ok && result.value).toMatchObject({ personType: 'J', document: '11222333000181', tradeName: 'Ipê' });
  });

  it('turns an invalid CPF into a ValidationError naming the field, without the value', () => {
    const result = mapClient({ ...person, AGN_ST_CPF: '529.982.247-24' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues).toEqual([expect.objectContaining({ path: 'document', code: 'CPF_INVALID' })]);
    expect(result.error.details).toEqual({ entity: 'client', key: '1-1-1000' });
    expect(result.error.message).not.toContain('529.982.247-24');
  });

  it('reports an unknown person type and marital code as typed issues', () => {
    const result = mapClient({ ...person, AGN_CH_TIPOPESSOAFJ: 'X', AGN_CH_ESTCIVIL: 'Z' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues.map((i) => i.path).sort()).toEqual(['maritalStatus', 'personType']);
  });

  it('accepts a Date from Oracle drivers and a missing name is an issue', () => {
    const result = mapClient({ ...person, AGN_DT_NASCIMENTO: new Date('1975-04-30T00:00:00Z'), AGN_ST_NOME: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues.map((i) => i.path)).toEqual(['name']);
  });
});
