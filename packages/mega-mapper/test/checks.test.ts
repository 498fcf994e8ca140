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
});
