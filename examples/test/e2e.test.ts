/**
 * End to end, on real protocols: the demo Mega SQLite database → mapper → SyncEngine with the
 * SQLite store → node-soap over HTTP on loopback → the CRM sandbox (ISO-8859-1, as NuSOAP).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEnvironment, type DemoEnvironment } from '../src/wiring.js';

const CLIENTS = 1200;
const BAD_CODES = [1010, 1500, 2100];
let env: DemoEnvironment;

interface MegaRow {
  key: string;
  AGN_ST_NOME: string;
  AGN_CH_TIPOPESSOAFJ: string;
  document: string;
  AGN_ST_MUNICIPIO: string;
  UF_ST_SIGLA: string;
  AGN_ST_BAIRRO: string;
  AGN_ST_LOGRADOURO: string;
  AGN_ST_EMAIL: string;
  AGN_ST_CONJUGE: string | null;
}

function megaClients(): MegaRow[] {
  return env.mega
    .prepare(
      `SELECT a.AGN_TAB_IN_CODIGO || '-' || a.AGN_PAD_IN_CODIGO || '-' || a.AGN_IN_CODIGO AS key, a.AGN_ST_NOME, a.AGN_CH_TIPOPESSOAFJ,
              CASE a.AGN_CH_TIPOPESSOAFJ WHEN 'J' THEN a.AGN_ST_CGC ELSE p.AGN_ST_CPF END AS document,
              a.AGN_ST_MUNICIPIO, a.UF_ST_SIGLA, a.AGN_ST_BAIRRO, a.AGN_ST_LOGRADOURO, a.AGN_ST_EMAIL, p.AGN_ST_CONJUGE
         FROM GLO_AGENTES a
         JOIN GLO_AGENTES_ID r ON r.AGN_IN_CODIGO = a.AGN_IN_CODIGO AND r.AGN_TAU_ST_CODIGO = 'C'
         LEFT JOIN GLO_PESSOA_FISICA p ON p.AGN_IN_CODIGO = a.AGN_IN_CODIGO AND p.AGN_CH_TIPO = 'P'`,
    )
    .all() as MegaRow[];
}

beforeAll(async () => {
  env = await createDemoEnvironment({
    dir: mkdtempSync(join(tmpdir(), 'mega-crm-e2e-')),
    clients: CLIENTS,
    seed: 2026,
    // The foundation's path: every client agent (and the spouses its married clients point to).
    source: { entities: ['spouse', 'client'], scope: { clients: 'all' } },
  });
  // Three people get a CPF with wrong check digits.
  const corrupt = env.mega.prepare("UPDATE GLO_PESSOA_FISICA SET AGN_ST_CPF = '11144477736' WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'P'");
  for (const code of BAD_CODES) {
    const isPerson = env.mega.prepare('SELECT AGN_CH_TIPOPESSOAFJ AS t FROM GLO_AGENTES WHERE AGN_IN_CODIGO = ?').get(code) as { t: string };
    expect(isPerson.t).toBe('F');
    corrupt.run(code);
  }
});
afterAll(async () => env?.close());

describe('first sync of a generated Mega database', () => {
  it('puts every valid client in the CRM exactly once, with the Mega values (accents intact), and counts the invalid ones', async () => {
    const summary = await env.engine.run({ trigger: 'e2e' });
    const valid = CLIENTS - BAD_CODES.length;
    expect(summary.outcome).toBe('completed');
    expect(summary.byEntity.client).toMatchObject({ sent: valid, failed: BAD_CODES.length, unchanged: 0, retrying: 0 });
    expect(summary.failures.map((f) => [f.key, f.code]).sort()).toEqual(BAD_CODES.map((c) => [`1-1-${c}`, 'VALIDATION_FAILED']).sort());

    const state = env.sandbox.state();
    expect(state.requestsByOperation.IncluirAlterarCliente).toBe(valid);
    expect(state.clients).toHaveLength(valid);
    expect(new Set(state.clients.map((c) => c.integrationId)).size).toBe(valid);
    expect(state.clients.every((c) => c.writes === 1)).toBe(true);

    let accented = 0;
    for (const row of megaClients()) {
      const crm = env.sandbox.client(row.key);
      if (BAD_CODES.some((c) => row.key === `1-1-${c}`)) {
        expect(crm).toBeUndefined();
        continue;
      }
      expect(crm?.fields).toMatchObject({
        nome: row.AGN_ST_NOME,
        tipo_pessoa: row.AGN_CH_TIPOPESSOAFJ,
        cpf_cnpj: row.document,
        cidade: row.AGN_ST_MUNICIPIO,
        uf: row.UF_ST_SIGLA,
        bairro: row.AGN_ST_BAIRRO,
        logradouro: row.AGN_ST_LOGRADOURO,
        nome_conjuge: row.AGN_ST_CONJUGE ?? '',
      });
      expect(crm?.fields.email?.split(';')[0]).toBe(row.AGN_ST_EMAIL.toLowerCase());
      if (row.AGN_ST_NOME !== row.AGN_ST_NOME.normalize('NFD').replace(/\p{M}/gu, '')) accented++;
    }
    expect(accented).toBeGreaterThan(500);
    const parked = await env.store.listParked();
    expect(parked.map((p) => p.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED']);
  });

  it('a second run with no Mega change sends nothing', async () => {
    const before = env.sandbox.state().requests;
    const summary = await env.engine.run({ trigger: 'e2e again' });
    expect(summary.totals.sent).toBe(0);
    expect(summary.totals.failed).toBe(0);
    expect(env.sandbox.state().requests).toBe(before);
  });

  it('changing 10 rows sends exactly 10, and a row touched without a real change sends nothing', async () => {
    const before = env.sandbox.state().requests;
    const codes = Array.from({ length: 10 }, (_, i) => 1100 + i * 37);
    const rename = env.mega.prepare("UPDATE GLO_AGENTES SET AGN_ST_BAIRRO = 'Água Verde ' || AGN_IN_CODIGO WHERE AGN_IN_CODIGO = ?");
    for (const code of codes) rename.run(code);
    env.mega.prepare('UPDATE GLO_AGENTES SET AGN_ST_NOME = AGN_ST_NOME WHERE AGN_IN_CODIGO = 1200').run(); // no-op change
    const summary = await env.engine.run({ trigger: 'e2e changes' });
    expect(summary.byEntity.client).toMatchObject({ sent: 10, unchanged: 1 });
    expect(env.sandbox.state().requests - before).toBe(10);
    for (const code of codes) expect(env.sandbox.client(`1-1-${code}`)).toMatchObject({ writes: 2, fields: { bairro: `Água Verde ${code}` } });
    expect(env.sandbox.state().clients).toHaveLength(CLIENTS - BAD_CODES.length);
  });

  it('fixing an invalid CPF in Mega sends that client and clears it from the parked list', async () => {
    env.mega.prepare("UPDATE GLO_PESSOA_FISICA SET AGN_ST_CPF = '52998224725' WHERE AGN_IN_CODIGO = 1010 AND AGN_CH_TIPO = 'P'").run();
    const summary = await env.engine.run({ trigger: 'e2e fix' });
    expect(summary.byEntity.client.sent).toBe(1);
    expect(env.sandbox.client('1-1-1010')?.fields.cpf_cnpj).toBe('52998224725');
    expect((await env.store.listParked()).map((p) => p.key).sort()).toEqual(['1-1-1500', '1-1-2100']);
  });
});
