import type { CapturedItem, ChangeSource, Client, Contract, Occurrence, Spouse } from '@mega-crm/core';
import { SyncEngine } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { compareProfile, formatProfileReport, profileFromWsdl } from '../src/profile/compare.js';
import { type CrmProfileOverrides, DEFAULT_PROFILE, resolveProfile } from '../src/profile/runtime.js';
import { renderWsdl } from '../src/profile/wsdl.js';
import { crmSink } from '../src/sink.js';

const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function sandbox(profile: CrmProfileOverrides) {
  const s = await new CrmSandbox({ profile }).start();
  cleanup.push(() => s.stop());
  return s;
}

/** A CRM whose names differ from the reconstruction: an operation, parameters, a response part, a struct field and type. */
const RENAMED: CrmProfileOverrides = {
  operations: {
    upsertClient: { name: 'IncluirCliente', params: { cpf_cnpj: 'cpfcnpj', nome_fantasia: 'fantasia' }, response: 'retorno' },
    upsertContract: { params: { compradores: 'adquirentes' } },
  },
  structs: {
    RetornoIntegracao: { fields: { mensagem: 'msg' } },
    Comprador: { name: 'Adquirente', fields: { percentual: 'participacao' } },
    LogIntegracao: { name: 'RegistroLog' },
  },
};

const spouse: Spouse = { key: '1-1-1000-C', clientKey: '1-1-1000', name: 'Ângela Gonçalves' };
const joao: Client = {
  key: '1-1-1000',
  personType: 'F',
  name: 'João Conceição',
  document: '52998224725',
  emails: [],
  phones: [],
  address: {},
  spouseKey: spouse.key,
};
const contract: Contract = {
  key: 'CT-1',
  number: '1',
  type: 'sale',
  status: 'active',
  value: 100,
  buyers: [{ clientKey: joao.key, share: 100, main: true }],
  enterprise: { key: 'E-1', code: 'E1', name: 'Empreendimento Ipê' },
  garages: [],
};
const occurrence: Occurrence = {
  key: 'OC-1',
  contractKey: 'CT-1',
  typeCode: 10,
  typeDescription: 'Fale Conosco',
  text: '2ª via',
  openedAt: '2026-01-10',
  status: 'open',
};

function listSource(items: CapturedItem[]): ChangeSource {
  return {
    id: 'test:profile',
    async read(cursor, { limit }) {
      const from = cursor ? Number(cursor) : 0;
      const page = items.slice(from, from + limit);
      return { items: page, cursor: String(from + page.length), hasMore: from + page.length < items.length };
    },
  };
}

