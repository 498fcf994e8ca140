/** The manual's "the CRM does not accept duplicate CPFs", across clients and spouses (issue #12). */
import type { Client } from '@mega-crm/core';
import { CrmClient } from '@mega-crm/crm-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmSandbox } from '../src/sandbox.js';

const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const client = (n: number, document: string): Client => ({
  key: `1-1-${n}`,
  personType: 'F',
  name: `Cliente ${n}`,
  document,
  emails: [],
  phones: [],
  address: {},
});

describe('sandbox: no duplicate CPF across clients and spouses', () => {
  it('refuses a spouse with a client’s CPF, a client with a spouse’s CPF, and frees a CPF the spouse no longer holds', async () => {
    const sandbox = await new CrmSandbox().start();
    const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDS });
    cleanup.push(
      () => sandbox.stop(),
      () => crm.close(),
    );
    await crm.upsertClient(client(1, '52998224725'));
    await expect(crm.upsertSpouse({ key: '1-1-1-C', clientKey: '1-1-1', name: 'Cônjuge', document: '52998224725' })).rejects.toMatchObject({
      code: 'DUPLICATE_CPF',
    });
    expect(sandbox.spouse('1-1-1-C')).toBeUndefined();
    await crm.upsertSpouse({ key: '1-1-2-C', clientKey: '1-1-2', name: 'Cônjuge', document: '11144477735' });
    await expect(crm.upsertClient(client(3, '11144477735'))).rejects.toMatchObject({ code: 'DUPLICATE_CPF' });
    await crm.upsertSpouse({ key: '1-1-2-C', clientKey: '1-1-2', name: 'Cônjuge' }); // CPF removed from the spouse
    await expect(crm.upsertClient(client(3, '11144477735'))).resolves.toMatchObject({ message: 'CLIENTE INCLUIDO' });
    await crm.upsertSpouse({ key: '1-1-2-C', clientKey: '1-1-2', name: 'Cônjuge Alterada' }); // the same spouse again: no conflict with itself
    expect(sandbox.spouse('1-1-2-C')?.writes).toBe(3);
  });
});
