import type { Client, Contract, Occurrence } from '@mega-crm/core';
import { CrmClient } from '@mega-crm/crm-client';
import { MESSAGE_PATTERNS } from '@mega-crm/crm-client/profile';
import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGES } from '../src/messages.js';
import { CrmSandbox, type CrmSandboxOptions } from '../src/sandbox.js';

const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: CrmSandboxOptions = {}) {
  const sandbox = await new CrmSandbox(options).start();
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDS });
  cleanup.push(
    () => sandbox.stop(),
    () => crm.close(),
  );
  return { sandbox, crm };
}

const client = (n: number, extra: Partial<Client> = {}): Client => ({
  key: `1-1-${n}`,
  personType: 'F',
  name: `Cliente ${n}`,
  document: String(10_000_000_000 + n),
  emails: [],
  phones: [],
  address: {},
  ...extra,
});
const contract = (buyers: number[]): Contract => ({
  key: 'CT-1',
  number: '1',
  type: 'sale',
  status: 'active',
  value: 100,
  buyers: buyers.map((n, i) => ({ clientKey: `1-1-${n}`, main: i === 0 })),
  enterprise: { key: 'E-1', code: 'E1', name: 'Empreendimento Ipê' },
  garages: [],
});
const occurrence = (status: Occurrence['status']): Occurrence => ({
  key: 'OC-1',
  contractKey: 'CT-1',
  typeCode: 10,
  typeDescription: 'Fale Conosco',
  text: 'Pedido de 2ª via de boleto',
  openedAt: '2026-01-10',
  status,
});

describe('sandbox messages', () => {
  it("are each recognised by crm-client's message patterns", () => {
    expect(MESSAGE_PATTERNS.ipNotAllowed.test(MESSAGES.ipNotAllowed('acme', '10.0.0.9'))).toBe(true);
    expect(MESSAGE_PATTERNS.spouseWithoutId.test(MESSAGES.spouseWithoutId)).toBe(true);
    expect(MESSAGE_PATTERNS.authFailed.test(MESSAGES.authFailed)).toBe(true);
    expect(MESSAGE_PATTERNS.cnpjInvalid.test(MESSAGES.cnpjInvalid)).toBe(true);
    expect(MESSAGE_PATTERNS.duplicateDocument.test(MESSAGES.duplicateDocument('x'))).toBe(true);
    expect(MESSAGE_PATTERNS.missingField.test(MESSAGES.missingField('nome'))).toBe(true);
    expect(MESSAGE_PATTERNS.dependencyNotFound.test(MESSAGES.clientNotFound('1-1-1'))).toBe(true);
    expect(MESSAGE_PATTERNS.dependencyNotFound.test(MESSAGES.contractNotFound('CT-1'))).toBe(true);
  });
});

