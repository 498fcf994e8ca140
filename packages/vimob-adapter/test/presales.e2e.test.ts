/**
 * The pre-sales story end to end over HTTP: CRM sandbox (SOAP) ⇄ Presales ⇄ Vimob sandbox (JSON),
 * with the webhook mounted on node:http and the events fired, signed, by the Vimob sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventLog, SqliteEventLog } from '../src/event-log.js';
import { Presales } from '../src/presales.js';
import { NATIVE_STATUSES as S, toWireEvent } from '../src/profile.js';
import { signWebhook } from '../src/signature.js';
import { createWebhookHandler } from '../src/webhook.js';
import { ana, bruno, CREDIT, type Environment, SECRET, STATUSES, startEnvironment } from './harness.js';

let env: Environment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const narratives = (e: Environment, occurrence: string) => e.crmSandbox.occurrence(occurrence)?.narratives.map((n) => n.text) ?? [];

describe('pre-sales end to end on both sandboxes', () => {
  it('prospect → Vimob once; inserida → reservada → aprovada (gated); cancelada closes the flow; replays change nothing; conversion keeps one record', async () => {
    env = await startEnvironment();
    const { crm, crmSandbox, vimobSandbox, presales } = env;

    // A prospect created in the CRM appears once in Vimob, with the same id and the CRM occurrence code.
    await crm.upsertProspect(ana);
    expect((await presales.pushProspect(ana)).outcome).toBe('created');
    expect((await presales.pushProspect(ana)).outcome).toBe('unchanged');
    expect(vimobSandbox.vimob.state().prospects).toEqual([
      expect.objectContaining({ id: 'PRO-1', document: '12345678909', origin: 'crm', crmOccurrence: 'PRO-1-OC' }),
    ]);

    // The broker opens a proposal from the CRM occurrence; Vimob sends its statuses.
    vimobSandbox.vimob.openProposal({ id: 'PPS-1', prospectId: 'PRO-1', unit: 'Apto 101' });
    expect((await vimobSandbox.advance('PPS-1', S.inserted)).status).toBe(200);
    expect((await vimobSandbox.advance('PPS-1', S.reserved)).status).toBe(200);

    // "Aprovada" waits on the CRM's credit analysis: refused with the reason, not applied in Vimob.
    const refused = await vimobSandbox.advance('PPS-1', S.approved);
    expect(refused.status).toBe(409);
    expect(refused.applied).toBe(false);
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, code: 'GATE_DENIED', reason: expect.stringContaining(`"${CREDIT}", which is pending`) });
    expect((await vimobSandbox.vimob.getProposal('PPS-1'))?.status).toBe(S.reserved);
    expect(vimobSandbox.vimob.state().gateDecisions).toEqual([
      expect.objectContaining({ proposalId: 'PPS-1', allowed: false, step: CREDIT, stepState: 'pending' }),
    ]);

    crmSandbox.setBpoStep('PRO-1-OC', CREDIT, 'concluded');
    const accepted = await vimobSandbox.advance('PPS-1', S.approved);
    expect(accepted.status).toBe(200);
    expect(accepted.applied).toBe(true);
    expect(narratives(env, 'PRO-1-OC')).toEqual([
      'Vimob: proposta PPS-1 inserida (unidade Apto 101).',
      'Vimob: unidade Apto 101 reservada para a proposta PPS-1.',
      'Vimob: proposta PPS-1 aprovada.',
    ]);

    // A second proposal, cancelled with "Encerrar Fluxo no CRM?": its CRM occurrence and flow close.
    await crm.upsertProspect(bruno);
    await presales.pushProspect(bruno);
    vimobSandbox.vimob.openProposal({ id: 'PPS-2', prospectId: 'PRO-2' });
    await vimobSandbox.advance('PPS-2', S.inserted);
    const cancelled = await vimobSandbox.advance('PPS-2', S.cancelled);
    expect(JSON.parse(cancelled.body)).toMatchObject({ ok: true, outcome: 'applied', flowClosed: true });
    expect(crmSandbox.occurrence('PRO-2-OC')).toMatchObject({ status: 'FECHADA', flowClosed: true });
    expect(crmSandbox.occurrence('PRO-1-OC')).toMatchObject({ status: 'ABERTA', flowClosed: false });

    // Every webhook replayed twice, out of order: nothing more is written.
    const before = { ...crmSandbox.state().requestsByOperation };
    const snapshot = () => crmSandbox.state().occurrences.map((o) => [o.integrationId, o.status, o.narratives.length]);
    const shape = snapshot();
    const replays = await vimobSandbox.replay({ times: 2, shuffle: true });
    expect(replays.length).toBe(2 * 6);
    for (const r of replays) expect(JSON.parse(r.body).outcome).toMatch(/^(duplicate|stale)$/);
    expect(snapshot()).toEqual(shape);
    expect(crmSandbox.state().requestsByOperation.IncluirNarrativa).toBe(before.IncluirNarrativa);
    expect(crmSandbox.state().requestsByOperation.EncerrarOcorrencia).toBe(1);

    // The prospect converted into a client stays one CRM record, under the same id.
    const prospectCrmId = crmSandbox.prospect('PRO-1')?.crmId;
    await presales.convertToClient('PRO-1', { personType: 'F', name: 'Ana Souza', document: '12345678909', emails: [], phones: [], address: {} });
    expect(crmSandbox.state().clients.map((c) => [c.integrationId, c.crmId])).toEqual([['PRO-1', prospectCrmId]]);
    expect(crmSandbox.state().prospects.map((p) => p.integrationId)).toEqual(['PRO-2']);
  });

  it('out of order on first delivery: a later status fills the gap from Vimob’s history, in order; older ones then are stale', async () => {
    env = await startEnvironment();
    const { crm, vimobSandbox, presales } = env;
    await crm.upsertProspect(ana);
    await presales.pushProspect(ana);
    vimobSandbox.vimob.openProposal({ id: 'PPS-9', prospectId: 'PRO-1', unit: 'Apto 12' });
    // Vimob applied three statuses whose webhooks have not arrived yet.
    const events = [S.inserted, S.reserved, S.rejected].map((status) => vimobSandbox.vimob.changeStatus('PPS-9', status));
    const [first, second, third] = events as [(typeof events)[0], (typeof events)[0], (typeof events)[0]];
    expect(JSON.parse((await vimobSandbox.deliver(third)).body)).toMatchObject({ outcome: 'applied', narratives: 3, filled: 2, flowClosed: true });
    expect(JSON.parse((await vimobSandbox.deliver(first)).body)).toMatchObject({ outcome: 'duplicate' });
    expect(JSON.parse((await vimobSandbox.deliver(second)).body)).toMatchObject({ outcome: 'duplicate' });
    expect(narratives(env, 'PRO-1-OC')).toEqual([
      'Vimob: proposta PPS-9 inserida (unidade Apto 12).',
      'Vimob: unidade Apto 12 reservada para a proposta PPS-9.',
      'Vimob: proposta PPS-9 reprovada.',
    ]);
    // A late event with a fresh id but an old sequence never overwrites the newer status.
    const late = await vimobSandbox.deliver({ ...first, id: 'resent-with-new-id', status: S.approved });
    expect(JSON.parse(late.body)).toMatchObject({ outcome: 'stale', lastSequence: 3 });
    expect(narratives(env, 'PRO-1-OC')).toHaveLength(3);
  });
});

describe('duplicate CPF and the entry lock', () => {
  it('a CPF Vimob holds under another id → DUPLICATE_CPF naming both ids, nothing created', async () => {
    env = await startEnvironment();
    const { crm, vimobSandbox, presales } = env;
    vimobSandbox.vimob.registerProspect({ id: 'VIM-7', name: 'Ana (cadastro Vimob)', document: '12345678909' });
    await crm.upsertProspect(ana);
    const error = await presales.pushProspect(ana).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DuplicateDocumentError', code: 'DUPLICATE_CPF', details: { prospectId: 'PRO-1', existingId: 'VIM-7' } });
    expect((error as Error).message).not.toContain('12345678909');
    expect(vimobSandbox.vimob.state().prospects.map((p) => p.id)).toEqual(['VIM-7']);
  });

  it('entry lock: a prospect created in Vimob is refused (409 ENTRY_LOCKED), nothing created; edits of CRM-born prospects reach the CRM', async () => {
    env = await startEnvironment();
    const { crm, crmSandbox, vimobSandbox, presales } = env;
    const { event } = vimobSandbox.vimob.registerProspect({ id: 'VIM-8', name: 'Carla Dias', document: '24681357928' });
    const refused = await vimobSandbox.deliver(event);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'ENTRY_LOCKED', reason: expect.stringContaining('VIM-8') });
    expect(crmSandbox.state().prospects).toEqual([]);

    await crm.upsertProspect(ana);
    await presales.pushProspect(ana);
    const edited = await vimobSandbox.deliver(vimobSandbox.vimob.editProspect('PRO-1', { name: 'Ana Souza Lima' }));
    expect(JSON.parse(edited.body)).toMatchObject({ ok: true, outcome: 'prospect-saved' });
    expect(crmSandbox.prospect('PRO-1')?.fields.nome).toBe('Ana Souza Lima');
    expect(crmSandbox.state().prospects).toHaveLength(1);
  });

  it('with entry from both sides, a Vimob prospect whose CPF is a CRM client is DUPLICATE_CPF, nothing created', async () => {
    env = await startEnvironment({ entry: 'crm-and-vimob' });
    const { crm, crmSandbox, vimobSandbox } = env;
    await crm.upsertClient({ key: '1-1-9', personType: 'F', name: 'Cliente', document: '24681357928', emails: [], phones: [], address: {} });
    const { event } = vimobSandbox.vimob.registerProspect({ id: 'VIM-9', name: 'Carla Dias', document: '24681357928' });
    const refused = await vimobSandbox.deliver(event);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'DUPLICATE_CPF' });
    expect(crmSandbox.state().prospects).toEqual([]);
    const { event: other } = vimobSandbox.vimob.registerProspect({ id: 'VIM-10', name: 'Davi', document: '13579246828' });
    expect(JSON.parse((await vimobSandbox.deliver(other)).body)).toMatchObject({ outcome: 'prospect-saved' });
    expect(crmSandbox.prospect('VIM-10')?.fields.origem).toBe('VIMOB');
  });
});

describe('idempotency survives a restart (SQLite event log)', () => {
  it('a crash after the CRM wrote the narrative but before the event was recorded: redelivered, the occurrence still holds it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vimob-crash-'));
    const db = new Database(join(dir, 'presales.db'));
    try {
      const log = new SqliteEventLog(db);
      let crashes = 1;
      // The process dies between the two steps: the narrative is in the CRM, the event id is not in the store.
      const crashing: EventLog = {
        has: (id) => log.has(id),
        position: (proposal) => log.position(proposal),
        record: async (event) => {
          if (crashes-- > 0) throw new Error('process killed before the event was recorded');
          return log.record(event);
        },
      };
      env = await startEnvironment({ eventLog: crashing });
      await env.crm.upsertProspect(ana);
      await env.presales.pushProspect(ana);
      env.vimobSandbox.vimob.openProposal({ id: 'PPS-1', prospectId: 'PRO-1', unit: 'Apto 7' });
      const crashed = await env.vimobSandbox.advance('PPS-1', S.inserted);
      expect(crashed.status).toBe(503); // Vimob will deliver it again
      expect(narratives(env, 'PRO-1-OC')).toEqual(['Vimob: proposta PPS-1 inserida (unidade Apto 7).']);

      // The restarted host (nothing in memory, same database) gets the same event again, then the next one.
      const restarted = new Presales({ crm: env.crm, vimob: env.gateway, statuses: STATUSES, eventLog: new SqliteEventLog(db) });
      const handler = createWebhookHandler(restarted, { secret: SECRET });
      const deliver = async (event: unknown) => {
        const body = JSON.stringify(event);
        return JSON.parse((await handler({ method: 'POST', headers: signWebhook(SECRET, body), body })).body) as { outcome?: string };
      };
      const [first] = env.vimobSandbox.deliveries().map((d) => toWireEvent(d.event));
      expect(await deliver(first)).toMatchObject({ outcome: 'applied', narratives: 1 });
      expect(await deliver(first)).toMatchObject({ outcome: 'duplicate' });
      expect(narratives(env, 'PRO-1-OC')).toEqual(['Vimob: proposta PPS-1 inserida (unidade Apto 7).']);
      // Sent twice, kept once: the narrative's id (proposal + sequence) is what the CRM dedupes on.
      expect(env.crmSandbox.state().requestsByOperation.IncluirNarrativa).toBe(2);
      expect(env.crmSandbox.occurrence('PRO-1-OC')?.narratives.map((n) => n.key)).toEqual(['vimob-PPS-1-1']);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a new Presales on the same database answers every replayed webhook "duplicate"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vimob-e2e-'));
    const db = new Database(join(dir, 'presales.db'));
    try {
      env = await startEnvironment({ eventLog: new SqliteEventLog(db) });
      await env.crm.upsertProspect(ana);
      await env.presales.pushProspect(ana);
      env.vimobSandbox.vimob.openProposal({ id: 'PPS-1', prospectId: 'PRO-1' });
      await env.vimobSandbox.advance('PPS-1', S.inserted);
      await env.vimobSandbox.advance('PPS-1', S.reserved);
      const events = env.vimobSandbox.deliveries().map((d) => d.event);
      // A restarted host: a new Presales (nothing in memory) over the same database and CRM.
      const restarted = new Presales({ crm: env.crm, vimob: env.gateway, statuses: STATUSES, eventLog: new SqliteEventLog(db) });
      const handler = createWebhookHandler(restarted, { secret: SECRET });
      for (const event of [...events, ...events].reverse()) {
        const body = JSON.stringify(toWireEvent(event));
        const res = await handler({ method: 'POST', headers: signWebhook(SECRET, body), body });
        expect(JSON.parse(res.body).outcome).toBe('duplicate');
      }
      expect(env.crmSandbox.occurrence('PRO-1-OC')?.narratives).toHaveLength(2);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
