/**
 * Dirty rows for the demo Mega, shaped like real production data (issue #12): each kind touches at
 * least `share` of the rows it applies to, chosen by position (never below the share, and the clean
 * data's random stream is untouched). The run summary and the source's warnings then show what the
 * SDK does with each kind.
 */
import { completeCpf } from '@mega-crm/core/internal';
import type { TableName } from '../schema/tables.js';
import type { RowWriter } from './writer.js';

export const DIRTY_KINDS = [
  /** An invalid primary e-mail next to a valid one: the valid one goes, the invalid one is a warning. */
  'invalidEmail',
  /** The phone number already carries the DDD, which is in its column too (`11` + `11987654321`). */
  'phoneGluedDdd',
  /** The phone with the country code (`+55 (11) 98765-4321`). */
  'phoneCountryCode',
  /** An extra phone with no DDD anywhere: left out with a warning. */
  'phoneWithoutDdd',
  /** A CPF starting with 0 stored without it, as a NUMBER column gives it. */
  'cpfWithoutLeadingZero',
  /** A company (PJ) with a spouse row: never sent. */
  'companySpouse',
  /** A spouse whose CPF is the client's own: refused as SPOUSE_SAME_CPF, the client goes unlinked. */
  'spouseSameCpf',
  /** A name with characters outside ISO-8859-1 (“curly quotes”, Ł): transliterated with a warning. */
  'textOutsideLatin1',
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number];

/** Agent codes touched by each kind of dirt. */
export type DirtyStats = Record<DirtyKind, number[]>;

type Row = Readonly<Record<string, unknown>>;

/** Wraps a writer so the rows it receives come out dirty at the given share of each kind. */
export function dirtyWriter(writer: RowWriter, share: number): { writer: RowWriter; stats: DirtyStats } {
  const seen = Object.fromEntries(DIRTY_KINDS.map((k) => [k, 0])) as Record<DirtyKind, number>;
  const stats = Object.fromEntries(DIRTY_KINDS.map((k) => [k, []])) as unknown as DirtyStats;
  // A row is made dirty whenever the kind is behind its share: at least ⌈rows × share⌉ of each kind.
  const hit = (kind: DirtyKind, code: number): boolean => {
    const n = ++seen[kind];
    if (stats[kind].length >= Math.ceil(n * share)) return false;
    stats[kind].push(code);
    return true;
  };
  const personCpf = new Map<number, string>();
  const dirty = (table: TableName, row: Row): Array<readonly [TableName, Row]> => {
    const code = Number(row.AGN_IN_CODIGO);
    if (table === 'GLO_AGENTES' && typeof row.AGN_ST_EMAIL === 'string') {
      let out: Record<string, unknown> = { ...row };
      const extra: Array<readonly [TableName, Row]> = [];
      if (hit('invalidEmail', code))
        out = { ...out, AGN_ST_EMAIL: String(row.AGN_ST_EMAIL).replace('@', '@@'), AGN_ST_OUTROSEMAILS: `valido${code}@exemplo.com.br` };
      if (hit('textOutsideLatin1', code)) out = { ...out, AGN_ST_NOME: `${String(row.AGN_ST_NOME).replace(' ', ' “')}” Łucja` };
      if (row.AGN_CH_TIPOPESSOAFJ === 'J' && hit('companySpouse', code)) {
        const spouse = {
          AGN_TAB_IN_CODIGO: 1,
          AGN_PAD_IN_CODIGO: 1,
          AGN_IN_CODIGO: code,
          AGN_CH_TIPO: 'C',
          AGN_ST_CPF: null,
          AGN_DT_ALTERACAO: row.AGN_DT_ALTERACAO,
        };
        extra.push(['GLO_PESSOA_FISICA', spouse]);
      }
      return [[table, out], ...extra];
    }
    if (table === 'GLO_AGENTES_TELEFONE' && Number(row.TEA_IN_SEQUENCIA) === 1) {
      const ddd = String(row.TEA_ST_DDD ?? '');
      const number = String(row.TEA_ST_TELEFONE ?? '');
      let first = row;
      if (hit('phoneGluedDdd', code)) first = { ...row, TEA_ST_TELEFONE: `${ddd}${number}` };
      else if (hit('phoneCountryCode', code)) first = { ...row, TEA_ST_DDD: null, TEA_ST_TELEFONE: `+55 (${ddd}) ${number.slice(0, 5)}-${number.slice(5)}` };
      const out: Array<readonly [TableName, Row]> = [[table, first]];
      if (hit('phoneWithoutDdd', code)) out.push([table, { ...row, TEA_IN_SEQUENCIA: 9, TEA_ST_DDD: null, TEA_ST_TELEFONE: number.slice(1) }]);
      return out;
    }
    if (table === 'GLO_PESSOA_FISICA' && row.AGN_CH_TIPO === 'P') {
      let cpf = String(row.AGN_ST_CPF ?? '');
      if (hit('cpfWithoutLeadingZero', code)) cpf = completeCpf(`0${String(10_000_000 + ((code * 7919) % 90_000_000))}`).replace(/^0+/, '');
      personCpf.set(code, cpf);
      return [[table, { ...row, AGN_ST_CPF: cpf }]];
    }
    if (table === 'GLO_PESSOA_FISICA' && row.AGN_CH_TIPO === 'C' && row.AGN_ST_CPF && personCpf.has(code) && hit('spouseSameCpf', code)) {
      return [[table, { ...row, AGN_ST_CPF: personCpf.get(code) }]];
    }
    return [[table, row]];
  };
  return {
    stats,
    writer: {
      add(table, row) {
        for (const [into, out] of dirty(table, row)) writer.add(into, out);
      },
      flush: (force) => writer.flush(force),
    },
  };
}
