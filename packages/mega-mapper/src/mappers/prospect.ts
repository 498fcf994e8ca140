import { type Prospect, ProspectSchema } from '@mega-crm/core';
import { padDocument, validateDroppingFields } from '@mega-crm/core/internal';
import { agentKey } from '../keys.js';
import { keyOfAgentRow, type MapResult } from './client.js';
import { blankToUndefined, code, dropUndefined } from './common.js';

/** GUESS: CMR_PROSPECT.PRO_CH_ORIGEM codes (where the prospect was first registered). */
export const PROSPECT_ORIGIN_CODES = { C: 'crm', V: 'vimob' } as const;

/** One prospect as read from CMR_PROSPECT (every column a GUESS: see schema/tables.ts). */
export interface MegaProspectRow {
  readonly AGN_TAB_IN_CODIGO: number;
  readonly AGN_PAD_IN_CODIGO: number;
  readonly AGN_IN_CODIGO: number;
  readonly PRO_ST_NOME: string | null;
  readonly PRO_CH_TIPOPESSOAFJ: string | null;
  readonly PRO_ST_CPFCNPJ: string | number | null;
  readonly PRO_ST_EMAIL: string | null;
  readonly PRO_ST_TELEFONE: string | null;
  readonly PRO_CH_ORIGEM: string | null;
}

/** Contact fields left out (with a warning) rather than refusing the prospect. */
const DROPPABLE = new Set(['email', 'phone']);

/**
 * Maps a Mega prospect to the CRM prospect, keyed by the shared id (the agent key). An invalid e-mail
 * or phone is left out with a warning; a missing name or a bad CPF/CNPJ refuses the prospect.
 */
export function mapProspect(row: MegaProspectRow): MapResult<Prospect> {
  const key = agentKey(keyOfAgentRow(row));
  const personType = code(row.PRO_CH_TIPOPESSOAFJ) ?? 'F';
  const origin = code(row.PRO_CH_ORIGEM);
  const candidate = dropUndefined({
    key,
    personType,
    name: typeof row.PRO_ST_NOME === 'string' ? row.PRO_ST_NOME : '',
    document: padDocument(row.PRO_ST_CPFCNPJ, personType),
    email: blankToUndefined(row.PRO_ST_EMAIL)?.toLowerCase(),
    phone: blankToUndefined(row.PRO_ST_TELEFONE),
    origin: origin ? (PROSPECT_ORIGIN_CODES[origin as keyof typeof PROSPECT_ORIGIN_CODES] ?? origin) : undefined,
  });
  return validateDroppingFields(ProspectSchema, candidate, { entity: 'prospect', key }, (path) => DROPPABLE.has(path));
}
