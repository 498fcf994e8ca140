/**
 * Random rows (bad CPFs, nulls, 10,000-character fields, control characters, emoji) fed to every
 * mapper: each maps, or fails with a typed ValidationError; nothing throws raw.
 */
import { MegaCrmError } from '@mega-crm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapClient } from '../src/mappers/client.js';
import { mapContract } from '../src/mappers/contract.js';
import { mapOccurrence } from '../src/mappers/occurrence.js';
import { mapSpouse } from '../src/mappers/spouse.js';

const nasty = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\n', '😀', 'ç', '𝔘', '\uFFFF'), maxLength: 30 }),
  fc.string({ minLength: 10_000, maxLength: 10_000 }),
  fc.constantFrom('529.982.247-25', '529.982.247-24', '11.222.333/0001-81', '00000000000', 'S', 'C', 'F', 'J', 'V', 'A', '2026-02-30', '1975-04-30'),
);
const num = fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.constant('12.5'), fc.constant('abc'), fc.constant(Number.NaN));
const date = fc.oneof(nasty, fc.date({ noInvalidDate: false }));

function assertTyped(run: () => { ok: boolean; error?: unknown }): void {
  const result = run();
  if (!result.ok) expect(MegaCrmError.is(result.error) && (result.error as MegaCrmError).code).toBe('VALIDATION_FAILED');
}

const agent = { AGN_TAB_IN_CODIGO: fc.integer(), AGN_PAD_IN_CODIGO: fc.integer(), AGN_IN_CODIGO: fc.integer() };
const org = {
  ORG_TAB_IN_CODIGO: fc.integer(),
  ORG_PAD_IN_CODIGO: fc.integer(),
  ORG_IN_CODIGO: fc.integer(),
  ORG_TAU_ST_CODIGO: fc.string({ minLength: 1, maxLength: 2 }),
};
const runs = { numRuns: 300 };

describe('mappers never throw raw', () => {
  it('client', () => {
    const row = fc.record({
      ...agent,
      ...Object.fromEntries(
        [
          'AGN_ST_NOME',
          'AGN_ST_FANTASIA',
          'AGN_CH_TIPOPESSOAFJ',
          'AGN_ST_CGC',
          'TPL_ST_SIGLA',
          'AGN_ST_LOGRADOURO',
          'AGN_ST_NUMERO',
          'AGN_ST_COMPLEMENTO',
          'AGN_ST_BAIRRO',
          'AGN_ST_MUNICIPIO',
          'UF_ST_SIGLA',
          'AGN_ST_CEP',
          'AGN_ST_EMAIL',
          'AGN_ST_OUTROSEMAILS',
          'AGN_ST_CPF',
          'AGN_CH_ESTCIVIL',
          'AGN_ST_CONJUGE',
        ].map((c) => [c, nasty]),
      ),
      AGN_DT_NASCIMENTO: date,
      HAS_SPOUSE: num,
    });
    const phones = fc.array(fc.record({ TEA_ST_DDD: nasty, TEA_ST_TELEFONE: nasty }), { maxLength: 12 });
    fc.assert(
      fc.property(row, phones, (r, p) => assertTyped(() => mapClient(r as never, p as never))),
      runs,
    );
  });

  it('spouse', () => {
    const row = fc.record({
      ...agent,
      AGN_ST_CPF: nasty,
      AGN_ST_RG: nasty,
      AGN_ST_CARGOPROFISS: nasty,
      AGN_ST_NACIONALIDADE: nasty,
      AGN_DT_NASCIMENTO: date,
      SPOUSE_NAME: nasty,
    });
    fc.assert(
      fc.property(row, (r) => assertTyped(() => mapSpouse(r as never))),
      runs,
    );
  });

  it('contract', () => {
    const structure = fc.option(
      fc.record({
        EST_IN_CODIGO: fc.integer(),
        EST_ST_CODIGO: nasty,
        EST_ST_NOME: nasty,
        EST_CH_TIPOESTRUTURA: nasty,
        PAI_EST_IN_CODIGO: fc.option(fc.integer()),
        EST_BO_INTEGRACRM: nasty,
      }),
      { nil: undefined },
    );
    const parts = fc.record({
      contract: fc.record({
        ...org,
        CTO_IN_CODIGO: fc.integer(),
        CTO_CH_TIPO: nasty,
        CTO_CH_STATUS: nasty,
        CTO_DT_STATUS: date,
        CTO_DT_CADASTRO: date,
        CTO_DT_ASSINATURA: date,
        CTO_RE_VALORCONTRATO: num,
      }),
      buyers: fc.array(fc.record({ ...agent, CTC_RE_PERCENTUAL: num, CTC_BO_PRINCIPAL: nasty }), { maxLength: 25 }),
      enterprise: structure,
      stage: structure,
      block: structure,
      unit: structure,
      garages: fc.array(
        structure.filter((s) => s !== undefined),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(parts, (p) => assertTyped(() => mapContract(p as never))),
      runs,
    );
  });

  it('occurrence', () => {
    const row = fc.record({
      ...org,
      OCO_IN_CODIGO: fc.integer(),
      CTO_IN_CODIGO: fc.integer(),
      OCS_IN_MODULO: num,
      OCS_IN_CODIGO: num,
      OCS_ST_DESCRICAO: nasty,
      OCO_DT_CADASTRO: date,
      OCO_ST_OCORRENCIA: nasty,
      OCO_ST_COMPLEMENTO: nasty,
      OCO_DT_ENCERRAMENTO: date,
    });
    const rule = fc.record({ integrate: fc.boolean(), status: fc.constantFrom('open' as const, 'closed' as const) });
    fc.assert(
      fc.property(row, rule, (r, ru) => assertTyped(() => mapOccurrence(r as never, ru))),
      runs,
    );
  });
});
