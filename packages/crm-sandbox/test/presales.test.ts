import type { Client } from '@mega-crm/core';
import { CrmClient } from '@mega-crm/crm-client';
import { MESSAGE_PATTERNS } from '@mega-crm/crm-client/profile';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESALES_MESSAGES } from '../src/presales.js';
import { CrmSandbox } from '../src/sandbox.js';

const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup() {
  const sandbox = await new CrmSandbox().start();
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDS });
  cleanup.push(
    () => sandbox.stop(),
    () => crm.close(),
  );
  return { sandbox, crm };
}

const prospect = { key: 'PRO-7', name: 'Maria Prospect', document: '12345678909' };
const asClient = (key: string, document: string): Client => ({ key, personType: 'F', name: 'Maria Cliente', document, emails: [], phones: [], address: {} });

describe('sandbox pre-sales rules', () => {
  it('messages are recognised by crm-client', () => {
    expect(MESSAGE_PATTERNS.duplicateDocument.test(PRESALES_MESSAGES.duplicateDocument('x'))).toBe(true);
    expect(MESSAGE_PATTERNS.missingField.test(PRESALES_MESSAGES.missingField('nome'))).toBe(true);
  });

  it('a prospect is upserted under its own id and opens one main occurrence', async () => {
    const { sandbox, crm } = await setup();
    expect((await crm.upsertProspect(prospect)).message).toBe('PROSPECT INCLUIDO');
    expect((await crm.upsertProspect({ ...prospect, name: 'Maria P. Souza' })).message).toBe('PROSPECT ALTERADO');
    expect(sandbox.state().prospects).toHaveLength(1);
    expect(sandbox.prospect('PRO-7')?.fields.nome).toBe('Maria P. Souza');
    const main = await crm.prospectMainOccurrence('PRO-7');
    expect(main).toMatchObject({ occurrenceKey: 'PRO-7-OC', status: 'open' });
    expect(sandbox.state().occurrences.map((o) => o.integrationId)).toEqual(['PRO-7-OC']);
  });

  it('a CPF is unique across prospects and clients, both ways, and nothing is created', async () => {
    const { sandbox, crm } = await setup();
    await crm.upsertClient(asClient('1-1-5', prospect.document));
    await expect(crm.upsertProspect(prospect)).rejects.toMatchObject({ code: 'DUPLICATE_CPF' });
    expect(sandbox.state().prospects).toEqual([]);
    await crm.upsertProspect({ ...prospect, key: 'PRO-8', document: '98765432100' });
    await expect(crm.upsertClient(asClient('1-1-6', '98765432100'))).rejects.toMatchObject({ code: 'DUPLICATE_CPF' });
    await expect(crm.upsertProspect({ ...prospect, key: 'PRO-9', document: '98765432100' })).rejects.toMatchObject({ code: 'DUPLICATE_CPF' });
    expect(sandbox.state().clients.map((c) => c.integrationId)).toEqual(['1-1-5']);
    expect(sandbox.state().prospects.map((p) => p.integrationId)).toEqual(['PRO-8']);
  });

  it('a prospect converted into a client (same id) is one record with the same CRM id', async () => {
    const { sandbox, crm } = await setup();
    const created = await crm.upsertProspect(prospect);
    const converted = await crm.upsertClient(asClient('PRO-7', prospect.document));
    expect(converted).toEqual({ crmId: created.crmId, message: 'CLIENTE ALTERADO' });
    expect(sandbox.state().prospects).toEqual([]);
    expect(sandbox.state().clients.map((c) => [c.integrationId, c.crmId])).toEqual([['PRO-7', created.crmId]]);
    await expect(crm.upsertProspect(prospect)).rejects.toMatchObject({ code: 'CRM_REJECTED' });
    expect((await crm.prospectMainOccurrence('PRO-7')).occurrenceKey).toBe('PRO-7-OC');
  });

  it('BPO steps are pending until a CRM user moves them', async () => {
    const { sandbox, crm } = await setup();
    await crm.upsertProspect(prospect);
    expect((await crm.bpoStatus('PRO-7-OC', 'Análise de Crédito')).state).toBe('pending');
    sandbox.setBpoStep('PRO-7-OC', 'Análise de Crédito', 'in-progress');
    expect((await crm.bpoStatus('PRO-7-OC', 'Análise de Crédito')).state).toBe('in-progress');
    sandbox.setBpoStep('PRO-7-OC', 'Análise de Crédito', 'concluded');
    expect(await crm.bpoStatus('PRO-7-OC', 'Análise de Crédito')).toMatchObject({ state: 'concluded', concludedAt: expect.any(String) });
    await expect(crm.bpoStatus('NOPE', 'Análise de Crédito')).rejects.toMatchObject({ code: 'CRM_REJECTED' });
  });

  it('an invalid prospect is a ValidationError before any request', async () => {
    const { sandbox, crm } = await setup();
    await expect(crm.upsertProspect({ ...prospect, document: '12345678900' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(sandbox.state().requests).toBe(0);
  });
});
