/**
 * Contract suite against a real NuSOAP server (the CRM's likely stack), in both of its consistent
 * encodings: the WSDL NuSOAP generates from the profile, every operation with accented, XML-special
 * and CR LF text, and the manual's fault messages as NuSOAP sends them. Needs PHP and NuSOAP
 * (`.ci/run` installs them); without them the suite says so and does not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import type { ProfileReport } from '../src/profile/compare.js';
import { type CrmProfileOverrides, DEFAULT_PROFILE } from '../src/profile/runtime.js';
import { compileEnvelope } from '../src/soap/envelope.js';
import { CREDENTIALS } from './contract/paths.js';
import { angela, contract, joao, occurrence } from './contract/scenarios.js';
import { type NusoapServer, nusoapMissing, startNusoap } from './nusoap/nusoap-server.js';

const missing = nusoapMissing();
const TEXT = 'João Conceição & <Filhos> "Ângela" l\'Água';
const LINES = 'linha 1\r\nlinha 2\rlinha 3\nfim';

it.runIf(missing !== undefined)(`NuSOAP contract suite NOT RUN: ${missing}`, () => {
  expect(missing).toBeDefined();
});

describe.runIf(missing === undefined).each(['ISO-8859-1', 'UTF-8'] as const)('against NuSOAP 0.9.5 answering %s', (encoding) => {
  let server: NusoapServer;
  let client: CrmClient;
  const params = (operation: string) =>
    server
      .calls()
      .filter((c) => c.operation === operation)
      .at(-1)?.params ?? {};

  beforeAll(async () => {
    server = await startNusoap(encoding);
    client = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("loads NuSOAP's own WSDL: every profile operation, the rpc namespace from soap:body", () => {
    expect(client.unsupportedOperations).toEqual([]);
    expect(client.endpoint).toBe(server.wsdlUrl.replace('?wsdl', ''));
  });

  it('every operation goes through, text arriving as sent: accents, XML specials, CR LF and lone CR', async () => {
    await expect(client.validateCnpj()).resolves.toMatchObject({ message: 'ValidarCNPJ OK' });
    await expect(client.upsertSpouse({ ...angela, name: TEXT })).resolves.toEqual({ crmId: '42', message: 'IncluirAlterarConjuge OK' });
    expect(params('IncluirAlterarConjuge').nome).toBe(TEXT);
    await client.upsertClient({ ...joao, name: TEXT, address: { ...joao.address, complement: LINES } });
    expect(params('IncluirAlterarCliente')).toMatchObject({ nome: TEXT, complemento: LINES, cpf_cnpj: joao.document, usuario: CREDENTIALS.user });
    await client.upsertContract(contract);
    await client.upsertOccurrence({ ...occurrence, text: LINES });
    expect(params('IncluirAlterarOcorrencia').texto).toBe(LINES);
    await client.addNarrative({ occurrenceKey: occurrence.key, text: `${TEXT}\r\n${LINES}`, at: '2026-01-15T09:30:00-03:00' });
    expect(params('IncluirNarrativa').texto).toBe(`${TEXT}\r\n${LINES}`);
    await client.closeOccurrence({ occurrenceKey: occurrence.key, reason: TEXT, closeFlow: true });
    expect(params('EncerrarOcorrencia').motivo).toBe(TEXT);
    await expect(client.occurrenceOrigin(occurrence.key)).resolves.toEqual({ origin: 'integration', crmId: '7' });
    await expect(client.integrationLog(joao.key)).resolves.toEqual([]);
  });

  it('buyers arrive as a SOAP-ENC array; a buyer without a share arrives without one, not as 0', async () => {
    await client.upsertContract({ ...contract, buyers: [{ clientKey: joao.key, main: true }, ...contract.buyers.slice(1)] });
    const buyers = params('IncluirAlterarContrato').compradores as Array<Record<string, unknown>>;
    expect(buyers).toHaveLength(contract.buyers.length);
    expect(buyers[0]?.id_integracao_cliente).toBe(joao.key);
    expect(buyers[0]?.percentual ?? null).toBeNull();
    expect(Number(buyers[1]?.percentual)).toBe(contract.buyers[1]?.share);
  });

  it(`characters above U+00FF ${encoding === 'UTF-8' ? 'survive' : 'become "?" (NuSOAP decode_utf8)'}`, async () => {
    await client.upsertSpouse({ ...angela, name: 'Preço € 5' });
    expect(params('IncluirAlterarConjuge').nome).toBe(encoding === 'UTF-8' ? 'Preço € 5' : 'Preço ? 5');
  });

  it("the manual's IP message, sent by NuSOAP in bytes other than the charset it declares, is IP_NOT_ALLOWED", async () => {
    const blocked = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, user: 'ip-blocked' });
    const error = await blocked.validateCnpj().catch((e: unknown) => e);
    blocked.close();
    expect(error).toMatchObject({ code: 'IP_NOT_ALLOWED', stopsRun: true, details: { client: 'acme', ip: '127.0.0.1' } });
  });

  it('wrong credentials are AUTH_FAILED', async () => {
    const wrong = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, password: 'wrong' });
    const error = await wrong.validateCnpj().catch((e: unknown) => e);
    wrong.close();
    expect(error).toMatchObject({ code: 'AUTH_FAILED', stopsRun: true });
  });
});

describe.runIf(missing === undefined)('against NuSOAP 0.9.5 serving the CRM under other names', () => {
  const renamed: CrmProfileOverrides = {
    authParts: { usuario: 'login' },
    operations: {
      upsertClient: { name: 'IncluirCliente', params: { cpf_cnpj: 'documento', nome: 'razao_social' }, response: 'retorno' },
      upsertContract: { params: { compradores: 'adquirentes' } },
    },
    structs: { RetornoIntegracao: { fields: { mensagem: 'msg' } }, Comprador: { name: 'Adquirente', fields: { percentual: 'participacao' } } },
  };
  let server: NusoapServer;
  beforeAll(async () => {
    server = await startNusoap('ISO-8859-1', renamed);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("compares NuSOAP's own WSDL of the renamed CRM: PROFILE_MISMATCH whose suggested profile is exactly the renames", async () => {
    const error = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROFILE_MISMATCH' });
    expect((error as { details: { report: ProfileReport } }).details.report.suggestedProfile).toEqual(renamed);
  });

  it('with the profile, every renamed name goes through NuSOAP: operation, auth and request parts, array items, response part and fields', async () => {
    const client = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, timeoutMs: 10_000, profile: renamed });
    try {
      expect(client.unsupportedOperations).toEqual([]);
      await expect(client.upsertClient({ ...joao, name: TEXT })).resolves.toEqual({ crmId: '42', message: 'IncluirCliente OK' });
      const call = server.calls().find((c) => c.operation === 'IncluirCliente');
      expect(call?.params).toMatchObject({ login: CREDENTIALS.user, razao_social: TEXT, documento: joao.document });
      await client.upsertContract(contract);
      const buyers = server.calls().find((c) => c.operation === 'IncluirAlterarContrato')?.params.adquirentes as Array<Record<string, unknown>>;
      expect(buyers[0]).toMatchObject({ id_integracao_cliente: contract.buyers[0]?.clientKey });
      expect(Object.keys(buyers[0] ?? {})).toContain('participacao');
      await expect(client.upsertClient({ ...joao, name: TEXT })).resolves.toMatchObject({ message: 'IncluirCliente OK' });
    } finally {
      client.close();
    }
  });
});

describe.runIf(missing === undefined)('against NuSOAP 0.9.5 declaring parts in another order', () => {
  let server: NusoapServer;
  beforeAll(async () => {
    server = await startNusoap('UTF-8', {}, ['EncerrarOcorrencia']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('NuSOAP maps rpc parameters by position: the client sends them in the WSDL order, and reports the order', async () => {
    const client = await CrmClient.connect({ wsdlUrl: server.wsdlUrl, ...CREDENTIALS, timeoutMs: 10_000 });
    try {
      await client.closeOccurrence({ occurrenceKey: occurrence.key, reason: 'motivo X', closeFlow: true });
      const call = server.calls().find((c) => c.operation === 'EncerrarOcorrencia');
      expect(call?.params).toMatchObject({ id_integracao_ocorrencia: occurrence.key, motivo: 'motivo X', encerrar_fluxo: true });
    } finally {
      client.close();
    }
    // The same call in the profile's order: NuSOAP hands the values to the wrong parameters.
    const op = DEFAULT_PROFILE.operations.closeOccurrence;
    const envelope = compileEnvelope(
      op,
      'urn:WebServicesMultidados',
      DEFAULT_PROFILE,
    )([CREDENTIALS.user, CREDENTIALS.password, CREDENTIALS.openedBy, CREDENTIALS.openedFor, CREDENTIALS.cnpj], {
      id_integracao_ocorrencia: occurrence.key,
      motivo: 'motivo Y',
      encerrar_fluxo: 'true',
    });
    await fetch(server.wsdlUrl.replace('?wsdl', ''), {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"urn:WebServicesMultidados#${op.name}"` },
      body: envelope,
    });
    const swapped = server
      .calls()
      .filter((c) => c.operation === 'EncerrarOcorrencia')
      .at(-1)?.params;
    // Three parts reversed: the middle one lands right, the first and last trade places.
    expect(swapped).toMatchObject({ id_integracao_ocorrencia: true, motivo: 'motivo Y', encerrar_fluxo: occurrence.key });
  });
});
