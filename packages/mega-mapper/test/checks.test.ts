import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runDataChecks } from '../src/checks.js';
import { createDemoMegaDatabase } from '../src/demo/generate.js';
import { sqliteDriver } from '../src/sql/sqlite.js';

describe('data checks (doctor)', () => {
  it("find the manual's CLGaragem rows, spouses without a name, and contracts of unflagged enterprises", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mega-')), 'mega.db');
    const stats = await createDemoMegaDatabase(path, { clients: 1200, seed: 5 });
    const db = new Database(path);
    db.prepare(
      "UPDATE GLO_PESSOA_FISICA SET AGN_ST_CONJUGE = NULL WHERE AGN_CH_TIPO = 'P' AND AGN_IN_CODIGO IN (SELECT AGN_IN_CODIGO FROM GLO_PESSOA_FISICA WHERE AGN_CH_TIPO = 'C' LIMIT 2)",
    ).run();
    const results = await runDataChecks(sqliteDriver(db));
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId['garage-without-row']?.count).toBe(stats.garagesWithoutRow);
    expect(stats.garagesWithoutRow).toBeGreaterThan(0);
    expect(byId['garage-without-row']?.inspectSql).toMatch(/est_ch_tipoestrutura = 'G'/i);
    expect(byId['client-waiting-spouse']?.count).toBe(2);
    const unflagged = db
      .prepare(
        "SELECT COUNT(*) AS n FROM CAR_CONTRATO_ENVOLVIDO ce JOIN DBM_UNIDADE u ON u.EST_IN_CODIGO = ce.EST_IN_CODIGO JOIN DBM_ESTRUTURA e ON e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO WHERE ce.CTOENV_CH_ORIGEM = 'U' AND e.EST_BO_INTEGRACRM = 'N'",
      )
      .get() as { n: number };
    expect(byId['contract-enterprise-not-flagged']?.count).toBe(unflagged.n);
    expect(unflagged.n).toBeGreaterThan(0);
    for (const r of results) expect(r.fix.en && r.fix.pt).toBeTruthy();
    db.close();
  });

  it('read the real names (overrides), and leave the garage check out when the optional DBM_GARAGEM is missing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mega-')), 'mega.db');
    await createDemoMegaDatabase(path, { clients: 300, seed: 5 });
    const db = new Database(path);
    const before = await runDataChecks(sqliteDriver(db));
    db.exec(
      'ALTER TABLE DBM_ESTRUTURA RENAME TO DBM_ESTRUTURAS; ALTER TABLE DBM_ESTRUTURAS RENAME COLUMN EST_BO_INTEGRACRM TO EST_BO_CRM; DROP TABLE DBM_GARAGEM',
    );
    const after = await runDataChecks(sqliteDriver(db), {
      schema: { DBM_ESTRUTURA: { name: 'DBM_ESTRUTURAS', columns: { EST_BO_INTEGRACRM: 'EST_BO_CRM' } } },
    });
    const count = (results: typeof before, id: string) => results.find((r) => r.id === id)?.count;
    expect(count(after, 'garage-without-row')).toBe(0);
    expect(after.find((r) => r.id === 'garage-without-row')?.title).toContain('not checked, this Mega has no DBM_GARAGEM table');
    expect(count(before, 'garage-without-row')).toBeGreaterThan(0);
    expect(count(after, 'contract-enterprise-not-flagged')).toBe(count(before, 'contract-enterprise-not-flagged'));
    expect(count(after, 'client-waiting-spouse')).toBe(count(before, 'client-waiting-spouse'));
    await expect(runDataChecks(sqliteDriver(db))).rejects.toThrow(/no such table: DBM_ESTRUTURA/);
    db.close();
  });
});
