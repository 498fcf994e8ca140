/** The pre-sales vocabulary the adapter works in, independent of Vimob's wire names (see profile.ts). */
import type { BpoState } from '@mega-crm/crm-client';

export type ProspectOrigin = 'crm' | 'vimob';

/** A prospect as Vimob holds it. `id` is the id shared with the CRM (and with the client it becomes). */
export interface VimobProspect {
  readonly id: string;
  readonly name: string;
  /** CPF/CNPJ, digits only. */
  readonly document: string;
  readonly email?: string;
  readonly phone?: string;
  /** Where the prospect was first registered: the CRM (pushed to Vimob) or Vimob itself. */
  readonly origin: ProspectOrigin;
  /** The CRM occurrence code Vimob shows on the prospect's screen (MANUAL: "O código de ocorrência do CRM é o que vai ao VIMOB"). */
  readonly crmOccurrence?: string;
}

/** One step of a proposal's status history. `sequence` grows by one per change, per proposal. */
export interface StatusChange {
  readonly sequence: number;
  /** Status code from the status table (e.g. `PROPOSTA_APROVADA`). */
  readonly status: string;
  readonly at: string;
  readonly eventId: string;
}

export interface VimobProposal {
  readonly id: string;
  readonly prospectId: string;
  /** The CRM occurrence the proposal was opened from. */
  readonly crmOccurrence: string;
  readonly unit?: string;
  readonly status: string;
  readonly history: readonly StatusChange[];
}

/** The answer to "may this proposal enter this status?", as `checkGate` gives it and Vimob receives it. */
export interface GateDecision {
  readonly proposalId: string;
  readonly status: string;
  readonly allowed: boolean;
  /** The BPO step the status waits on, when it is gated. */
  readonly step?: string;
  readonly stepState?: BpoState;
  readonly reason: string;
}

/** Vimob → CRM events, as the webhook handler sees them after validation. */
export type VimobEvent =
  | {
      readonly kind: 'proposal-status';
      readonly id: string;
      readonly at: string;
      readonly proposalId: string;
      readonly prospectId: string;
      readonly crmOccurrence?: string;
      readonly unit?: string;
      readonly sequence: number;
      readonly status: string;
    }
  | { readonly kind: 'prospect-created' | 'prospect-updated'; readonly id: string; readonly at: string; readonly prospect: VimobProspect };
