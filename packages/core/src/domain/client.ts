import { z } from 'zod';
import { PHONE_FORMAT, PHONE_PATTERN } from './contact.js';
import { isValidCnpj, isValidCpf, onlyDigits } from './documents.js';

/** Marital status as the CRM needs it; the Mega code mapping lives in mega-mapper. */
export const MARITAL_STATUSES = ['single', 'married', 'divorced', 'widowed', 'separated', 'stable-union'] as const;
export type MaritalStatus = (typeof MARITAL_STATUSES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const AddressSchema = z
  .object({
    streetType: optionalText(10),
    street: optionalText(150),
    number: optionalText(20),
    complement: optionalText(100),
    district: optionalText(100),
    city: optionalText(100),
    state: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter UF such as SP')
      .optional(),
    zip: z
      .string()
      .regex(/^\d{8}$/, 'must be a CEP of 8 digits')
      .optional(),
  })
  .strict();
export type Address = z.infer<typeof AddressSchema>;

const digitsOnly = z.string().transform(onlyDigits);

/**
 * A CRM client: a Mega agent with role "C" (GLO_AGENTES_ID.AGN_TAU_ST_CODIGO = 'C').
 * `key` is the Mega agent key and doubles as the CRM integration id.
 */
export const ClientSchema = z
  .object({
    key: text(60),
    personType: z.enum(['F', 'J']),
    name: text(150),
    tradeName: optionalText(150),
    document: digitsOnly,
    emails: z.array(z.email('must be a valid e-mail address')).max(10),
    phones: z.array(digitsOnly.pipe(z.string().regex(PHONE_PATTERN, `must be ${PHONE_FORMAT}`))).max(10),
    address: AddressSchema,
    maritalStatus: z.enum(MARITAL_STATUSES).optional(),
    birthDate: z.iso.date('must be a date YYYY-MM-DD').optional(),
    spouseName: optionalText(150),
    /** Integration id of the spouse record; the CRM refuses the client until the spouse exists. */
    spouseKey: z.string().trim().min(1).max(60).optional(),
  })
  .strict()
  .superRefine((client, ctx) => {
    if (client.personType === 'F' && !isValidCpf(client.document)) {
      ctx.addIssue({ code: 'custom', path: ['document'], message: 'CPF is missing or its check digits are wrong', params: { reason: 'CPF_INVALID' } });
    }
    if (client.personType === 'J' && !isValidCnpj(client.document)) {
      ctx.addIssue({ code: 'custom', path: ['document'], message: 'CNPJ is missing or its check digits are wrong', params: { reason: 'CNPJ_INVALID' } });
    }
  });

export type ClientInput = z.input<typeof ClientSchema>;
export type Client = z.output<typeof ClientSchema>;
