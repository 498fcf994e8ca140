import { type Client, ClientSchema, type ValidationError, validateRecord } from '@mega-crm/core';
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
  readonly AGN_ST_CGC: string | null;
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
  readonly AGN_ST_CPF: string | null;
  readonly AGN_CH_ESTCIVIL: string | null;
  readonly AGN_DT_NASCIMENTO: string | Date | null;
  readonly AGN_ST_CONJUGE: string | null;
  /** 1 when a spouse row exists: the client is then sent with its spouse's integration id. */
  readonly HAS_SPOUSE?: number | string | null;
}

export interface MegaPhoneRow {
  readonly TEA_ST_DDD: string | null;
  readonly TEA_ST_TELEFONE: string | null;
}

export function keyOfAgentRow(row: { readonly AGN_TAB_IN_CODIGO: number; readonly AGN_PAD_IN_CODIGO: number; readonly AGN_IN_CODIGO: number }): AgentKey {
  return { tab: Number(row.AGN_TAB_IN_CODIGO), pad: Number(row.AGN_PAD_IN_CODIGO), code: Number(row.AGN_IN_CODIGO) };
}

/** Maps a Mega client to the CRM client, or to a ValidationError that names every bad field. */
export function mapClient(row: MegaClientRow, phones: readonly MegaPhoneRow[] = []): { ok: true; value: Client } | { ok: false; error: ValidationError } {
  const key = agentKey(keyOfAgentRow(row));
  const personType = code(row.AGN_CH_TIPOPESSOAFJ);
  const maritalCode = code(row.AGN_CH_ESTCIVIL);
  const emails = [
    ...new Set(
      [row.AGN_ST_EMAIL, row.AGN_ST_OUTROSEMAILS]
        .flatMap((f) => (typeof f === 'string' ? f : '').split(/[;,\s]+/))
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const hasSpouse = Number(row.HAS_SPOUSE ?? 0) > 0;
  const candidate = dropUndefined({
    key,
    personType,
    name: typeof row.AGN_ST_NOME === 'string' ? row.AGN_ST_NOME : '',
    tradeName: blankToUndefined(row.AGN_ST_FANTASIA),
    document: (personType === 'J' ? row.AGN_ST_CGC : row.AGN_ST_CPF) ?? '',
    emails,
    phones: phones.map((p) => `${digits(p.TEA_ST_DDD)}${digits(p.TEA_ST_TELEFONE)}`),
    address: dropUndefined({
      streetType: blankToUndefined(row.TPL_ST_SIGLA),
      street: blankToUndefined(row.AGN_ST_LOGRADOURO),
      number: blankToUndefined(row.AGN_ST_NUMERO),
      complement: blankToUndefined(row.AGN_ST_COMPLEMENTO),
      district: blankToUndefined(row.AGN_ST_BAIRRO),
      city: blankToUndefined(row.AGN_ST_MUNICIPIO),
      state: code(row.UF_ST_SIGLA),
      zip: digits(row.AGN_ST_CEP) || undefined,
    }),
    maritalStatus: maritalCode ? (MARITAL_STATUS_CODES[maritalCode as keyof typeof MARITAL_STATUS_CODES] ?? maritalCode) : undefined,
    birthDate: personType === 'J' ? undefined : toIsoDate(row.AGN_DT_NASCIMENTO),
    spouseName: personType === 'J' ? undefined : blankToUndefined(row.AGN_ST_CONJUGE),
    spouseKey: hasSpouse && personType !== 'J' ? spouseKeyOf(key) : undefined,
  });
  return validateRecord(ClientSchema, candidate, { entity: 'client', key });
}
