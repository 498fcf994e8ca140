/**
 * The naive peer of the benches: what a user would write by hand, one node-soap call per record, in
 * sequence, no store. It reuses the SDK's mapping (free), so only the calling differs.
 */
import type { EntityName, SyncRecord } from '@mega-crm/core';
import { clientParams, contractParams, OPERATIONS, occurrenceParams, type ParamValues, spouseParams } from '@mega-crm/crm-client/profile';
import * as soap from 'soap';
import { DEMO_CREDENTIALS } from '../src/wiring.js';

/** What a hand-written loop calls for each record: the operation and its parameters. */
export const NAIVE_CALLS: Record<EntityName, (payload: never) => [string, ParamValues]> = {
  client: (p) => [OPERATIONS.upsertClient.name, clientParams(p)],
  spouse: (p) => [OPERATIONS.upsertSpouse.name, spouseParams(p)],
  // node-soap writes a SOAP-ENC array's elements as <item> only when handed { item: [...] }.
  contract: (p) => {
    const params = contractParams(p);
    return [OPERATIONS.upsertContract.name, { ...params, compradores: { item: params.compradores } } as unknown as ParamValues];
  },
  occurrence: (p) => [OPERATIONS.upsertOccurrence.name, occurrenceParams(p)],
};

/** A node-soap client on `wsdlUrl` and the call it makes for one record (throws unless the CRM answers OK). */
export async function naiveCaller(wsdlUrl: string): Promise<(record: SyncRecord) => Promise<void>> {
  const naive = await soap.createClientAsync(wsdlUrl);
  const auth = {
    usuario: DEMO_CREDENTIALS.user,
    senha: DEMO_CREDENTIALS.password,
    conexao_aberta_por: DEMO_CREDENTIALS.openedBy,
    conexao_aberta_para: DEMO_CREDENTIALS.openedFor,
    cnpj_empresa: DEMO_CREDENTIALS.cnpj,
  };
  return async (record) => {
    const [operation, params] = NAIVE_CALLS[record.entity](record.payload as never);
    // node-soap hands xsi:typed parts back as { attributes, $value }.
    const [answer] = (await naive[`${operation}Async`]({ ...auth, ...params })) as [{ return?: { status?: { $value?: string } | string } }];
    const status = answer.return?.status;
    if ((typeof status === 'object' ? status.$value : status) !== 'OK') throw new Error(`naive loop: ${operation} answered ${JSON.stringify(answer)}`);
  };
}
