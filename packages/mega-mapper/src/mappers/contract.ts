import { type Contract, ContractSchema, type ValidationError, validateRecord } from '@mega-crm/core';
import { agentKey, contractKey, type OrgKey, structureKey } from '../keys.js';
import { code, dropUndefined, toIsoDate, toNumber } from './common.js';

export const CONTRACT_TYPE_CODES = { V: 'sale', P: 'swap', M: 'rent' } as const;
export const CONTRACT_STATUS_CODES = { A: 'active', U: 'defaulting', D: 'cancelled', T: 'transferred', C: 'assigned', Q: 'paid-off' } as const;

export interface MegaOrgRow {
  readonly ORG_TAB_IN_CODIGO: number;
  readonly ORG_PAD_IN_CODIGO: number;
  readonly ORG_IN_CODIGO: number;
  readonly ORG_TAU_ST_CODIGO: string;
}

export interface MegaContractRow extends MegaOrgRow {
  readonly CTO_IN_CODIGO: number;
  readonly CTO_CH_TIPO: string | null;
  readonly CTO_CH_STATUS: string | null;
  readonly CTO_DT_STATUS: string | Date | null;
  readonly CTO_DT_CADASTRO: string | Date | null;
  readonly CTO_DT_ASSINATURA: string | Date | null;
  readonly CTO_RE_VALORCONTRATO: number | string | null;
}

export interface MegaBuyerRow {
  readonly AGN_TAB_IN_CODIGO: number;
  readonly AGN_PAD_IN_CODIGO: number;
  readonly AGN_IN_CODIGO: number;
  readonly CTC_RE_PERCENTUAL: number | string | null;
  readonly CTC_BO_PRINCIPAL: string | null;
}

export interface MegaStructureRow {
  readonly EST_IN_CODIGO: number;
  readonly EST_ST_CODIGO: string | null;
  readonly EST_ST_NOME: string | null;
  readonly EST_CH_TIPOESTRUTURA: string | null;
  readonly PAI_EST_IN_CODIGO: number | null;
  readonly EST_BO_INTEGRACRM: string | null;
}

/** A contract with what it covers: the unit's block, stage and enterprise (E → T → B → U) and garages. */
export interface ContractParts {
  readonly contract: MegaContractRow;
  readonly buyers: readonly MegaBuyerRow[];
  readonly enterprise?: MegaStructureRow | undefined;
  readonly stage?: MegaStructureRow | undefined;
  readonly block?: MegaStructureRow | undefined;
  readonly unit?: MegaStructureRow | undefined;
  readonly garages: readonly MegaStructureRow[];
}

export function orgOf(row: MegaOrgRow): OrgKey {
  return { tab: Number(row.ORG_TAB_IN_CODIGO), pad: Number(row.ORG_PAD_IN_CODIGO), org: Number(row.ORG_IN_CODIGO), tau: String(row.ORG_TAU_ST_CODIGO).trim() };
}

/** Maps a contract; the main buyer is the one flagged, else the first in key order. */
export function mapContract(parts: ContractParts): { ok: true; value: Contract } | { ok: false; error: ValidationError } {
  const org = orgOf(parts.contract);
  const key = contractKey(org, Number(parts.contract.CTO_IN_CODIGO));
  const typeCode = code(parts.contract.CTO_CH_TIPO);
  const statusCode = code(parts.contract.CTO_CH_STATUS);
  const flagged = parts.buyers.some((b) => code(b.CTC_BO_PRINCIPAL) === 'S');
  const ref = (s: MegaStructureRow | undefined) =>
    s ? { key: structureKey(org, Number(s.EST_IN_CODIGO)), code: (s.EST_ST_CODIGO ?? '').trim(), name: (s.EST_ST_NOME ?? '').trim() } : undefined;
  const candidate = dropUndefined({
    key,
    number: String(parts.contract.CTO_IN_CODIGO),
    type: typeCode ? (CONTRACT_TYPE_CODES[typeCode as keyof typeof CONTRACT_TYPE_CODES] ?? typeCode) : undefined,
    status: statusCode ? (CONTRACT_STATUS_CODES[statusCode as keyof typeof CONTRACT_STATUS_CODES] ?? statusCode) : undefined,
    registeredAt: toIsoDate(parts.contract.CTO_DT_CADASTRO),
    signedAt: toIsoDate(parts.contract.CTO_DT_ASSINATURA),
    statusAt: toIsoDate(parts.contract.CTO_DT_STATUS),
    value: toNumber(parts.contract.CTO_RE_VALORCONTRATO) ?? 0,
    buyers: parts.buyers.map((b, i) =>
      dropUndefined({
        clientKey: agentKey({ tab: Number(b.AGN_TAB_IN_CODIGO), pad: Number(b.AGN_PAD_IN_CODIGO), code: Number(b.AGN_IN_CODIGO) }),
        share: toNumber(b.CTC_RE_PERCENTUAL),
        main: flagged ? code(b.CTC_BO_PRINCIPAL) === 'S' : i === 0,
      }),
    ),
    enterprise: ref(parts.enterprise),
    stage: ref(parts.stage),
    block: ref(parts.block),
    unit: ref(parts.unit),
    garages: parts.garages.map((g) => ref(g)),
  });
  return validateRecord(ContractSchema, candidate, { entity: 'contract', key });
}
