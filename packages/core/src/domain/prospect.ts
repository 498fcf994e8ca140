/**
 * A pre-sales prospect: one id shared by the CRM, Vimob and Mega from creation to conversion into a
 * client (MANUAL: "Esse mesmo id será vinculado quando o prospect for convertido para cliente").
 * Here in core because two packages build it: crm-client (the CRM operation, Vimob's events) and
 * mega-mapper (Mega's CMR_PROSPECT rows).
 */
import { z } from 'zod';
import { isValidCnpj, isValidCpf, onlyDigits } from './documents.js';

export const PROSPECT_ORIGINS = ['crm', 'vimob'] as const;
export type ProspectOrigin = (typeof PROSPECT_ORIGINS)[number];

export const ProspectSchema = z
  .object({
    /** The shared id: the same in the CRM, in Vimob, in Mega, and on the client the prospect becomes. */
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
