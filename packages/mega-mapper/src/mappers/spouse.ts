import { type Spouse, SpouseSchema, type ValidationError, validateRecord } from '@mega-crm/core';
import { agentKey, spouseKeyOf } from '../keys.js';
import { keyOfAgentRow } from './client.js';
import { blankToUndefined, dropUndefined, toIsoDate } from './common.js';

/** The spouse row (GLO_PESSOA_FISICA, AGN_CH_TIPO = 'C') with the name kept on the client's 'P' row. */
export interface MegaSpouseRow {
  readonly AGN_TAB_IN_CODIGO: number;
  readonly AGN_PAD_IN_CODIGO: number;
  readonly AGN_IN_CODIGO: number;
  readonly AGN_ST_CPF: string | null;
  readonly AGN_ST_RG: string | null;
  readonly AGN_ST_CARGOPROFISS: string | null;
  readonly AGN_ST_NACIONALIDADE: string | null;
  readonly AGN_DT_NASCIMENTO: string | Date | null;
  /** AGN_ST_CONJUGE of the 'P' row. */
  readonly SPOUSE_NAME: string | null;
}

/**
 * Maps a spouse. Mega gives spouses no agent of their own, so the integration id is derived from
 * the client's (`<client key>-C`), stable across runs; a spouse without CPF is still sent.
 */
export function mapSpouse(row: MegaSpouseRow): { ok: true; value: Spouse } | { ok: false; error: ValidationError } {
  const clientKey = agentKey(keyOfAgentRow(row));
  const key = spouseKeyOf(clientKey);
  const candidate = dropUndefined({
    key,
    clientKey,
    name: typeof row.SPOUSE_NAME === 'string' ? row.SPOUSE_NAME : '',
    document: blankToUndefined(row.AGN_ST_CPF),
    birthDate: toIsoDate(row.AGN_DT_NASCIMENTO),
    idCard: blankToUndefined(row.AGN_ST_RG),
    profession: blankToUndefined(row.AGN_ST_CARGOPROFISS),
    nationality: blankToUndefined(row.AGN_ST_NACIONALIDADE),
  });
  return validateRecord(SpouseSchema, candidate, { entity: 'spouse', key });
}
