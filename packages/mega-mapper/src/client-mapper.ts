import { type Client, ClientSchema, onlyDigits, type ValidationError, validateRecord } from '@mega-crm/core';
import { type AgentKey, agentKeyString, MARITAL_STATUS_CODES } from './schema.js';

/** One client as read from GLO_AGENTES + GLO_PESSOA_FISICA ('P' and 'C' rows). */
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
}

export interface MegaPhoneRow {
  readonly TEA_ST_DDD: string | null;
  readonly TEA_ST_TELEFONE: string;
}

export function keyOfRow(row: Pick<MegaClientRow, 'AGN_TAB_IN_CODIGO' | 'AGN_PAD_IN_CODIGO' | 'AGN_IN_CODIGO'>): AgentKey {
  return { tab: row.AGN_TAB_IN_CODIGO, pad: row.AGN_PAD_IN_CODIGO, code: row.AGN_IN_CODIGO };
}

/** Maps a Mega client to the CRM client, or to a ValidationError that names every bad field. */
export function mapClient(row: MegaClientRow, phones: readonly MegaPhoneRow[] = []): { ok: true; value: Client } | { ok: false; error: ValidationError } {
  const key = agentKeyString(keyOfRow(row));
  const personType = row.AGN_CH_TIPOPESSOAFJ?.trim().toUpperCase();
  const maritalCode = row.AGN_CH_ESTCIVIL?.trim().toUpperCase();
  const candidate = {
    key,
    personType,
    name: row.AGN_ST_NOME ?? '',
    tradeName: blankToUndefined(row.AGN_ST_FANTASIA),
    document: (personType === 'J' ? row.AGN_ST_CGC : row.AGN_ST_CPF) ?? '',
    emails: splitEmails(row.AGN_ST_EMAIL, row.AGN_ST_OUTROSEMAILS),
    phones: phones.map((p) => `${p.TEA_ST_DDD ?? ''}${p.TEA_ST_TELEFONE}`),
    address: dropUndefined({
      streetType: blankToUndefined(row.TPL_ST_SIGLA),
      street: blankToUndefined(row.AGN_ST_LOGRADOURO),
      number: blankToUndefined(row.AGN_ST_NUMERO),
      complement: blankToUndefined(row.AGN_ST_COMPLEMENTO),
      district: blankToUndefined(row.AGN_ST_BAIRRO),
      city: blankToUndefined(row.AGN_ST_MUNICIPIO),
      state: blankToUndefined(row.UF_ST_SIGLA)?.toUpperCase(),
      zip: row.AGN_ST_CEP ? onlyDigits(row.AGN_ST_CEP) || undefined : undefined,
    }),
    maritalStatus: maritalCode ? (MARITAL_STATUS_CODES[maritalCode as keyof typeof MARITAL_STATUS_CODES] ?? maritalCode) : undefined,
    birthDate: toIsoDate(row.AGN_DT_NASCIMENTO),
    spouseName: blankToUndefined(row.AGN_ST_CONJUGE),
  };
  return validateRecord(ClientSchema, dropUndefined(candidate), { entity: 'client', key });
}

function blankToUndefined(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function splitEmails(...fields: ReadonlyArray<string | null>): string[] {
  const all = fields.flatMap((f) => (f ?? '').split(/[;,\s]+/)).map((e) => e.trim().toLowerCase());
  return [...new Set(all.filter(Boolean))];
}

function toIsoDate(value: string | Date | null): string | undefined {
  if (value == null || value === '') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid-date' : value.toISOString().slice(0, 10);
  return value.slice(0, 10);
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
