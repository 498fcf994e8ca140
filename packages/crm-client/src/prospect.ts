/**
 * The pre-sales records the CRM holds for Vimob: a prospect (one id shared with Vimob from creation
 * to conversion into a client), its main occurrence, and the state of a BPO step on an occurrence.
 * They live here, beside the CRM operations that carry them, until core's domain takes them over.
 */
import { isValidCnpj, isValidCpf, ValidationError } from '@mega-crm/core';
import { onlyDigits } from '@mega-crm/core/internal';
import { z } from 'zod';

export const PROSPECT_ORIGINS = ['crm', 'vimob'] as const;
export type ProspectOrigin = (typeof PROSPECT_ORIGINS)[number];

export const BPO_STATES = ['pending', 'in-progress', 'concluded'] as const;
export type BpoState = (typeof BPO_STATES)[number];

export const ProspectSchema = z
  .object({
    /** The shared id: the same in the CRM, in Vimob, and on the client the prospect becomes. */
    key: z.string().trim().min(1).max(60),
    personType: z.enum(['F', 'J']).default('F'),
    name: z.string().trim().min(1).max(150),
    document: z.string().transform(onlyDigits),
    email: z.email('must be a valid e-mail address').optional(),
    phone: z
      .string()
      .transform(onlyDigits)
      .pipe(z.string().regex(/^\d{8,13}$/, 'must have 8 to 13 digits'))
      .optional(),
    /** Where the prospect was first registered. */
    origin: z.enum(PROSPECT_ORIGINS).default('crm'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const valid = p.personType === 'F' ? isValidCpf(p.document) : isValidCnpj(p.document);
    if (!valid)
      ctx.addIssue({ code: 'custom', path: ['document'], message: `${p.personType === 'F' ? 'CPF' : 'CNPJ'} is missing or its check digits are wrong` });
  });
export type Prospect = z.output<typeof ProspectSchema>;
export type ProspectInput = z.input<typeof ProspectSchema>;

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
