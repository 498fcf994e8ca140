/**
 * `pnpm demo --dirty`: a generated Mega with ≥ 5 % dirty rows of each kind syncs with every valid
 * client delivered, every dropped or changed value reported (with its key and field), and a rerun
 * that sends nothing — on SQLite and on PostgreSQL.
 */
import type { CapturedItem } from '@mega-crm/core';
import { MegaSource, SKIP_REASONS } from '@mega-crm/mega-mapper';
import { DIRTY_KINDS } from '@mega-crm/mega-mapper/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEGAS, type MegaDb, syncEnv } from './mega-env.js';

const CLIENTS = 400;
const SHARE = 0.05;

async function readEverything(mega: MegaDb): Promise<CapturedItem[]> {
  const source = new MegaSource({ sql: mega.sql, schemas: mega.schemas });
  const items: CapturedItem[] = [];
  let cursor: string | null = null;
  for (;;) {
    const batch = await source.read(cursor, { limit: 200 });
    items.push(...batch.items);
    cursor = batch.cursor;
    if (!batch.hasMore) return items;
  }
}

for (const kind of MEGAS) {
  describe.skipIf(!kind.available)(`dirty demo Mega on ${kind.name}`, () => {
    let mega: MegaDb;
    beforeAll(async () => {
      mega = await kind.open({ clients: CLIENTS, seed: 5, dirtyShare: SHARE });
    }, 120_000);
    afterAll(async () => mega?.close());

    it('has at least 5 % dirty rows of each kind, every valid client is delivered, every dropped value is reported, a rerun sends nothing', async () => {
      const dirty = mega.stats.dirty;
      if (!dirty) throw new Error('no dirty stats');
      const people = CLIENTS - mega.stats.companies;
      expect(dirty.invalidEmail.length).toBeGreaterThanOrEqual(CLIENTS * SHARE);
      expect(dirty.textOutsideLatin1.length).toBeGreaterThanOrEqual(CLIENTS * SHARE);
      expect(dirty.cpfWithoutLeadingZero.length).toBeGreaterThanOrEqual(people * SHARE);
      expect(dirty.companySpouse.length).toBeGreaterThanOrEqual(mega.stats.companies * SHARE);
      expect(dirty.spouseSameCpf.length).toBeGreaterThanOrEqual(mega.stats.spousesWithCpf * SHARE);
      for (const k of ['phoneGluedDdd', 'phoneCountryCode', 'phoneWithoutDdd'] as const) expect(dirty[k].length).toBeGreaterThanOrEqual(CLIENTS * SHARE - 1);
      expect(DIRTY_KINDS.every((k) => dirty[k].length > 0)).toBe(true);

      const env = await syncEnv(mega);
      try {
        const summary = await env.engine.run({ trigger: 'dirty demo' });
        expect(summary.outcome).toBe('completed');
        const items = await readEverything(mega);
        const records = (entity: string) => items.flatMap((i) => (i.kind === 'record' && i.record.entity === entity ? [i] : []));
        const inScope = new Set(records('client').map((i) => i.record.key));
        // Every valid client delivered: none refused, the CRM holds exactly the in-scope clients.
        expect(summary.byEntity.client).toMatchObject({ failed: 0, held: 0, retrying: 0 });
        expect(new Set(env.sandbox.state().clients.map((c) => c.integrationId))).toEqual(inScope);
        const keysOf = (codes: number[]) =>
          codes
            .map((c) => `1-1-${c}`)
            .filter((k) => inScope.has(k))
            .sort();
        const warned = (code: string) =>
          records('client')
            .filter((i) => i.warnings?.some((w) => w.code === code))
            .map((i) => i.record.key)
            .sort();
        // Every dropped or changed value is reported with its key and field.
        expect(warned('EMAIL_INVALID')).toEqual(keysOf(dirty.invalidEmail));
        expect(warned('PHONE_NO_AREA_CODE')).toEqual(keysOf(dirty.phoneWithoutDdd));
        expect(warned('TEXT_TRANSLITERATED')).toEqual(keysOf(dirty.textOutsideLatin1));
        expect(warned('SPOUSE_SAME_CPF')).toEqual(keysOf(dirty.spouseSameCpf));
        expect(warned('EMAIL_INVALID').length).toBeGreaterThan(0);
        expect(
          summary.failures
            .filter((f) => f.code === 'SPOUSE_SAME_CPF')
            .map((f) => f.key.replace(/-C$/, ''))
            .sort(),
        ).toEqual(keysOf(dirty.spouseSameCpf));
        expect(summary.skippedReasons[SKIP_REASONS.companySpouse] ?? 0).toBe(keysOf(dirty.companySpouse).length);
        // What the CRM holds: one phone format, the CPF with its zero, the valid e-mail, no company spouse.
        for (const key of keysOf([...dirty.phoneGluedDdd, ...dirty.phoneCountryCode])) {
          for (const phone of env.sandbox.client(key)?.fields.telefones?.split(';') ?? []) expect(phone).toMatch(/^[1-9]{2}9\d{8}$/);
        }
        for (const key of keysOf(dirty.cpfWithoutLeadingZero)) expect(env.sandbox.client(key)?.fields.cpf_cnpj?.replace(/\D/g, '')).toMatch(/^0\d{10}$/);
        for (const key of keysOf(dirty.invalidEmail)) expect(env.sandbox.client(key)?.fields.email).toBe(`valido${key.split('-')[2]}@exemplo.com.br`);
        for (const key of keysOf(dirty.companySpouse)) expect(env.sandbox.spouse(`${key}-C`)).toBeUndefined();
        // A rerun sends nothing.
        const again = await env.engine.run({ trigger: 'dirty demo, again' });
        expect(again.totals.sent).toBe(0);
      } finally {
        await env.close();
      }
    });
  });
}
