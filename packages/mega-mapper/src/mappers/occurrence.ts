import { type Occurrence, OccurrenceSchema, type ValidationError, validateRecord } from '@mega-crm/core';
import { contractKey, occurrenceKey } from '../keys.js';
import type { OccurrenceTypeRule } from '../scope.js';
import { blankToUndefined, dropUndefined, toIsoDate } from './common.js';
import { type MegaOrgRow, orgOf } from './contract.js';

/** DBM_GERAOCORRENCIA joined to its contract (DBM_OCORRENCIACONTRATO) and its type. */
export interface MegaOccurrenceRow extends MegaOrgRow {
  readonly OCO_IN_CODIGO: number;
  readonly CTO_IN_CODIGO: number;
  readonly OCS_IN_MODULO: number;
  readonly OCS_IN_CODIGO: number;
  readonly OCS_ST_DESCRICAO: string | null;
  readonly OCO_DT_CADASTRO: string | Date | null;
  readonly OCO_ST_OCORRENCIA: string | null;
  readonly OCO_ST_COMPLEMENTO: string | null;
  readonly OCO_DT_ENCERRAMENTO: string | Date | null;
}

/** Maps an occurrence; whether it arrives open or closed is its type's rule, as the manual says. */
export function mapOccurrence(row: MegaOccurrenceRow, rule: OccurrenceTypeRule): { ok: true; value: Occurrence } | { ok: false; error: ValidationError } {
  const org = orgOf(row);
  const key = occurrenceKey(org, Number(row.OCO_IN_CODIGO));
  const openedAt = toIsoDate(row.OCO_DT_CADASTRO);
  const text = [blankToUndefined(row.OCO_ST_OCORRENCIA), blankToUndefined(row.OCO_ST_COMPLEMENTO)].filter(Boolean).join('\n');
  const candidate = dropUndefined({
    key,
    contractKey: contractKey(org, Number(row.CTO_IN_CODIGO)),
    typeCode: Number(row.OCS_IN_CODIGO),
    typeDescription: typeof row.OCS_ST_DESCRICAO === 'string' ? row.OCS_ST_DESCRICAO : '',
    text,
    openedAt,
    status: rule.status,
    closedAt: rule.status === 'closed' ? (toIsoDate(row.OCO_DT_ENCERRAMENTO) ?? openedAt) : undefined,
  });
  return validateRecord(OccurrenceSchema, candidate, { entity: 'occurrence', key });
}
