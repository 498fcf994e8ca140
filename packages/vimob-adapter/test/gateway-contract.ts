/**
 * The one contract suite of the `VimobGateway` port (gateway.ts), run against every implementation:
 * the in-memory fake and the HTTP gateway talking to the vimob-sandbox.
 */
import { MegaCrmError } from '@mega-crm/core';
import { describe, expect, it } from 'vitest';
import type { InMemoryVimob } from '../src/fake.js';
import type { VimobGateway } from '../src/gateway.js';
import type { VimobProspect } from '../src/types.js';

export interface GatewayUnderTest {
  readonly gateway: VimobGateway;
  /** The Vimob state behind the gateway, to act as a Vimob user. */
  readonly vimob: InMemoryVimob;
}

export const ana: VimobProspect = {
  id: 'PRO-100',
  name: 'Ana Souza',
  document: '12345678909',
  email: 'ana@exemplo.com.br',
  phone: '11987654321',
  origin: 'crm',
  crmOccurrence: 'PRO-100-OC',
};
const bruno: VimobProspect = { id: 'PRO-200', name: 'Bruno Lima', document: '98765432100', origin: 'crm' };

async function failure(promise: Promise<unknown>): Promise<MegaCrmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(MegaCrmError.is(error)).toBe(true);
  return error as MegaCrmError;
}

export function gatewayContract(name: string, setup: () => Promise<GatewayUnderTest>): void {
  describe(`VimobGateway contract: ${name}`, () => {
    it('creates a prospect under its shared id and finds it by id and by CPF', async () => {
      const { gateway } = await setup();
      expect(await gateway.createProspect(ana)).toEqual(ana);
      expect(await gateway.findProspect(ana.id)).toEqual(ana);
      expect(await gateway.findProspectByDocument('123.456.789-09')).toEqual(ana);
      expect(await gateway.findProspect('PRO-404')).toBeUndefined();
      expect(await gateway.findProspectByDocument('98765432100')).toBeUndefined();
    });

    it('refuses a second create under the same id (409), changing nothing', async () => {
      const { gateway, vimob } = await setup();
      await gateway.createProspect(ana);
      const error = await failure(gateway.createProspect({ ...ana, name: 'Outra' }));
      expect(error).toMatchObject({ code: 'VIMOB_REJECTED', retryable: false, details: { status: 409, vimobCode: 'CONFLITO' } });
      expect(vimob.state().prospects).toEqual([ana]);
    });

    it('refuses a CPF held by another id with DUPLICATE_CPF naming both ids, storing nothing', async () => {
      const { gateway, vimob } = await setup();
      await gateway.createProspect(ana);
      const error = await failure(gateway.createProspect({ ...bruno, document: ana.document }));
      expect(error).toMatchObject({ code: 'DUPLICATE_CPF', retryable: false, details: { prospectId: bruno.id, existingId: ana.id } });
      expect(error.message).toContain(bruno.id);
      expect(error.message).toContain(ana.id);
      expect(error.message).not.toContain(ana.document);
      expect(vimob.state().prospects.map((p) => p.id)).toEqual([ana.id]);
    });

    it('updates an existing prospect, keeping its origin; an unknown id is 404; a taken CPF is DUPLICATE_CPF', async () => {
      const { gateway } = await setup();
      await gateway.createProspect(ana);
      await gateway.createProspect(bruno);
      const updated = await gateway.updateProspect({ ...ana, name: 'Ana S. Lima', origin: 'vimob' });
      expect(updated).toMatchObject({ name: 'Ana S. Lima', origin: 'crm' });
      expect(await gateway.findProspect(ana.id)).toMatchObject({ name: 'Ana S. Lima' });
      expect(await failure(gateway.updateProspect({ ...ana, id: 'PRO-404', document: '24681357928' }))).toMatchObject({
        code: 'VIMOB_REJECTED',
        details: { status: 404 },
      });
      expect(await failure(gateway.updateProspect({ ...bruno, document: ana.document }))).toMatchObject({
        code: 'DUPLICATE_CPF',
        details: { prospectId: bruno.id, existingId: ana.id },
      });
      expect(await gateway.findProspect(bruno.id)).toEqual(bruno);
    });

    it('reads a proposal with its status history, oldest first', async () => {
      const { gateway, vimob } = await setup();
      await gateway.createProspect(ana);
      vimob.openProposal({ id: 'PPS-1', prospectId: ana.id, unit: 'Apto 101' });
      vimob.changeStatus('PPS-1', 'PROPOSTA_INSERIDA');
      vimob.changeStatus('PPS-1', 'UNIDADE_RESERVADA');
      const proposal = await gateway.getProposal('PPS-1');
      expect(proposal).toMatchObject({ id: 'PPS-1', prospectId: ana.id, crmOccurrence: 'PRO-100-OC', unit: 'Apto 101', status: 'UNIDADE_RESERVADA' });
      expect(proposal?.history.map((h) => [h.sequence, h.status])).toEqual([
        [1, 'PROPOSTA_INSERIDA'],
        [2, 'UNIDADE_RESERVADA'],
      ]);
      expect(await gateway.getProposal('PPS-404')).toBeUndefined();
    });

    it('records a gate decision on the proposal; an unknown proposal is 404', async () => {
      const { gateway, vimob } = await setup();
      await gateway.createProspect(ana);
      vimob.openProposal({ id: 'PPS-1', prospectId: ana.id });
      const decision = {
        proposalId: 'PPS-1',
        status: 'PROPOSTA_APROVADA',
        allowed: false,
        step: 'Análise de Crédito',
        stepState: 'in-progress' as const,
        reason: 'waits on "Análise de Crédito"',
      };
      await gateway.reportGateDecision(decision);
      expect(vimob.state().gateDecisions).toEqual([decision]);
      expect(await failure(gateway.reportGateDecision({ ...decision, proposalId: 'PPS-404' }))).toMatchObject({
        code: 'VIMOB_REJECTED',
        details: { status: 404 },
      });
    });
  });
}