describe('sandbox rules', () => {
  it('refuses a client whose spouse has no integration id yet, then accepts it once the spouse exists', async () => {
    const { sandbox, crm } = await setup();
    const married = client(1, { spouseKey: '1-1-1-C', spouseName: 'Ângela Gonçalves' });
    await expect(crm.upsertClient(married)).rejects.toMatchObject({ code: 'SPOUSE_WITHOUT_INTEGRATION_ID' });
    expect(sandbox.client('1-1-1')).toBeUndefined();
    await crm.upsertSpouse({ key: '1-1-1-C', clientKey: '1-1-1', name: 'Ângela Gonçalves' });
    await expect(crm.upsertClient(married)).resolves.toMatchObject({ message: 'CLIENTE INCLUIDO' });
    expect(sandbox.spouse('1-1-1-C')?.fields.nome).toBe('Ângela Gonçalves');
    const log = await crm.integrationLog('1-1-1', 'cliente');
    expect(log.map((e) => [e.status, e.message])).toEqual([
      ['error', MESSAGES.spouseWithoutId],
      ['ok', 'CLIENTE INCLUIDO'],
    ]);
  });

  it('keeps a contract with three buyers, each of whom must already be a client', async () => {
    const { sandbox, crm } = await setup();
    await crm.upsertClient(client(1));
    await crm.upsertClient(client(2));
    await expect(crm.upsertContract(contract([1, 2, 3]))).rejects.toMatchObject({ code: 'DEPENDENCY_MISSING', details: { missingKey: '1-1-3' } });
    await crm.upsertClient(client(3));
    await crm.upsertContract(contract([1, 2, 3]));
    expect(sandbox.contract('CT-1')?.buyers.map((b) => [b.id_integracao_cliente, b.principal])).toEqual([
      ['1-1-1', 'true'],
      ['1-1-2', 'false'],
      ['1-1-3', 'false'],
    ]);
  });

  it('stores occurrences open or closed, adds narratives, closes them with the flow, and tells their origin', async () => {
    const { sandbox, crm } = await setup();
    await expect(crm.upsertOccurrence(occurrence('open'))).rejects.toMatchObject({ code: 'DEPENDENCY_MISSING' });
    await crm.upsertClient(client(1));
    await crm.upsertContract(contract([1]));
    await crm.upsertOccurrence(occurrence('closed'));
    expect(sandbox.occurrence('OC-1')?.status).toBe('FECHADA');
    await crm.upsertOccurrence(occurrence('open'));
    expect(sandbox.occurrence('OC-1')).toMatchObject({ status: 'ABERTA', writes: 2, origin: 'INTEGRACAO' });
    await crm.addNarrative({ occurrenceKey: 'OC-1', text: 'Unidade reservada no Vimob', at: '2026-01-11T10:00:00-03:00' });
    await crm.closeOccurrence({ occurrenceKey: 'OC-1', reason: 'Proposta reprovada', closeFlow: true });
    expect(sandbox.occurrence('OC-1')).toMatchObject({
      status: 'FECHADA',
      flowClosed: true,
      closeReason: 'Proposta reprovada',
      narratives: [{ text: 'Unidade reservada no Vimob' }],
    });
    expect(await crm.occurrenceOrigin('OC-1')).toMatchObject({ origin: 'integration' });
    sandbox.createCrmOccurrence({ key: 'OC-CRM', text: 'Aberta no CRM' });
    expect(await crm.occurrenceOrigin('OC-CRM')).toMatchObject({ origin: 'crm' });
    await expect(crm.addNarrative({ occurrenceKey: 'nope', text: 'x', at: '2026-01-11T10:00:00Z' })).rejects.toMatchObject({ code: 'CRM_REJECTED' });
  });

  it('answers the IP allow-list and an unregistered CNPJ the documented way', async () => {
    const blocked = await setup({ allowedIps: ['10.9.9.9'], clientPath: 'construtora' });
    await expect(blocked.crm.validateCnpj()).rejects.toMatchObject({ code: 'IP_NOT_ALLOWED', details: { client: 'construtora', ip: '127.0.0.1' } });
    const cnpj = await setup({ integrationCnpjs: ['11.444.777/0001-61'] });
    await expect(cnpj.crm.validateCnpj()).rejects.toMatchObject({ code: 'CNPJ_INVALID' });
  });

  it('keeps the connection alive: sequential calls share one socket', async () => {
    const { sandbox, crm } = await setup();
    for (let i = 0; i < 50; i++) await crm.upsertClient(client(i));
    expect(sandbox.state().connections).toBe(1); // the WSDL load and the 50 calls share one socket
  });
});

describe('sandbox fault injection', () => {
  it('serves empty, HTML, HTTP 500 and truncated WSDLs on demand', async () => {
    const sandbox = await new CrmSandbox().start();
    cleanup.push(() => sandbox.stop());
    for (const [wsdl, reason] of [
      ['empty', /Empty document/],
      ['html', /HTML page/],
      ['http500', /HTTP status 500/],
      ['truncated', /truncated|not a usable WSDL/],
    ] as const) {
      sandbox.setFaults({ wsdl });
      await expect(CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDS })).rejects.toThrow(reason);
    }
  });

  it('injects resets, HTTP 500 and server faults as retryable errors, and can be driven over HTTP', async () => {
    const { sandbox, crm } = await setup();
    const codes = new Set<string>();
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    expect(res.status).toBe(204);
    for (let i = 0; i < 30; i++) {
      const error = await crm.upsertClient(client(i)).catch((e: unknown) => e as { code: string; retryable: boolean });
      expect(error).toMatchObject({ retryable: true });
      codes.add((error as { code: string }).code);
    }
    expect([...codes].sort()).toEqual(['CONNECTION_FAILED', 'CONNECTION_RESET', 'CRM_FAULT']);
    expect(sandbox.state().injectedFaults).toBe(30);
  });

  it('a response slower than the timeout fails with TIMEOUT within timeout + 10 %', async () => {
    const sandbox = await new CrmSandbox({ faults: { slowRate: 1, slowMs: 3_000 } }).start();
    const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDS, timeoutMs: 1_000 });
    cleanup.push(
      () => sandbox.stop(),
      () => crm.close(),
    );
    const started = performance.now();
    const error = await crm.upsertClient(client(1)).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'TIMEOUT', timedOut: true, retryable: true });
    expect((error as Error).message).toContain('within the 1000 ms timeout');
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThanOrEqual(1_100);
  });
});
