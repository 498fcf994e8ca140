import { type Client, ClientSchema, type RecordWarning, type ValidationError } from '@mega-crm/core';
import { normalizeEmails, normalizePhones, padDocument, validateDroppingFields } from '@mega-crm/core/internal';
import { type AgentKey, agentKey, spouseKeyOf } from '../keys.js';
import { blankToUndefined, code, digits, dropUndefined, toIsoDate } from './common.js';

/** GUESS: marital status codes of GLO_PESSOA_FISICA.AGN_CH_ESTCIVIL. */
export const MARITAL_STATUS_CODES = {
  S: 'single',
  C: 'married',
  D: 'divorced',
  V: 'widowed',
  P: 'separated',
  U: 'stable-union',
} as const;

/** One client as read from GLO_AGENTES + GLO_PESSOA_FISICA ('P' row; 'C' row only for its existence). */
export interface MegaClientRow {
  readonly AGN_TAB_IN_CODIGO: number;
  readonly AGN_PAD_IN_CODIGO: number;
  readonly AGN_IN_CODIGO: number;
  readonly AGN_ST_NOME: string | null;
  readonly AGN_ST_FANTASIA: string | null;
  readonly AGN_CH_TIPOPESSOAFJ: string | null;
  readonly AGN_ST_CGC: string | number | null;
  readonly TPL_ST_SIGLA: string | null;
  readonly AGN_ST_LOGRADOURO: string | null;
  readonly AGN_ST_NUMERO: string | null;
  readonly AGN_ST_COMPLEMENTO: string | null;
  readonly AGN_ST_BAIRRO: string | null;
  readonly AGN_ST_MUNICIPIO: string | null;
  readonly UF_ST_SIGLA: string | null;
  readonly AGN_ST_CEP: string | null;
  readonly AGN_ST_EMAIL: string | null;
  readonly AGN_ST_OUTROSEMAILS: string | null;
  readonly AGN_ST_CPF: string | number | null;
  readonly AGN_CH_ESTCIVIL: string | null;
  readonly AGN_DT_NASCIMENTO: string | Date | null;
  readonly AGN_ST_CONJUGE: string | null;
  /** 1 when a spouse row exists: the client is then sent with its spouse's integration id. */
  readonly HAS_SPOUSE?: number | string | null;
  /** The spouse row's CPF: a spouse with the client's own CPF is not linked. */
  readonly SPOUSE_CPF?: string | number | null;
}

export interface MegaPhoneRow {
  readonly TEA_ST_DDD: string | null;
  readonly TEA_ST_TELEFONE: string | null;
}

export function keyOfAgentRow(row: { readonly AGN_TAB_IN_CODIGO: number; readonly AGN_PAD_IN_CODIGO: number; readonly AGN_IN_CODIGO: number }): AgentKey {
  return { tab: Number(row.AGN_TAB_IN_CODIGO), pad: Number(row.AGN_PAD_IN_CODIGO), code: Number(row.AGN_IN_CODIGO) };
}

/** A mapper's outcome: the record with what was left out of it, or the error naming every bad field. */
export type MapResult<T> = { ok: true; value: T; warnings: readonly RecordWarning[] } | { ok: false; error: ValidationError };

/** Optional client fields dropped (with a warning) rather than refusing the whole client. */
const DROPPABLE = new Set(['address.zip', 'address.state', 'birthDate', 'maritalStatus', 'tradeName', 'address.complement']);

/**
 * Maps a Mega client to the CRM client. Contact data follows core's normalisation policy
 * (`normalizeEmails`, `normalizePhones`, `padDocument`): invalid e-mails, phones, CEP, UF, birth
 * date or marital status are left out with a warning naming the field; the client still goes.
 * Name and CPF/CNPJ cannot be left out: those refuse the client with a ValidationError.
 */
export function mapClient(row: MegaClientRow, phones: readonly MegaPhoneRow[] = []): MapResult<Client> {
  const key = agentKey(keyOfAgentRow(row));
  const personType = code(row.AGN_CH_TIPOPESSOAFJ);
  const maritalCode = code(row.AGN_CH_ESTCIVIL);
  const emails = normalizeEmails([
    ['AGN_ST_EMAIL', row.AGN_ST_EMAIL],
    ['AGN_ST_OUTROSEMAILS', row.AGN_ST_OUTROSEMAILS],
  ]);
  const phoneList = normalizePhones(phones.map((p) => [p.TEA_ST_DDD, p.TEA_ST_TELEFONE] as const));
  const document = padDocument(personType === 'J' ? row.AGN_ST_CGC : row.AGN_ST_CPF, personType);
  const hasSpouse = Number(row.HAS_SPOUSE ?? 0) > 0;
  const spouseSameCpf = hasSpouse && personType !== 'J' && document !== '' && padDocument(row.SPOUSE_CPF, 'F') === document;
  const candidate = dropUndefined({
    key,
    personType,
    name: typeof row.AGN_ST_NOME === 'string' ? row.AGN_ST_NOME : '',
    tradeName: blankToUndefined(row.AGN_ST_FANTASIA),
    document,
    emails: emails.value,
    phones: phoneList.value,
    address: dropUndefined({
      streetType: blankToUndefined(row.TPL_ST_SIGLA),
      street: blankToUndefined(row.AGN_ST_LOGRADOURO),
      number: blankToUndefined(row.AGN_ST_NUMERO),
      complement: blankToUndefined(row.AGN_ST_COMPLEMENTO),
      district: blankToUndefined(row.AGN_ST_BAIRRO),
      city: blankToUndefined(row.AGN_ST_MUNICIPIO),
      state: code(row.UF_ST_SIGLA),
      // A CEP from a numeric column loses its leading zero too (01001-000 → 1001000).
      zip: digits(row.AGN_ST_CEP).length === 7 ? `0${digits(row.AGN_ST_CEP)}` : digits(row.AGN_ST_CEP) || undefined,
    }),
    maritalStatus: maritalCode ? (MARITAL_STATUS_CODES[maritalCode as keyof typeof MARITAL_STATUS_CODES] ?? maritalCode) : undefined,
    birthDate: personType === 'J' ? undefined : toIsoDate(row.AGN_DT_NASCIMENTO),
    spouseName: personType === 'J' ? undefined : blankToUndefined(row.AGN_ST_CONJUGE),
    // A spouse is sent only for a person, and not when it carries the client's own CPF (refused as SPOUSE_SAME_CPF).
    spouseKey: hasSpouse && personType !== 'J' && !spouseSameCpf ? spouseKeyOf(key) : undefined,
  });
  const mapped = validateDroppingFields(ClientSchema, candidate, { entity: 'client', key }, (path) => DROPPABLE.has(path));
  if (!mapped.ok) return mapped;
  const warnings: RecordWarning[] = [...emails.warnings, ...phoneList.warnings, ...mapped.warnings];
  if (spouseSameCpf)
    warnings.push({
      field: 'spouseKey',
      code: 'SPOUSE_SAME_CPF',
      message: `the spouse row (${spouseKeyOf(key)}) has the client's own CPF: client sent without a spouse`,
    });
  return { ok: true, value: mapped.value, warnings };
}
