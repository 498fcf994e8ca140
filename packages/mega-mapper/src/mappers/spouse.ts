import { DuplicateDocumentError, type MegaCrmError, type Spouse, SpouseSchema, ValidationError, validateRecord } from '@mega-crm/core';
import { padDocument } from '@mega-crm/core/internal';
import { agentKey, spouseKeyOf } from '../keys.js';
import { keyOfAgentRow } from './client.js';
import { blankToUndefined, dropUndefined, toIsoDate } from './common.js';

/** The spouse row (GLO_PESSOA_FISICA, AGN_CH_TIPO = 'C') with the name kept on the client's 'P' row. */
export interface MegaSpouseRow {
  readonly AGN_TAB_IN_CODIGO: number;
  readonly AGN_PAD_IN_CODIGO: number;
  readonly AGN_IN_CODIGO: number;
  readonly AGN_ST_CPF: string | number | null;
  readonly AGN_ST_RG: string | null;
  readonly AGN_ST_CARGOPROFISS: string | null;
  readonly AGN_ST_NACIONALIDADE: string | null;
  readonly AGN_DT_NASCIMENTO: string | Date | null;
  /** AGN_ST_CONJUGE of the 'P' row. */
  readonly SPOUSE_NAME: string | null;
  /** The client's own CPF ('P' row): a spouse carrying it is refused (SPOUSE_SAME_CPF). */
  readonly CLIENT_CPF?: string | number | null;
  /** AGN_CH_TIPOPESSOAFJ of the client: a company's spouse row is never sent (the loader skips it). */
  readonly CLIENT_TYPE?: string | null;
}

/**
 * Maps a spouse. Mega gives spouses no agent of their own, so the integration id is derived from
 * the client's (`<client key>-C`), stable across runs; a spouse without CPF is still sent. A spouse
 * with the client's own CPF is refused with SPOUSE_SAME_CPF naming both (the CRM accepts a CPF once);
 * a spouse without a name says where the name lives in Mega.
 */
export function mapSpouse(row: MegaSpouseRow): { ok: true; value: Spouse } | { ok: false; error: MegaCrmError } {
  const clientKey = agentKey(keyOfAgentRow(row));
  const key = spouseKeyOf(clientKey);
  const document = padDocument(blankToUndefined(typeof row.AGN_ST_CPF === 'number' ? String(row.AGN_ST_CPF) : row.AGN_ST_CPF), 'F');
  if (document && document === padDocument(row.CLIENT_CPF, 'F')) {
    return {
      ok: false,
      error: new DuplicateDocumentError(
        `spouse ${key} has the same CPF as its client ${clientKey} in Mega: the CRM accepts a CPF once; the spouse is not sent`,
        {
          code: 'SPOUSE_SAME_CPF',
          details: { entity: 'spouse', key, clientKey },
          fix: {
            en: `Correct the spouse's CPF (GLO_PESSOA_FISICA, AGN_CH_TIPO = 'C') of client ${clientKey} in Mega; the client is sent without a spouse until then.`,
            pt: `Corrija no Mega o CPF do cônjuge (GLO_PESSOA_FISICA, AGN_CH_TIPO = 'C') do cliente ${clientKey}; até lá o cliente é enviado sem cônjuge.`,
          },
        },
      ),
    };
  }
  const candidate = dropUndefined({
    key,
    clientKey,
    name: row.SPOUSE_NAME ?? '',
    document: document || undefined,
    birthDate: toIsoDate(row.AGN_DT_NASCIMENTO),
    idCard: blankToUndefined(row.AGN_ST_RG),
    profession: blankToUndefined(row.AGN_ST_CARGOPROFISS),
    nationality: blankToUndefined(row.AGN_ST_NACIONALIDADE),
  });
  const mapped = validateRecord(SpouseSchema, candidate, { entity: 'spouse', key });
  if (mapped.ok || blankToUndefined(row.SPOUSE_NAME)) return mapped;
  // zod would say "name: too small"; say where the name lives in Mega instead.
  const issues = mapped.error.issues.map((i) => (i.path === 'name' ? { path: 'name', code: 'SPOUSE_NAME_MISSING', message: SPOUSE_NAME_MISSING } : i));
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return { ok: false, error: new ValidationError(`spouse ${key} is invalid in Mega: ${list}`, issues, { details: { entity: 'spouse', key } }) };
}

const SPOUSE_NAME_MISSING = "no spouse name: AGN_ST_CONJUGE on the client's person row (GLO_PESSOA_FISICA, AGN_CH_TIPO = 'P') is empty or missing";
