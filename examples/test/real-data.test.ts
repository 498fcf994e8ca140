/**
 * Real, dirty Mega data (issue #12), one test per defect class, each on a SQLite and a PostgreSQL
 * Mega: the engine syncs into a fresh CRM sandbox and the test checks the CRM's final state and the
 * run summary's counts and keys.
 */
import { completeCpf } from '@mega-crm/core/internal';
import { SKIP_REASONS } from '@mega-crm/mega-mapper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable } from '../../tooling/test/pg.js';
import { codeOf, MEGAS, type MegaDb, syncEnv } from './mega-env.js';

const CLIENTS = 300;

for (const kind of MEGAS) {
  describe.skipIf(!kind.available)(`real Mega data on ${kind.name}`, () => {
    let mega: MegaDb;
    beforeAll(async () => {
      mega = await kind.open({ clients: CLIENTS, seed: 12 });
    }, 120_000);
    afterAll(async () => mega?.close());

    /** In-scope client keys (delivered by a first run), sorted by agent code. */
    const deliveredClients = (sandbox: { state(): { clients: ReadonlyArray<{ integrationId: string }> } }) =>
      sandbox
        .state()
        .clients.map((c) => c.integrationId)
        .sort((a, b) => codeOf(a) - codeOf(b));

    it('polling: a change stamped earlier but committed after a newer one was read reaches the CRM, and nothing is sent twice', async () => {
      const env = await syncEnv(mega, { changes: 'timestamps', poll: { lagSeconds: 60 } });
      try {
        await env.engine.run({ trigger: 'first' });
        const [fast, slow] = deliveredClients(env.sandbox).slice(0, 2) as [string, string];
        const agents = mega.t('GLO_AGENTES');
        await mega.exec(`UPDATE ${agents} SET AGN_ST_NOME = 'Rápida Depois', AGN_DT_ALTERACAO = ${mega.now(0)} WHERE AGN_IN_CODIGO = ?`, [codeOf(fast)]);
        const first = await env.engine.run({ trigger: 'fast writer' });
        expect(first.byEntity.client).toMatchObject({ sent: 1, failed: 0 });
        // The slow writer's row carries an older stamp and becomes visible only now.
        await mega.exec(`UPDATE ${agents} SET AGN_ST_NOME = 'Lenta Antes', AGN_DT_ALTERACAO = ${mega.now(-5)} WHERE AGN_IN_CODIGO = ?`, [codeOf(slow)]);
        const second = await env.engine.run({ trigger: 'slow writer committed' });
        expect(second.byEntity.client).toMatchObject({ sent: 1, unchanged: 1, failed: 0 }); // the fast row is re-read, not re-sent
        const third = await env.engine.run({ trigger: 'nothing new' });
        expect(third.totals.sent).toBe(0);
        expect(env.sandbox.client(slow)?.fields.nome).toBe('Lenta Antes');
        expect(env.sandbox.client(fast)?.fields.nome).toBe('Rápida Depois');
        expect(env.sandbox.client(slow)?.writes).toBe(2);
        expect(env.sandbox.client(fast)?.writes).toBe(2);
      } finally {
        await env.close();
      }
    });

    it('dirty contact data: the client still goes with its valid values; each dropped value is a warning naming the field', async () => {
      const env = await syncEnv(mega);
      try {
        await env.engine.run({ trigger: 'first' });
        const people = deliveredClients(env.sandbox).filter((k) => env.sandbox.client(k)?.fields.tipo_pessoa === 'F');
        const [dirty, zeroCpf] = people.slice(10, 12) as [string, string];
        const agents = mega.t('GLO_AGENTES');
        await mega.exec(`UPDATE ${agents} SET AGN_ST_EMAIL = 'sem-arroba.exemplo.com', AGN_ST_OUTROSEMAILS = 'valido@exemplo.com.br' WHERE AGN_IN_CODIGO = ?`, [
          codeOf(dirty),
        ]);
        await mega.exec(`DELETE FROM ${mega.t('GLO_AGENTES_TELEFONE')} WHERE AGN_IN_CODIGO = ?`, [codeOf(dirty)]);
        const phone = `INSERT INTO ${mega.t('GLO_AGENTES_TELEFONE')} (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_IN_SEQUENCIA, TEA_ST_DDD, TEA_ST_TELEFONE) VALUES (1, 1, ?, ?, ?, ?)`;
        await mega.exec(phone, [codeOf(dirty), 1, '11', '11987654321']); // DDD glued and in its column
        await mega.exec(phone, [codeOf(dirty), 2, null, '5511987654321']); // the same phone with the country code
        await mega.exec(phone, [codeOf(dirty), 3, null, '98765432']); // no DDD anywhere: left out
        // A CPF starting with 0, as a NUMBER column gives it: without its leading zero.
        const cpf = completeCpf('012345670');
        await mega.exec(`UPDATE ${mega.t('GLO_PESSOA_FISICA')} SET AGN_ST_CPF = ? WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'P'`, [
          cpf.slice(1),
          codeOf(zeroCpf),
        ]);
        const summary = await env.engine.run({ trigger: 'dirty' });
        expect(summary.byEntity.client).toMatchObject({ sent: 2, failed: 0 });
        expect(summary.failures).toEqual([]);
        const crm = env.sandbox.client(dirty)?.fields;
        expect(crm?.email).toBe('valido@exemplo.com.br');
        expect(crm?.telefones).toBe('11987654321');
        expect(env.sandbox.client(zeroCpf)?.fields.cpf_cnpj?.replace(/\D/g, '')).toBe(cpf);
        // What was left out, by field and code, never the value, in the run summary with the record's key.
        const [item] = await env.source.load('client', [dirty]);
        expect(item?.kind === 'record' && item.warnings?.map((w) => [w.field, w.code])).toEqual([
          ['emails (AGN_ST_EMAIL)', 'EMAIL_INVALID'],
          ['phones.2', 'PHONE_NO_AREA_CODE'],
        ]);
        expect(summary.warnings.first.filter((w) => w.key === dirty)).toEqual([
          { entity: 'client', key: dirty, field: 'emails (AGN_ST_EMAIL)', code: 'EMAIL_INVALID' },
          { entity: 'client', key: dirty, field: 'phones.2', code: 'PHONE_NO_AREA_CODE' },
        ]);
        expect(summary.warnings.byCode).toMatchObject({ EMAIL_INVALID: 1, PHONE_NO_AREA_CODE: 1 });
        expect(JSON.stringify(summary.warnings)).not.toContain('sem-arroba');
        expect((await env.engine.run({ trigger: 'again' })).totals.sent).toBe(0);
      } finally {
        await env.close();
      }
    });

    it('spouses: a company never sends one, a spouse with the client’s CPF is a typed error naming both, married → single unlinks', async () => {
      const env = await syncEnv(mega);
      try {
        await env.engine.run({ trigger: 'first' });
        const fields = (k: string) => env.sandbox.client(k)?.fields ?? {};
        const clients = deliveredClients(env.sandbox);
        const company = clients.find((k) => fields(k).tipo_pessoa === 'J') as string;
        const married = clients.filter((k) => fields(k).id_integracao_conjuge && env.sandbox.spouse(`${k}-C`)).slice(-2);
        const [sameCpf, divorced] = married as [string, string];
        const person = mega.t('GLO_PESSOA_FISICA');
        await mega.exec(`INSERT INTO ${person} (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_CH_TIPO, AGN_ST_CPF) VALUES (1, 1, ?, 'C', ?)`, [
          codeOf(company),
          '11144477735',
        ]);
        await mega.exec(
          `UPDATE ${person} SET AGN_ST_CPF = (SELECT p.AGN_ST_CPF FROM ${person} p WHERE p.AGN_IN_CODIGO = ? AND p.AGN_CH_TIPO = 'P') WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'C'`,
          [codeOf(sameCpf), codeOf(sameCpf)],
        );
        await mega.exec(`DELETE FROM ${person} WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'C'`, [codeOf(divorced)]);
        await mega.exec(`UPDATE ${person} SET AGN_CH_ESTCIVIL = 'S', AGN_ST_CONJUGE = NULL WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'P'`, [codeOf(divorced)]);
        const summary = await env.engine.run({ trigger: 'spouses' });
        expect(summary.outcome).toBe('completed');
        // The company: no spouse in the CRM, counted with its reason.
        expect(env.sandbox.spouse(`${company}-C`)).toBeUndefined();
        expect(summary.skippedReasons[SKIP_REASONS.companySpouse]).toBe(1);
        // The spouse with the client's own CPF: refused with a code naming both; the client goes unlinked.
        expect(summary.failures).toEqual([expect.objectContaining({ entity: 'spouse', key: `${sameCpf}-C`, code: 'SPOUSE_SAME_CPF' })]);
        expect(summary.failures[0]?.message).toContain(sameCpf);
        expect(fields(sameCpf).id_integracao_conjuge ?? '').toBe('');
        // Married → single: the client is unlinked; the former spouse is a removal with its key.
        expect(fields(divorced)).toMatchObject({ estado_civil: 'SOLTEIRO' });
        expect(fields(divorced).id_integracao_conjuge ?? '').toBe('');
        expect(summary.skippedReasons[SKIP_REASONS.noSpouse]).toBe(1);
        expect(await env.source.load('spouse', [`${divorced}-C`])).toEqual([
          { kind: 'skipped', entity: 'spouse', key: `${divorced}-C`, reason: SKIP_REASONS.noSpouse, removal: 'deleted' },
        ]);
        expect(summary.byEntity.client).toMatchObject({ sent: 2, failed: 0, held: 0 });
        expect((await env.engine.run({ trigger: 'again' })).totals.sent).toBe(0);
      } finally {
        await env.close();
      }
    });

    for (const changes of ['outbox', 'timestamps'] as const) {
      it(`flags set after the first sync (${changes}): an enterprise flagged, an occurrence type integrated later, flow on the next run`, async () => {
        const env = await syncEnv(mega, { changes, poll: { lagSeconds: 0 } });
        const structures = mega.t('DBM_ESTRUTURA');
        const types = mega.t('DBM_TIPOOCORRENCIA');
        const [enterprise] = await mega.sql.all<{ EST_IN_CODIGO: number; EST_ST_CODIGO: string }>(
          `SELECT EST_IN_CODIGO, EST_ST_CODIGO FROM ${structures} WHERE EST_CH_TIPOESTRUTURA = 'E' AND EST_BO_INTEGRACRM = 'N' ORDER BY EST_IN_CODIGO`,
        );
        if (!enterprise) throw new Error('the demo Mega has no unflagged enterprise');
        const stamp = changes === 'timestamps' ? `, EST_DT_ALTERACAO = ${mega.now(-1)}` : '';
        try {
          await env.engine.run({ trigger: 'first' });
          const contractsOf = () => env.sandbox.state().contracts.filter((c) => c.fields.codigo_empreendimento === enterprise.EST_ST_CODIGO);
          expect(contractsOf()).toHaveLength(0);
          const [{ N: expected } = { N: 0 }] = await mega.sql.all<{ N: number }>(
            `SELECT COUNT(*) AS N FROM ${mega.t('CAR_CONTRATO_ENVOLVIDO')} ce JOIN ${mega.t('DBM_UNIDADE')} u ON u.EST_IN_CODIGO = ce.EST_IN_CODIGO AND u.ORG_IN_CODIGO = ce.ORG_IN_CODIGO
              WHERE ce.CTOENV_CH_ORIGEM = 'U' AND u.EMP_EST_IN_CODIGO = ?`,
            [enterprise.EST_IN_CODIGO],
          );
          expect(Number(expected)).toBeGreaterThan(0);
          await mega.exec(`UPDATE ${structures} SET EST_BO_INTEGRACRM = 'S'${stamp} WHERE EST_IN_CODIGO = ?`, [enterprise.EST_IN_CODIGO]);
          const flagged = await env.engine.run({ trigger: 'enterprise flagged' });
          expect(flagged.byEntity.contract).toMatchObject({ sent: Number(expected), failed: 0 });
          expect(contractsOf()).toHaveLength(Number(expected));
          for (const contract of contractsOf())
            for (const buyer of contract.buyers) expect(env.sandbox.client(buyer.id_integracao_cliente ?? '')).toBeDefined();
          // An occurrence type integrated later: its occurrences in flagged enterprises arrive, closed as the type says.
          const typeStamp = changes === 'timestamps' ? `, OCS_DT_ALTERACAO = ${mega.now(-1)}` : '';
          await mega.exec(`UPDATE ${types} SET OCS_BO_INTEGRACRM = 'S', OCS_CH_SITUACAOCRM = 'F'${typeStamp} WHERE OCS_IN_CODIGO = 90`);
          const integrated = await env.engine.run({ trigger: 'occurrence type integrated' });
          const notes = env.sandbox.state().occurrences.filter((o) => o.fields.codigo_tipo === '90');
          expect(notes.length).toBeGreaterThan(0);
          expect(integrated.byEntity.occurrence).toMatchObject({ sent: notes.length, failed: 0 });
          expect(new Set(notes.map((o) => o.status))).toEqual(new Set(['FECHADA']));
          expect((await env.engine.run({ trigger: 'again' })).totals.sent).toBe(0);
          // Leaving the scope again: the enterprise's contracts come back as removals, with their keys.
          await mega.exec(`UPDATE ${structures} SET EST_BO_INTEGRACRM = 'N'${stamp} WHERE EST_IN_CODIGO = ?`, [enterprise.EST_IN_CODIGO]);
          const unflagged = await env.engine.run({ trigger: 'enterprise unflagged' });
          expect(unflagged.byEntity.contract.skipped).toBe(Number(expected));
          expect(unflagged.skippedReasons[SKIP_REASONS.enterpriseNotFlagged]).toBeGreaterThanOrEqual(Number(expected));
          const [first] = contractsOf();
          expect(await env.source.load('contract', [first?.integrationId ?? ''])).toEqual([
            expect.objectContaining({ kind: 'skipped', reason: SKIP_REASONS.enterpriseNotFlagged, removal: 'out-of-scope' }),
          ]);
          // Its occurrences are closed in the CRM (once), its contracts reported.
          const theirs = new Set(contractsOf().map((c) => c.integrationId));
          const occurrencesOf = () => env.sandbox.state().occurrences.filter((o) => theirs.has(o.fields.id_integracao_contrato ?? ''));
          expect(occurrencesOf().length).toBeGreaterThan(0);
          expect(unflagged.removals.byAction.closed).toBe(occurrencesOf().length);
          expect(unflagged.removals.first.filter((r) => r.entity === 'contract').every((r) => r.action === 'reported' && r.cause === 'out-of-scope')).toBe(
            true,
          );
          for (const o of occurrencesOf()) expect([o.status, o.closeReason]).toEqual(['FECHADA', 'ENCERRADA PELA INTEGRACAO: FORA DO ESCOPO NO MEGA']);
          expect((await env.engine.run({ trigger: 'still unflagged' })).removals.count).toBe(0);
          // Flagged once more: everything flows again as upserts, though nothing changed in the records.
          await mega.exec(`UPDATE ${structures} SET EST_BO_INTEGRACRM = 'S'${stamp} WHERE EST_IN_CODIGO = ?`, [enterprise.EST_IN_CODIGO]);
          const reflagged = await env.engine.run({ trigger: 'enterprise flagged again' });
          expect(reflagged.byEntity.contract).toMatchObject({ sent: Number(expected), failed: 0 });
          expect(reflagged.byEntity.occurrence).toMatchObject({ sent: occurrencesOf().length, failed: 0 });
          expect(reflagged.removals.count).toBe(0);
        } finally {
          await mega.exec(`UPDATE ${structures} SET EST_BO_INTEGRACRM = 'N' WHERE EST_IN_CODIGO = ?`, [enterprise.EST_IN_CODIGO]);
          await mega.exec(`UPDATE ${types} SET OCS_BO_INTEGRACRM = 'N', OCS_CH_SITUACAOCRM = NULL WHERE OCS_IN_CODIGO = 90`);
          await env.close();
        }
      });
    }

    it('deletes and scope exits: a client, contract and occurrence deleted in Mega, an agent no longer a client, come back with their keys as removals (feed, SQLite store), polling finds them by a keys-only reconciliation in the run (PostgreSQL store); the occurrence is closed in the CRM, the rest reported', async () => {
      const feed = await syncEnv(mega);
      const polling = await syncEnv(mega, { changes: 'timestamps', poll: { lagSeconds: 0 } }, { store: pgAvailable ? 'postgres' : 'sqlite' });
      try {
        await feed.engine.run({ trigger: 'first' });
        await polling.engine.run({ trigger: 'first' });
        const state = feed.sandbox.state();
        const [client, gone] = deliveredClients(feed.sandbox).slice(-4, -2) as [string, string];
        const contract = state.contracts.at(-1)?.integrationId as string;
        const occurrence = state.occurrences.at(-1)?.integrationId as string;
        const [, , , , contractId] = contract.split('-');
        const [, , , , occurrenceId] = occurrence.split('-');
        // One agent loses the client role (a scope exit), another is deleted with everything it had.
        await mega.exec(`DELETE FROM ${mega.t('GLO_AGENTES_ID')} WHERE AGN_IN_CODIGO = ? AND AGN_TAU_ST_CODIGO = 'C'`, [codeOf(client)]);
        for (const table of ['GLO_AGENTES_TELEFONE', 'GLO_PESSOA_FISICA', 'GLO_AGENTES_ID', 'GLO_AGENTES'] as const) {
          await mega.exec(`DELETE FROM ${mega.t(table)} WHERE AGN_IN_CODIGO = ?`, [codeOf(gone)]);
        }
        await mega.exec(`DELETE FROM ${mega.t('CAR_CONTRATO')} WHERE CTO_IN_CODIGO = ?`, [Number(contractId)]);
        await mega.exec(`DELETE FROM ${mega.t('DBM_OCORRENCIACONTRATO')} WHERE OCO_IN_CODIGO = ?`, [Number(occurrenceId)]);
        await mega.exec(`DELETE FROM ${mega.t('DBM_GERAOCORRENCIA')} WHERE OCO_IN_CODIGO = ?`, [Number(occurrenceId)]);
        const summary = await feed.engine.run({ trigger: 'deletes' });
        expect(summary.skippedReasons).toMatchObject({
          [SKIP_REASONS.notClient]: 1,
          [SKIP_REASONS.agentDeleted]: 1,
          [SKIP_REASONS.contractGone]: 1,
          [SKIP_REASONS.occurrenceGone]: 1,
        });
        expect(summary.totals).toMatchObject({ sent: 0, failed: 0 });
        // The CRM holds all four from the first run: the occurrence is closed there, the others reported with key and cause.
        expect(summary.removals.count).toBe(4);
        expect(summary.removals.byAction).toEqual({ closed: 1, reported: 3 });
        expect(summary.removals.first).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ entity: 'client', key: client, cause: 'out-of-scope', action: 'reported' }),
            expect.objectContaining({ entity: 'client', key: gone, cause: 'deleted', action: 'reported' }),
            expect.objectContaining({ entity: 'contract', key: contract, cause: 'deleted', action: 'reported' }),
            expect.objectContaining({ entity: 'occurrence', key: occurrence, cause: 'deleted', action: 'closed' }),
          ]),
        );
        const closed = (sandbox: typeof feed.sandbox) => sandbox.state().occurrences.filter((o) => o.closeReason !== undefined);
        expect(closed(feed.sandbox).map((o) => [o.integrationId, o.status, o.closeReason])).toEqual([
          [occurrence, 'FECHADA', 'ENCERRADA PELA INTEGRACAO: EXCLUIDA NO MEGA'],
        ]);
        // Nothing is applied twice.
        const again = await feed.engine.run({ trigger: 'again' });
        expect(again.removals.count).toBe(0);
        expect(feed.sandbox.log(occurrence).filter((e) => e.operation === 'EncerrarOcorrencia')).toHaveLength(1);
        const removal = (entity: string, key: string, reason: string, cause = 'deleted') => ({ kind: 'skipped', entity, key, reason, removal: cause });
        const exit = removal('client', client, SKIP_REASONS.notClient, 'out-of-scope');
        expect(await feed.source.load('client', [client, gone])).toEqual([exit, removal('client', gone, SKIP_REASONS.agentDeleted)]);
        expect(await feed.source.load('contract', [contract])).toEqual([removal('contract', contract, SKIP_REASONS.contractGone)]);
        expect(await feed.source.load('occurrence', [occurrence])).toEqual([removal('occurrence', occurrence, SKIP_REASONS.occurrenceGone)]);
        // Polling does not see deletes; reconciling what the CRM holds (keys only) finds exactly these.
        expect((await polling.engine.run({ trigger: 'deletes, polling' })).totals.skipped).toBe(0);
        const held = polling.sandbox.state();
        expect(
          await polling.source.reconcile(
            'client',
            held.clients.map((c) => c.integrationId),
          ),
        ).toEqual([exit, removal('client', gone, SKIP_REASONS.agentDeleted)]);
        expect(
          await polling.source.reconcile(
            'contract',
            held.contracts.map((c) => c.integrationId),
          ),
        ).toEqual([removal('contract', contract, SKIP_REASONS.contractGone)]);
        expect(
          await polling.source.reconcile(
            'occurrence',
            held.occurrences.map((o) => o.integrationId),
          ),
        ).toEqual([removal('occurrence', occurrence, SKIP_REASONS.occurrenceGone)]);
        const spouses = held.spouses.map((s) => s.integrationId);
        // The two clients' spouses (where they had one) go with them; every other spouse is still in scope.
        const formerSpouses = spouses.filter((k) => k === `${client}-C` || k === `${gone}-C`);
        expect((await polling.source.reconcile('spouse', spouses)).map((i) => (i.kind === 'skipped' ? i.key : ''))).toEqual(formerSpouses);
        // The engine's reconciliation (keys the store delivered, paged) finds the same and acts on them.
        const reconciled = await polling.engine.run({ trigger: 'reconcile', reconcile: true });
        const keysHeld = held.clients.length + held.spouses.length + held.contracts.length + held.occurrences.length;
        expect(reconciled.reconciliation).toMatchObject({ keys: keysHeld, removals: 4 + formerSpouses.length });
        expect(reconciled.removals.byAction).toEqual({ closed: 1, reported: 3 + formerSpouses.length });
        expect(closed(polling.sandbox).map((o) => [o.integrationId, o.status])).toEqual([[occurrence, 'FECHADA']]);
        const next = await polling.engine.run({ trigger: 'reconcile again', reconcile: true });
        expect(next.reconciliation).toMatchObject({ keys: keysHeld - 4 - formerSpouses.length, removals: 0 });
        expect(next.removals.count).toBe(0);
      } finally {
        await feed.close();
        await polling.close();
      }
    });

    it('text outside the CRM’s ISO-8859-1: transliterated with a warning per field by default, a typed error when configured', async () => {
      const env = await syncEnv(mega);
      const strict = await syncEnv(mega, { crmCharset: { onUnrepresentable: 'error' } });
      try {
        await env.engine.run({ trigger: 'first' });
        await strict.engine.run({ trigger: 'first' });
        const target = deliveredClients(env.sandbox)[30] as string; // a client no other test here touches
        await mega.exec(`UPDATE ${mega.t('GLO_AGENTES')} SET AGN_ST_NOME = ?, AGN_ST_BAIRRO = ? WHERE AGN_IN_CODIGO = ?`, [
          'Łukasz “Zé” Nowak',
          'Vila São José – Sul',
          codeOf(target),
        ]);
        const summary = await env.engine.run({ trigger: 'text' });
        expect(summary.byEntity.client).toMatchObject({ sent: 1, failed: 0 });
        expect(env.sandbox.client(target)?.fields).toMatchObject({ nome: 'Lukasz "Zé" Nowak', bairro: 'Vila São José - Sul' });
        expect(summary.warnings.first).toEqual([
          { entity: 'client', key: target, field: 'name', code: 'TEXT_TRANSLITERATED' },
          { entity: 'client', key: target, field: 'address.district', code: 'TEXT_TRANSLITERATED' },
        ]);
        const [item] = await env.source.load('client', [target]);
        expect(item?.kind === 'record' && item.warnings?.map((w) => [w.field, w.code])).toEqual([
          ['name', 'TEXT_TRANSLITERATED'],
          ['address.district', 'TEXT_TRANSLITERATED'],
        ]);
        const refused = await strict.engine.run({ trigger: 'text, strict' });
        expect(refused.failures).toEqual([expect.objectContaining({ entity: 'client', key: target, code: 'TEXT_NOT_IN_CHARSET' })]);
        expect(refused.failures[0]?.message).toContain('name, address.district');
        expect(strict.sandbox.client(target)?.fields.nome).not.toContain('Nowak');
      } finally {
        await env.close();
        await strict.close();
      }
    });
  });
}
