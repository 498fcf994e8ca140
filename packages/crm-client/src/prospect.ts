/**
 * The pre-sales records the CRM holds for Vimob: a prospect (one id shared with Vimob from creation
 * to conversion into a client), its main occurrence, and the state of a BPO step on an occurrence.
 * The prospect itself is core's (`ProspectSchema`): Mega's CMR_PROSPECT rows are mapped to it too.
 */
import { type Prospect, type ProspectInput, ProspectSchema, ValidationError } from '@mega-crm/core';

export type { Prospect, ProspectInput, ProspectOrigin } from '@mega-crm/core';
export { PROSPECT_ORIGINS, ProspectSchema } from '@mega-crm/core';

export const BPO_STATES = ['pending', 'in-progress', 'concluded'] as const;
export type BpoState = (typeof BPO_STATES)[number];

export interface ProspectOccurrence {
  /** Integration id of the prospect's main occurrence (the one whose "Vimob" button opened the proposal). */
  readonly occurrenceKey: string;
  readonly crmId: string;
  readonly status: 'open' | 'closed';
}

export interface BpoStepStatus {
  readonly occurrenceKey: string;
  /** The BPO step's name in the CRM, e.g. "Análise de Crédito". */
  readonly step: string;
  readonly state: BpoState;
  readonly concludedAt?: string;
}

/** Parses a prospect; a bad one is a ValidationError with every issue's path, never the offending value. */
export function parseProspect(input: ProspectInput): Prospect {
  const parsed = ProspectSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', code: issue.code, message: issue.message }));
  throw new ValidationError(`Prospect ${String(input.key)} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues, {
    details: { entity: 'prospect', key: String(input.key) },
    fix: {
      en: 'Correct the listed fields of the prospect in the CRM (or in Vimob) and send it again.',
      pt: 'Corrija os campos listados do prospect no CRM (ou no Vimob) e envie-o novamente.',
    },
  });
}
