/**
 * The status table a company configures (MANUAL: "configuração de status da proposta"): for each
 * Vimob status code, its label, the narrative written on the CRM occurrence, whether it closes the
 * CRM flow ("Encerrar Fluxo no CRM?"), and the CRM BPO step it waits on, if any.
 */
import { z } from 'zod';
import { optionsInvalid } from './errors.js';
import { NATIVE_STATUSES } from './profile.js';

/** Placeholders a narrative template may use. */
export const NARRATIVE_FIELDS = ['label', 'code', 'proposal', 'prospect', 'unit', 'at'] as const;
type NarrativeField = (typeof NARRATIVE_FIELDS)[number];

const PLACEHOLDER = /\{(\w+)\}/g;

export const StatusRuleSchema = z
  .object({
    code: z.string().trim().min(1).max(60),
    label: z.string().trim().min(1).max(150),
    /** Narrative text, e.g. `Vimob: {label} (proposta {proposal}, unidade {unit}).` */
    narrative: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .refine((t) => [...t.matchAll(PLACEHOLDER)].every((m) => (NARRATIVE_FIELDS as readonly string[]).includes(m[1] as string)), {
        message: `unknown placeholder; allowed: ${NARRATIVE_FIELDS.map((f) => `{${f}}`).join(', ')}`,
      }),
    /** "Encerrar Fluxo no CRM?": close the occurrence and its CRM flow. */
    closesFlow: z.boolean().default(false),
    /** The CRM BPO step that must be concluded before Vimob may enter this status. */
    gate: z
      .object({ step: z.string().trim().min(1).max(150) })
      .strict()
      .optional(),
  })
  .strict();
export type StatusRule = z.output<typeof StatusRuleSchema>;
export type StatusRuleInput = z.input<typeof StatusRuleSchema>;

/** Vimob's native statuses (MANUAL), no gates, nothing closes the flow until configured. */
export const DEFAULT_STATUS_TABLE: readonly StatusRuleInput[] = [
  { code: NATIVE_STATUSES.inserted, label: 'Proposta inserida', narrative: 'Vimob: proposta {proposal} inserida (unidade {unit}).' },
  { code: NATIVE_STATUSES.reserved, label: 'Unidade reservada', narrative: 'Vimob: unidade {unit} reservada para a proposta {proposal}.' },
  { code: NATIVE_STATUSES.approved, label: 'Proposta aprovada', narrative: 'Vimob: proposta {proposal} aprovada.' },
  { code: NATIVE_STATUSES.rejected, label: 'Proposta reprovada', narrative: 'Vimob: proposta {proposal} reprovada.' },
  { code: NATIVE_STATUSES.cancelled, label: 'Proposta cancelada', narrative: 'Vimob: proposta {proposal} cancelada.' },
];

export class StatusTable {
  readonly #rules: ReadonlyMap<string, StatusRule>;

  constructor(rules: readonly StatusRuleInput[] = DEFAULT_STATUS_TABLE) {
    const parsed = z.array(StatusRuleSchema).min(1).max(500).safeParse(rules);
    if (!parsed.success) {
      throw optionsInvalid('status table', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    const map = new Map<string, StatusRule>();
    for (const rule of parsed.data) {
      if (map.has(rule.code)) throw optionsInvalid('status table', `status code ${rule.code} appears twice`);
      map.set(rule.code, rule);
    }
    this.#rules = map;
  }

  get(code: string): StatusRule | undefined {
    return this.#rules.get(code);
  }

  get codes(): string[] {
    return [...this.#rules.keys()];
  }

  /** The narrative for `rule` with its placeholders filled. */
  static narrative(rule: StatusRule, values: Readonly<Partial<Record<NarrativeField, string>>>): string {
    return rule.narrative.replace(PLACEHOLDER, (_, name: string) => values[name as NarrativeField] ?? '-');
  }
}
