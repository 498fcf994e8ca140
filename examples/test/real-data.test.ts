/**
 * Real, dirty Mega data (issue #12), one test per defect class, each on a SQLite and a PostgreSQL
 * Mega: the engine syncs into a fresh CRM sandbox and the test checks the CRM's final state and the
 * run summary's counts and keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  });
}