describe('runtime CRM profile', () => {
  it('a sandbox serving renamed names is PROFILE_MISMATCH (not WSDL_UNAVAILABLE) whose suggested override is exactly the renames', async () => {
    const crm = await sandbox(RENAMED);
    const error = await CrmClient.connect({ wsdlUrl: crm.wsdlUrl, ...CREDS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH', retryable: false, stopsRun: true });
    const { report } = (error as { details: { report: ReturnType<typeof compareProfile> } }).details;
    expect(report.ok).toBe(false);
    expect(report.suggestedProfile).toEqual(RENAMED);
    expect((error as Error).message).toContain(`profile: ${JSON.stringify(report.suggestedProfile)}`);
    expect((error as Error).message).toContain('operation IncluirAlterarCliente (upsertClient): not in the WSDL; the WSDL has IncluirCliente');
    expect((error as Error).message).not.toMatch(/\.ts\b|src\/|check the WSDL address/i);
    // The report is also available without connecting.
    expect(await CrmClient.checkProfile({ wsdlUrl: crm.wsdlUrl, ...CREDS })).toEqual(report);
  });

  it('connect({ profile }) with the live names runs a sync against the renamed sandbox through crmSink', async () => {
    const crm = await sandbox(RENAMED);
    const client = await CrmClient.connect({ wsdlUrl: crm.wsdlUrl, ...CREDS, profile: RENAMED });
    cleanup.push(() => client.close());
    expect(client.profileReport.ok).toBe(true);
    expect(client.unsupportedOperations).toEqual([]);
    expect(client.profile.operations.upsertClient.name).toBe('IncluirCliente');

    const store = new SqliteStore({ path: ':memory:' });
    cleanup.push(() => store.close());
    const items: CapturedItem[] = [
      { kind: 'record', record: { entity: 'spouse', key: spouse.key, payload: spouse } },
      { kind: 'record', record: { entity: 'client', key: joao.key, payload: joao } },
      { kind: 'record', record: { entity: 'contract', key: contract.key, payload: contract } },
      { kind: 'record', record: { entity: 'occurrence', key: occurrence.key, payload: occurrence } },
    ];
    const summary = await new SyncEngine({ source: listSource(items), sink: crmSink(client), store }).run();
    expect(summary.outcome).toBe('completed');
    expect(summary.failures).toEqual([]);
    expect(summary.totals.sent).toBe(4);
    // Stored under the sandbox's default names: the renamed parts and struct fields arrived where they belong.
    expect(crm.client(joao.key)?.fields).toMatchObject({ cpf_cnpj: '52998224725', nome: 'João Conceição' });
    expect(crm.contract(contract.key)?.buyers).toEqual([{ id_integracao_cliente: joao.key, percentual: '100.00', principal: 'true' }]);
    expect(crm.occurrence(occurrence.key)?.status).toBe('ABERTA');
    expect(crm.state().requestsByOperation.IncluirCliente).toBe(1);

    // The renamed response part and message field are read: the CRM's message, an array of the renamed item type.
    expect((await client.upsertClient(joao)).message).toBe('CLIENTE ALTERADO');
    const log = await client.integrationLog(joao.key);
    expect(log.map((e) => e.message)).toEqual(['CLIENTE INCLUIDO', 'CLIENTE ALTERADO']);
    await expect(client.upsertClient({ ...joao, key: '1-1-2000', spouseKey: undefined })).rejects.toMatchObject({ code: 'DUPLICATE_CPF' });
  });

  it('invalid overrides are CONFIG_INVALID naming the unknown key and where it is', async () => {
    const error = await CrmClient.connect({
      wsdl: '<definitions/>',
      ...CREDS,
      profile: { operations: { upsertClient: { params: { cpf: 'x' } } } } as never,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toContain('profile.operations.upsertClient.params: unknown option(s) "cpf"');
    const group = await CrmClient.connect({ wsdl: '<definitions/>', ...CREDS, profile: { messagePatterns: { missingField: 'CAMPO (\\w+)' } } }).catch(
      (e: unknown) => e,
    );
    expect((group as Error).message).toContain('profile.messagePatterns.missingField: must capture the named group (?<field>…)');
    const clash = await CrmClient.connect({
      wsdl: '<definitions/>',
      ...CREDS,
      profile: { operations: { upsertClient: { name: 'IncluirAlterarConjuge' } } },
    }).catch((e: unknown) => e);
    expect(clash).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((clash as Error).message).toContain('two operations are named "IncluirAlterarConjuge"');
  });

  it('a message pattern override recognises the live wording', async () => {
    const crm = await sandbox({});
    const client = await CrmClient.connect({
      wsdlUrl: crm.wsdlUrl,
      ...CREDS,
      password: 'wrong',
      profile: { messagePatterns: { authFailed: 'NAO RECONHECIDO', cnpjInvalid: 'USUARIO OU SENHA' } },
    });
    cleanup.push(() => client.close());
    // The sandbox's "USUARIO OU SENHA INVALIDOS" now matches the overridden cnpjInvalid, not authFailed.
    await expect(client.validateCnpj()).rejects.toMatchObject({ code: 'CNPJ_INVALID' });
  });
});

describe('compareProfile: the mismatch report', () => {
  /** The reconstructed WSDL, then: a renamed param, response part, struct field, array item type; one operation removed, one added. */
  function alteredWsdl(): string {
    const renamed = resolveProfile({
      operations: { upsertSpouse: { params: { rg: 'identidade' } }, addNarrative: { response: 'resultado' } },
      structs: { RetornoIntegracao: { fields: { mensagem: 'msg' } }, LogIntegracao: { name: 'RegistroLog' } },
    });
    return renderWsdl({ serverName: 'crm.example.com.br', endpoint: 'http://crm.example.com.br/cliente/webservices/index.php' }, renamed)
      .replace(/<message name="ConsultarStatusBPORequest">.*?<\/message>\n<message name="ConsultarStatusBPOResponse">.*?<\/message>/s, '')
      .replace(/<operation name="ConsultarStatusBPO">.*?<\/operation>/gs, '')
      .replace(
        '<portType name="WebServicesMultidadosPortType">',
        '<message name="ConsultarEmpreendimentoRequest"><part name="usuario" type="xsd:string" /><part name="id_empreendimento" type="xsd:string" /></message>\n' +
          '<message name="ConsultarEmpreendimentoResponse"><part name="return" type="xsd:string" /></message>\n' +
          '<portType name="WebServicesMultidadosPortType"><operation name="ConsultarEmpreendimento"><input message="tns:ConsultarEmpreendimentoRequest"/><output message="tns:ConsultarEmpreendimentoResponse"/></operation>',
      );
  }

  it('names exactly the differences, with their effect, and the override that explains them', () => {
    const report = compareProfile(profileFromWsdl(alteredWsdl(), { serviceName: 'WebServicesMultidados', portName: 'WebServicesMultidadosPort' }));
    const users = (effect: string) => report.differences.filter((d) => d.effect === effect).map((d) => d.text);
    // upsertSpouse is required (a sync sends spouses); RetornoIntegracao is what every write returns.
    expect(users('stops-connect')).toEqual([
      'IncluirAlterarConjuge (upsertSpouse) request: part "rg" (xsd:string) is not in the WSDL; the WSDL has "identidade" (xsd:string) in its place',
      'struct RetornoIntegracao: field "mensagem" (xsd:string) is not in the WSDL; the WSDL has "msg" (xsd:string) in its place',
    ]);
    expect(users('disables-operation').sort()).toEqual(
      [
        'IncluirNarrativa (addNarrative) response: part "return" is not in the WSDL; the WSDL\'s response part is "resultado"',
        'operation ConsultarStatusBPO (bpoStatus): not in the WSDL',
        'struct LogIntegracao: the WSDL calls it RegistroLog',
        'struct RetornoLog: field "registros" is an array of LogIntegracao in the profile, an array of RegistroLog in the WSDL',
      ].sort(),
    );
    // A field explained by a rename is not also reported as extra.
    expect(users('none')).toEqual(['operation ConsultarEmpreendimento: in the WSDL, not used by the profile']);
    expect(report.extraOperations).toEqual(['ConsultarEmpreendimento']);
    expect(report.suggestedProfile).toEqual({
      operations: { upsertSpouse: { params: { rg: 'identidade' } }, addNarrative: { response: 'resultado' } },
      structs: { RetornoIntegracao: { fields: { mensagem: 'msg' } }, LogIntegracao: { name: 'RegistroLog' } },
    });

    const spouseOp = report.operations.find((op) => op.key === 'upsertSpouse');
    expect(spouseOp).toMatchObject({ status: 'differs', usable: false, required: true });
    expect(spouseOp?.request).toMatchObject({
      missing: [{ name: 'rg', type: 'string' }],
      extra: [{ name: 'identidade', type: 'string' }],
      typeDiffers: [],
      orderDiffers: false,
    });
    expect(report.operations.find((op) => op.key === 'bpoStatus')).toEqual({
      key: 'bpoStatus',
      name: 'ConsultarStatusBPO',
      required: false,
      status: 'missing',
      usable: false,
    });
    expect(report.operations.find((op) => op.key === 'upsertProspect')).toMatchObject({ status: 'differs', usable: false }); // returns RetornoIntegracao
    const log = report.structs.find((s) => s.source === 'RetornoLog');
    expect(log?.fields?.typeDiffers).toEqual([{ name: 'registros', profile: 'array:LogIntegracao', wsdl: 'array:RegistroLog' }]);
    expect(report.structs.find((s) => s.source === 'LogIntegracao')).toMatchObject({ wsdlName: 'RegistroLog', status: 'differs' });
    // RetornoStatusBPO is used only by the missing operation: not compared.
    expect(report.structs.some((s) => s.source === 'RetornoStatusBPO')).toBe(false);

    // With the suggested override, only what no rename explains is left: the missing optional operation and the extra one.
    const again = compareProfile(profileFromWsdl(alteredWsdl(), {}), resolveProfile(report.suggestedProfile));
    expect(again.ok).toBe(true);
    expect(again.differences.map((d) => d.text)).toEqual([
      'operation ConsultarStatusBPO (bpoStatus): not in the WSDL',
      'operation ConsultarEmpreendimento: in the WSDL, not used by the profile',
    ]);
  });

  it('formatProfileReport marks each difference by its effect and ends with the profile to pass', () => {
    const report = compareProfile(profileFromWsdl(alteredWsdl(), {}));
    const text = formatProfileReport(report).split('\n');
    expect(text).toContain('✗ struct RetornoIntegracao: field "mensagem" (xsd:string) is not in the WSDL; the WSDL has "msg" (xsd:string) in its place');
    expect(text).toContain('! operation ConsultarStatusBPO (bpoStatus): not in the WSDL');
    expect(text).toContain('· operation ConsultarEmpreendimento: in the WSDL, not used by the profile');
    expect(text.at(-1)).toBe(`profile: ${JSON.stringify(report.suggestedProfile)}`);
    expect(formatProfileReport(compareProfile(profileFromWsdl(renderWsdl({ serverName: 'h', endpoint: 'http://h/x' }))))).toBe('the WSDL matches the profile');
  });

  it('a retyped request part is reported with the typed override; reordered parts are reported and harmless (sent in the WSDL order)', async () => {
    const base = renderWsdl({ serverName: 'h', endpoint: 'http://127.0.0.1:9/x' });
    const retyped = base.replace('<part name="valor" type="xsd:decimal" />', '<part name="valor" type="xsd:string" />');
    const report = compareProfile(profileFromWsdl(retyped, {}));
    expect(report.differences.map((d) => [d.effect, d.text])).toEqual([
      ['stops-connect', 'IncluirAlterarContrato (upsertContract) request: part "valor" is xsd:decimal in the profile, xsd:string in the WSDL'],
    ]);
    expect(report.suggestedProfile).toEqual({ operations: { upsertContract: { params: { valor: { type: 'string' } } } } });
    const client = await CrmClient.connect({ wsdl: retyped, ...CREDS, profile: report.suggestedProfile });
    cleanup.push(() => client.close());
    expect(client.profileReport.differences).toEqual([]);

    const reordered = base.replace(
      '<part name="motivo" type="xsd:string" /><part name="encerrar_fluxo" type="xsd:boolean" />',
      '<part name="encerrar_fluxo" type="xsd:boolean" /><part name="motivo" type="xsd:string" />',
    );
    const order = compareProfile(profileFromWsdl(reordered, {}));
    expect(order.ok).toBe(true);
    expect(order.differences.map((d) => [d.effect, d.text])).toEqual([
      ['none', 'EncerrarOcorrencia (closeOccurrence) request: the parts are in another order in the WSDL; they are sent in its order'],
    ]);
    expect(order.operations.find((op) => op.key === 'closeOccurrence')).toMatchObject({ status: 'differs', usable: true, request: { orderDiffers: true } });
  });

  it('the reconstructed WSDL matches the default profile exactly', () => {
    const report = compareProfile(profileFromWsdl(renderWsdl({ serverName: 'h', endpoint: 'http://h/x' })), DEFAULT_PROFILE);
    expect(report.differences).toEqual([]);
    expect(report.operations.every((op) => op.status === 'match' && op.usable)).toBe(true);
    expect(report.suggestedProfile).toEqual({});
  });

  it('a missing optional operation connects, is reported, and fails with PROFILE_MISMATCH when called', async () => {
    const wsdl = renderWsdl({ serverName: 'h', endpoint: 'http://127.0.0.1:9/x' }).replace(/<operation name="IncluirAlterarProspect">.*?<\/operation>/gs, '');
    const client = await CrmClient.connect({ wsdl, ...CREDS });
    cleanup.push(() => client.close());
    expect(client.unsupportedOperations).toEqual(['IncluirAlterarProspect']);
    const error = await client.upsertProspect({ key: 'P-1', name: 'Ana', document: '52998224725' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH', retryable: false, details: { operation: 'IncluirAlterarProspect' } });
    expect((error as Error).message).toContain('operation IncluirAlterarProspect (upsertProspect): not in the WSDL');
  });

  it("the report kept in the error's details is bounded (a WSDL with thousands of operations)", async () => {
    const extra = Array.from(
      { length: 3000 },
      (_, i) => `<operation name="Extra${i}"><input message="tns:ValidarCNPJRequest"/><output message="tns:ValidarCNPJResponse"/></operation>`,
    ).join('');
    const wsdl = renderWsdl({ serverName: 'h', endpoint: 'http://127.0.0.1:9/x' })
      .replace(/<operation name="IncluirAlterarContrato">.*?<\/operation>/gs, '')
      .replace('<portType name="WebServicesMultidadosPortType">', `<portType name="WebServicesMultidadosPortType">${extra}`);
    const error = await CrmClient.connect({ wsdl, ...CREDS }).catch((e: unknown) => e);
    const details = (error as { details: { report: { differences: unknown[]; extraOperations: unknown[]; omitted: unknown } } }).details;
    expect(details.report.differences).toHaveLength(100);
    expect(details.report.extraOperations).toHaveLength(100);
    expect(details.report.omitted).toEqual({ differences: 2901, extraOperations: 2900 });
    expect((error as Error).message.length).toBeLessThan(4000);
  });

  it('a missing required operation stops connect', async () => {
    const wsdl = renderWsdl({ serverName: 'h', endpoint: 'http://127.0.0.1:9/x' }).replace(/<operation name="IncluirAlterarContrato">.*?<\/operation>/gs, '');
    const error = await CrmClient.connect({ wsdl, ...CREDS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH' });
    expect((error as Error).message).toContain('operation IncluirAlterarContrato (upsertContract): not in the WSDL');
  });
});
