import { z } from 'zod';
import { isValidCpf, onlyDigits } from './documents.js';

/**
 * The post-sales records besides the client: spouse, contract, occurrence, and the occurrence
 * operations (narrative, closing). Mega codes are translated by mega-mapper; CRM labels by crm-client.
 */

const key = z.string().trim().min(1).max(60);
const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();
const isoDate = z.iso.date('must be a date YYYY-MM-DD');

/**
 * A client's spouse. In Mega it is not an agent but a GLO_PESSOA_FISICA row (AGN_CH_TIPO = 'C')
 * under the client's agent key, so its integration id is derived from the client's.
 */
export const SpouseSchema = z
  .object({
    key,
    clientKey: key,
    name: text(150),
    /** Optional: a married client's spouse may have no CPF in Mega. */
    document: z
      .string()
      .transform(onlyDigits)
      .refine(isValidCpf, { message: 'CPF is missing or its check digits are wrong', params: { reason: 'CPF_INVALID' } })
      .optional(),
    birthDate: isoDate.optional(),
    idCard: optionalText(30),
    profession: optionalText(100),
    nationality: optionalText(60),
  })
  .strict();
export type Spouse = z.output<typeof SpouseSchema>;

export const CONTRACT_TYPES = ['sale', 'swap', 'rent'] as const;
export const CONTRACT_STATUSES = ['active', 'defaulting', 'cancelled', 'transferred', 'assigned', 'paid-off'] as const;

const StructureRefSchema = z.object({ key, code: text(30), name: text(150) }).strict();

export const ContractSchema = z
  .object({
    key,
    number: text(30),
    type: z.enum(CONTRACT_TYPES),
    status: z.enum(CONTRACT_STATUSES),
    registeredAt: isoDate.optional(),
    signedAt: isoDate.optional(),
    statusAt: isoDate.optional(),
    value: z.number().nonnegative().finite(),
    buyers: z
      .array(
        z
          .object({
            clientKey: key,
            /** Share of the contract in percent. */
            share: z.number().min(0).max(100).optional(),
            main: z.boolean(),
          })
          .strict(),
      )
      .min(1, 'a contract needs at least one buyer')
      .max(20),
    enterprise: StructureRefSchema,
    stage: StructureRefSchema.optional(),
    block: StructureRefSchema.optional(),
    unit: StructureRefSchema.optional(),
    garages: z.array(StructureRefSchema).max(20).default([]),
  })
  .strict()
  .superRefine((contract, ctx) => {
    if (contract.buyers.filter((b) => b.main).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['buyers'], message: 'exactly one buyer must be the main one', params: { reason: 'MAIN_BUYER' } });
    }
    const keys = contract.buyers.map((b) => b.clientKey);
    if (new Set(keys).size !== keys.length)
      ctx.addIssue({ code: 'custom', path: ['buyers'], message: 'a buyer appears twice', params: { reason: 'DUPLICATE_BUYER' } });
  });
export type Contract = z.output<typeof ContractSchema>;
export type ContractInput = z.input<typeof ContractSchema>;

export const OCCURRENCE_STATUSES = ['open', 'closed'] as const;
export type OccurrenceStatus = (typeof OCCURRENCE_STATUSES)[number];

export const OccurrenceSchema = z
  .object({
    key,
    contractKey: key,
    typeCode: z.number().int().nonnegative(),
    typeDescription: text(150),
    text: z.string().trim().max(4000),
    openedAt: isoDate,
    /** How the occurrence arrives in the CRM: decided by its type's configuration in Mega. */
    status: z.enum(OCCURRENCE_STATUSES),
    closedAt: isoDate.optional(),
  })
  .strict();
export type Occurrence = z.output<typeof OccurrenceSchema>;

export const NarrativeSchema = z
  .object({
    occurrenceKey: key,
    text: text(4000),
    at: z.iso.datetime({ offset: true, message: 'must be an ISO date-time' }),
    /**
     * The narrative's own integration id: the CRM keeps one narrative per id on an occurrence, so a
     * narrative sent again after a crash (before its sender recorded it) is not written twice.
     */
    key: z.string().trim().min(1).max(120).optional(),
  })
  .strict();
export type Narrative = z.output<typeof NarrativeSchema>;

export const CloseOccurrenceSchema = z
  .object({
    occurrenceKey: key,
    reason: text(500),
    /** Also end the CRM flow the occurrence drives ("Encerrar Fluxo no CRM?"). */
    closeFlow: z.boolean().default(false),
  })
  .strict();
export type CloseOccurrence = z.output<typeof CloseOccurrenceSchema>;
export type CloseOccurrenceInput = z.input<typeof CloseOccurrenceSchema>;

/** Who created an occurrence: a CRM user, or the Mega integration. */
export type OccurrenceOrigin = 'crm' | 'integration';

export interface IntegrationLogEntry {
  readonly at: string;
  readonly entity: string;
  readonly key: string;
  readonly operation: string;
  readonly status: 'ok' | 'error';
  readonly message: string;
}
