import { ValidationError } from '@mega-crm/core';
import { completeCnpj } from '@mega-crm/core/internal';
import { describe, expect, it } from 'vitest';
import { type MegaClientRow, mapClient } from '../src/mappers/client.js';
import { type ContractParts, type MegaStructureRow, mapContract } from '../src/mappers/contract.js';
import { type MegaOccurrenceRow, mapOccurrence } from '../src/mappers/occurrence.js';
import { type MegaProspectRow, mapProspect } from '../src/mappers/prospect.js';
import { mapSpouse } from '../src/mappers/spouse.js';
import type { OccurrenceTypeRule } from '../src/scope.js';

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
  HAS_SPOUSE: 1,
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
        spouseKey: '1-1-1000-C',
      },
      warnings: [],
    });
  });

  it('dirty contact data: keeps the valid values, leaves out the invalid ones with a warning naming the field', () => {
    const result = mapClient(
      { ...person, AGN_ST_EMAIL: 'angela@exemplo', AGN_ST_OUTROSEMAILS: 'alt@exemplo.com.br;;sem-arroba', AGN_ST_CEP: '880100', UF_ST_SIGLA: 'Santa Catarina' },
      [
        { TEA_ST_DDD: '11', TEA_ST_TELEFONE: '11987654321' }, // DDD glued and in its column: not 1111…
        { TEA_ST_DDD: null, TEA_ST_TELEFONE: '+55 (11) 98765-4321' }, // country code: the same phone
        { TEA_ST_DDD: '(011)', TEA_ST_TELEFONE: '3222-1111' },
        { TEA_ST_DDD: null, TEA_ST_TELEFONE: '98765432' }, // no DDD anywhere
        { TEA_ST_DDD: '11', TEA_ST_TELEFONE: '123' },
      ],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.emails).toEqual(['alt@exemplo.com.br']);
    expect(result.value.phones).toEqual(['11987654321', '1132221111']);
    expect(result.value.address).not.toHaveProperty('zip');
    expect(result.value.address).not.toHaveProperty('state');
    expect(result.warnings.map((w) => [w.field, w.code])).toEqual([
      ['emails (AGN_ST_EMAIL)', 'EMAIL_INVALID'],
      ['emails (AGN_ST_OUTROSEMAILS)', 'EMAIL_INVALID'],
      ['phones.3', 'PHONE_NO_AREA_CODE'],
      ['phones.4', 'PHONE_INVALID'],
      ['address.state', 'invalid_format'],
      ['address.zip', 'invalid_format'],
    ]);
    expect(JSON.stringify(result.warnings)).not.toMatch(/exemplo|98765432|sem-arroba/);
  });

  it('CPF and CNPJ from numeric columns get their leading zeros back before the check digits are validated', () => {
    const cpf = mapClient({ ...person, AGN_ST_CPF: 1234567890 as never }); // CPF 012.345.678-90 read as NUMBER
    expect(cpf.ok && cpf.value.document).toBe('01234567890');
    const text = mapClient({ ...person, AGN_ST_CPF: '1234567890.0' });
    expect(text.ok && text.value.document).toBe('01234567890');
    const withZero = completeCnpj('012223330001');
    const cnpj = mapClient({ ...person, AGN_CH_TIPOPESSOAFJ: 'J', AGN_ST_CGC: Number(withZero) as never, AGN_ST_CPF: null, AGN_CH_ESTCIVIL: null });
    expect(cnpj.ok && cnpj.value.document).toBe(withZero);
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

describe('mapSpouse', () => {
  const row = {
    AGN_TAB_IN_CODIGO: 1,
    AGN_PAD_IN_CODIGO: 1,
    AGN_IN_CODIGO: 1000,
    AGN_ST_CPF: '111.444.777-35',
    AGN_ST_RG: null,
    AGN_ST_CARGOPROFISS: 'Professora',
    AGN_ST_NACIONALIDADE: 'Brasileira',
    AGN_DT_NASCIMENTO: '1978-09-12',
    SPOUSE_NAME: 'João Conceição',
  };
  it('derives a stable integration id from the client and keeps the CPF', () => {
    expect(mapSpouse(row)).toEqual({
      ok: true,
      value: {
        key: '1-1-1000-C',
        clientKey: '1-1-1000',
        name: 'João Conceição',
        document: '11144477735',
        birthDate: '1978-09-12',
        profession: 'Professora',
        nationality: 'Brasileira',
      },
    });
  });
  it('sends a spouse without CPF, but not one with a wrong CPF or without a name', () => {
    const noCpf = mapSpouse({ ...row, AGN_ST_CPF: null });
    expect(noCpf.ok && noCpf.value.document).toBeUndefined();
    const bad = mapSpouse({ ...row, AGN_ST_CPF: '111.444.777-36', SPOUSE_NAME: ' ' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error instanceof ValidationError && bad.error.issues.map((i) => [i.path, i.code]).sort()).toEqual([
      ['document', 'CPF_INVALID'],
      ['name', 'SPOUSE_NAME_MISSING'],
    ]);
    expect(!bad.ok && bad.error.message).toContain('AGN_ST_CONJUGE');
  });

  it("a spouse with the client's own CPF is a typed data error naming both keys", () => {
    const same = mapSpouse({ ...row, CLIENT_CPF: '11144477735' });
    expect(same.ok).toBe(false);
    if (same.ok) return;
    expect(same.error.code).toBe('SPOUSE_SAME_CPF');
    expect(same.error.details).toMatchObject({ key: '1-1-1000-C', clientKey: '1-1-1000' });
    expect(same.error.message).toContain('1-1-1000-C');
    expect(same.error.message).not.toContain('11144477735');
  });
});

const structure = (est: number, type: string, name: string): MegaStructureRow => ({
  EST_IN_CODIGO: est,
  EST_ST_CODIGO: `C${est}`,
  EST_ST_NOME: name,
  EST_CH_TIPOESTRUTURA: type,
  PAI_EST_IN_CODIGO: null,
  EST_BO_INTEGRACRM: type === 'E' ? 'S' : null,
});
const ORG = { ORG_TAB_IN_CODIGO: 1, ORG_PAD_IN_CODIGO: 1, ORG_IN_CODIGO: 1, ORG_TAU_ST_CODIGO: 'O' };
const contractParts = (tipo: string, status: string): ContractParts => ({
  contract: {
    ...ORG,
    CTO_IN_CODIGO: 77,
    CTO_CH_TIPO: tipo,
    CTO_CH_STATUS: status,
    CTO_DT_STATUS: '2025-12-02',
    CTO_DT_CADASTRO: '2025-12-01',
    CTO_DT_ASSINATURA: '2025-12-02',
    CTO_RE_VALORCONTRATO: '450000.50',
  },
  buyers: [
    { AGN_TAB_IN_CODIGO: 1, AGN_PAD_IN_CODIGO: 1, AGN_IN_CODIGO: 1000, CTC_RE_PERCENTUAL: '50.00', CTC_BO_PRINCIPAL: 'N' },
    { AGN_TAB_IN_CODIGO: 1, AGN_PAD_IN_CODIGO: 1, AGN_IN_CODIGO: 1001, CTC_RE_PERCENTUAL: 30, CTC_BO_PRINCIPAL: 'S' },
    { AGN_TAB_IN_CODIGO: 1, AGN_PAD_IN_CODIGO: 1, AGN_IN_CODIGO: 1002, CTC_RE_PERCENTUAL: 20, CTC_BO_PRINCIPAL: 'N' },
  ],
  enterprise: structure(1, 'E', 'Residencial Ipê'),
  stage: structure(2, 'T', 'Etapa 1'),
  block: structure(3, 'B', 'Torre A'),
  unit: structure(4, 'U', 'Apto 101'),
  garages: [structure(5, 'G', 'Vaga 5')],
});

describe('mapContract', () => {
  it.each([
    ['V', 'sale'],
    ['P', 'swap'],
    ['M', 'rent'],
  ])('type %s is %s', (tipo, type) => {
    const r = mapContract(contractParts(tipo, 'A'));
    expect(r.ok && r.value.type).toBe(type);
  });
  it.each([
    ['A', 'active'],
    ['U', 'defaulting'],
    ['D', 'cancelled'],
    ['T', 'transferred'],
    ['C', 'assigned'],
    ['Q', 'paid-off'],
  ])('status %s is %s', (code, status) => {
    const r = mapContract(contractParts('V', code));
    expect(r.ok && r.value.status).toBe(status);
  });
  it('keeps three buyers with their shares, the flagged one as main, and the E → T → B → U chain', () => {
    const r = mapContract(contractParts('V', 'A'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      key: '1-1-1-O-77',
      value: 450000.5,
      buyers: [
        { clientKey: '1-1-1000', share: 50, main: false },
        { clientKey: '1-1-1001', share: 30, main: true },
        { clientKey: '1-1-1002', share: 20, main: false },
      ],
      enterprise: { key: '1-1-1-O-1', name: 'Residencial Ipê' },
      stage: { name: 'Etapa 1' },
      block: { name: 'Torre A' },
      unit: { key: '1-1-1-O-4', name: 'Apto 101' },
      garages: [{ key: '1-1-1-O-5', code: 'C5' }],
    });
  });
  it('an unknown code, no buyer, or no enterprise are typed issues', () => {
    const r = mapContract({ ...contractParts('X', 'Z'), buyers: [], enterprise: undefined });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.issues.map((i) => i.path).sort()).toEqual(['buyers', 'enterprise', 'status', 'type']);
  });
});

describe('mapOccurrence', () => {
  const row: MegaOccurrenceRow = {
    ...ORG,
    OCO_IN_CODIGO: 900,
    CTO_IN_CODIGO: 77,
    OCS_IN_MODULO: 1,
    OCS_IN_CODIGO: 10,
    OCS_ST_DESCRICAO: 'Fale Conosco',
    OCO_DT_CADASTRO: '2026-01-10',
    OCO_ST_OCORRENCIA: 'Pedido de 2ª via',
    OCO_ST_COMPLEMENTO: 'Portal de Clientes',
    OCO_DT_ENCERRAMENTO: null,
  };
  const open: OccurrenceTypeRule = { integrate: true, status: 'open' };
  const closed: OccurrenceTypeRule = { integrate: true, status: 'closed' };
  it('arrives open when its type says "Aberta"', () => {
    expect(mapOccurrence(row, open)).toEqual({
      ok: true,
      value: {
        key: '1-1-1-O-900',
        contractKey: '1-1-1-O-77',
        typeCode: 10,
        typeDescription: 'Fale Conosco',
        text: 'Pedido de 2ª via\nPortal de Clientes',
        openedAt: '2026-01-10',
        status: 'open',
      },
    });
  });
  it('arrives closed when its type says "Fechada", closed on its closing date or else its opening date', () => {
    const r = mapOccurrence(row, closed);
    expect(r.ok && r.value).toMatchObject({ status: 'closed', closedAt: '2026-01-10' });
    const dated = mapOccurrence({ ...row, OCO_DT_ENCERRAMENTO: '2026-01-12' }, closed);
    expect(dated.ok && dated.value.closedAt).toBe('2026-01-12');
  });
});

describe('mapProspect', () => {
  const row: MegaProspectRow = {
    AGN_TAB_IN_CODIGO: 1,
    AGN_PAD_IN_CODIGO: 1,
    AGN_IN_CODIGO: 2001,
    PRO_ST_NOME: ' Lívia Souza ',
    PRO_CH_TIPOPESSOAFJ: 'f',
    PRO_ST_CPFCNPJ: 12345678909,
    PRO_ST_EMAIL: 'Livia@Exemplo.com.br',
    PRO_ST_TELEFONE: '(11) 98765-4321',
    PRO_CH_ORIGEM: 'V',
  };

  it('maps to the CRM prospect under the shared id (the agent key), CPF padded, origin decoded', () => {
    const mapped = mapProspect(row);
    expect(mapped).toEqual({
      ok: true,
      warnings: [],
      value: {
        key: '1-1-2001',
        personType: 'F',
        name: 'Lívia Souza',
        document: '12345678909',
        email: 'livia@exemplo.com.br',
        phone: '11987654321',
        origin: 'vimob',
      },
    });
    const defaults = mapProspect({ ...row, PRO_CH_ORIGEM: null, PRO_CH_TIPOPESSOAFJ: null });
    expect(defaults.ok && defaults.value).toMatchObject({ personType: 'F', origin: 'crm' });
  });

  it('leaves a bad e-mail or phone out with a warning; refuses a bad CPF without echoing it', () => {
    const dropped = mapProspect({ ...row, PRO_ST_EMAIL: 'not-an-email', PRO_ST_TELEFONE: '12' });
    expect(dropped.ok && dropped.value).not.toHaveProperty('email');
    expect(dropped.ok && dropped.warnings.map((w) => w.field).sort()).toEqual(['email', 'phone']);
    const refused = mapProspect({ ...row, PRO_ST_CPFCNPJ: '11111111112' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toBeInstanceOf(ValidationError);
    expect(!refused.ok && refused.error.message).toMatch(/prospect 1-1-2001 is invalid in Mega: document/);
    expect(!refused.ok && refused.error.message).not.toContain('11111111112');
  });
});
