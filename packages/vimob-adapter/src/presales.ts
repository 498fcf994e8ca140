/**
 * The pre-sales flows (DESIGN.md §1): prospects CRM → Vimob under one shared id, Vimob's proposal
 * statuses → narratives on the prospect's CRM occurrence (once each, in order), BPO gates, and the
 * close of the CRM flow. Host apps mount `webhookHandler()` in their HTTP server and call
 * `pushProspect()` when the CRM registers or edits a prospect.
 */
import { type Logger, MegaCrmError, silentLogger } from '@mega-crm/core';
import type { BpoStepStatus, CrmClient, Prospect, ProspectInput } from '@mega-crm/crm-client';
import { parseProspect } from '@mega-crm/crm-client';
import { duplicateProspectDocument, entryLocked, gateDenied, optionsInvalid } from './errors.js';
import { type EventLog, MemoryEventLog } from './event-log.js';
import type { VimobGateway } from './gateway.js';
import { type StatusRule, type StatusRuleInput, StatusTable } from './statuses.js';
import type { GateDecision, VimobEvent, VimobProspect } from './types.js';

/** The CRM operations pre-sales uses (a `CrmClient` has them all). */
export type PresalesCrm = Pick<CrmClient, 'upsertProspect' | 'prospectMainOccurrence' | 'bpoStatus' | 'addNarrative' | 'closeOccurrence' | 'upsertClient'>;

/**
 * MANUAL ("Como configurar a entrada de prospects pelo Vimob?"): with the pre-sales flow driven by the
 * CRM, prospect entry through Vimob is locked and only edits are allowed (`crm-only`, the default).
 */
export type EntryPolicy = 'crm-only' | 'crm-and-vimob';

export interface PresalesOptions {
  readonly crm: PresalesCrm;
  readonly vimob: VimobGateway;
  /** Status table; default: Vimob's native statuses, no gates, nothing closes the flow. */
  readonly statuses?: readonly StatusRuleInput[];
  readonly entry?: EntryPolicy;
  /** Idempotency and ordering memory; default in memory (lost on restart: use SQLite or PostgreSQL). */
  readonly eventLog?: EventLog;
  readonly logger?: Logger;
  /** Reason written when a status closes the CRM flow. */
  readonly closeReason?: (rule: StatusRule) => string;
}

export type PushOutcome = 'created' | 'updated' | 'unchanged';

export type EventOutcome =
  /** Applied now (with `filled` earlier statuses read from Vimob's history to close a gap). */
  | { readonly outcome: 'applied'; readonly narratives: number; readonly filled: number; readonly flowClosed: boolean }
  /** This event id was handled before: nothing done. */
  | { readonly outcome: 'duplicate' }
  /** An older status than the one already applied for the proposal: nothing done. */
  | { readonly outcome: 'stale'; readonly lastSequence: number }
  | { readonly outcome: 'prospect-saved'; readonly prospectId: string };

const KNOWN_OPTIONS = ['crm', 'vimob', 'statuses', 'entry', 'eventLog', 'logger', 'closeReason'];
const OCCURRENCE_CACHE_LIMIT = 10_000;

export class Presales {
  readonly statuses: StatusTable;
  readonly entry: EntryPolicy;
  readonly #crm: PresalesCrm;
  readonly #vimob: VimobGateway;
  readonly #log: EventLog;
  readonly #logger: Logger;
  readonly #closeReason: (rule: StatusRule) => string;
  readonly #occurrences = new Map<string, string>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: PresalesOptions) {
    const unknown = Object.keys(options).filter((k) => !KNOWN_OPTIONS.includes(k));
    if (unknown.length > 0) throw optionsInvalid('Presales', `unknown option(s) ${unknown.join(', ')} (allowed: ${KNOWN_OPTIONS.join(', ')})`);
    if (!options.crm || !options.vimob) throw optionsInvalid('Presales', '`crm` (a CrmClient) and `vimob` (a VimobGateway) are required');
    if (options.entry !== undefined && options.entry !== 'crm-only' && options.entry !== 'crm-and-vimob')
      throw optionsInvalid('Presales', `entry must be "crm-only" or "crm-and-vimob", got "${String(options.entry)}"`);
    this.#crm = options.crm;
    this.#vimob = options.vimob;
    this.statuses = new StatusTable(options.statuses);
    this.entry = options.entry ?? 'crm-only';
    this.#log = options.eventLog ?? new MemoryEventLog();
    this.#logger = options.logger ?? silentLogger;
    this.#closeReason = options.closeReason ?? ((rule) => `Vimob: ${rule.label} (Encerrar Fluxo no CRM)`);
  }

  /**
   * CRM → Vimob: the prospect appears in Vimob under its shared id, once. The CPF/CNPJ is checked
   * first: held in Vimob by another id → `DUPLICATE_CPF` naming both, nothing created. An unchanged
   * prospect is not written again. The CRM occurrence code goes with it (the manual's "Vimob" button).
   */
  async pushProspect(input: ProspectInput, options: { crmOccurrence?: string } = {}): Promise<{ outcome: PushOutcome; prospect: VimobProspect }> {
    const prospect = parseProspect(input);
    const crmOccurrence = options.crmOccurrence ?? (await this.#occurrenceOf(prospect.key));
    const wanted = toVimob(prospect, crmOccurrence);
    const holder = await this.#vimob.findProspectByDocument(prospect.document);
    if (holder && holder.id !== prospect.key) throw duplicateProspectDocument(prospect.key, holder.id, 'Vimob');
    let existing = holder ?? (await this.#vimob.findProspect(prospect.key));
    if (!existing) {
      try {
        return { outcome: 'created', prospect: await this.#vimob.createProspect(wanted) };
      } catch (error) {
        // A create that landed before its answer was lost: the retry meets our own prospect.
        if (!(MegaCrmError.is(error) && error.code === 'VIMOB_REJECTED' && error.details.status === 409)) throw error;
        existing = await this.#vimob.findProspect(prospect.key);
        if (!existing) throw error;
      }
    }
    if (sameProspect(existing, wanted)) return { outcome: 'unchanged', prospect: existing };
    return { outcome: 'updated', prospect: await this.#vimob.updateProspect(wanted) };
  }

  /**
   * The prospect becomes a client under the SAME id, so the CRM updates its one record instead of
   * creating a second (MANUAL: "Esse mesmo id será vinculado quando o prospect for convertido para cliente").
   */
  async convertToClient(prospectKey: string, client: Omit<Parameters<PresalesCrm['upsertClient']>[0], 'key'>) {
    return this.#crm.upsertClient({ ...client, key: prospectKey });
  }

  /**
   * May `proposal` enter `status`? Allowed unless the status table links it to a CRM BPO step that is
   * not concluded on the proposal's CRM occurrence; the decision says which step and its state.
   */
  async checkGate(proposal: { id: string; prospectId: string; crmOccurrence?: string }, status: string): Promise<GateDecision> {
    const rule = this.statuses.get(status);
    if (!rule) throw this.#unknownStatus(status);
    if (!rule.gate) return { proposalId: proposal.id, status, allowed: true, reason: `${rule.label} is not gated by a BPO step.` };
    const occurrence = proposal.crmOccurrence ?? (await this.#occurrenceOf(proposal.prospectId));
    const bpo: BpoStepStatus = await this.#crm.bpoStatus(occurrence, rule.gate.step);
    const allowed = bpo.state === 'concluded';
    return {
      proposalId: proposal.id,
      status,
      allowed,
      step: rule.gate.step,
      stepState: bpo.state,
      reason: allowed
        ? `BPO step "${rule.gate.step}" is concluded in the CRM (occurrence ${occurrence}); ${rule.label} allowed.`
        : `${rule.label} waits on BPO step "${rule.gate.step}", which is ${bpo.state} in the CRM (occurrence ${occurrence}).`,
    };
  }

  /**
   * Applies one Vimob event: idempotent by event id; per proposal, statuses apply in sequence (a gap
   * is filled from Vimob's history first; an older status arriving late is `stale`, nothing written).
   * Throws typed errors: GATE_DENIED, ENTRY_LOCKED, DUPLICATE_CPF, WEBHOOK_INVALID, transport errors.
   */
  async handleEvent(event: VimobEvent): Promise<EventOutcome> {
    if (event.kind === 'proposal-status') {
      if (!this.statuses.get(event.status)) throw this.#unknownStatus(event.status);
      return this.#serial(event.proposalId, () => this.#applyStatus(event));
    }
    return this.#serial(`prospect:${event.prospect.id}`, () => this.#applyProspect(event));
  }

  async #applyStatus(event: Extract<VimobEvent, { kind: 'proposal-status' }>): Promise<EventOutcome> {
    if (await this.#log.has(event.id)) return { outcome: 'duplicate' };
    const position = await this.#log.position(event.proposalId);
    if (event.sequence <= position.lastSequence) return { outcome: 'stale', lastSequence: position.lastSequence };
    let steps = [{ sequence: event.sequence, status: event.status, at: event.at, eventId: event.id }];
    if (event.sequence > position.lastSequence + 1) {
      const proposal = await this.#vimob.getProposal(event.proposalId);
      const missing = (proposal?.history ?? []).filter((h) => h.sequence > position.lastSequence && h.sequence < event.sequence);
      steps = [...missing, ...steps];
    }
    const occurrence = event.crmOccurrence ?? (await this.#occurrenceOf(event.prospectId));
    let flowClosed = position.flowClosed;
    let narratives = 0;
    for (const step of steps) {
      const rule = this.statuses.get(step.status);
      if (!rule) throw this.#unknownStatus(step.status);
      // An allowed decision is reported while the narrative is written (one round trip less on the
      // event's path); a refusal is reported before the event is refused.
      let reported: Promise<void> | undefined;
      if (rule.gate) {
        const decision = await this.checkGate({ id: event.proposalId, prospectId: event.prospectId, crmOccurrence: occurrence }, step.status);
        reported = this.#vimob.reportGateDecision(decision);
        if (!decision.allowed) {
          await reported;
          throw gateDenied(event.proposalId, step.status, rule.gate.step, decision.stepState ?? 'pending', decision.reason);
        }
      }
      const text = StatusTable.narrative(rule, {
        label: rule.label,
        code: rule.code,
        proposal: event.proposalId,
        prospect: event.prospectId,
        at: step.at,
        ...(event.unit ? { unit: event.unit } : {}),
      });
      // Keyed by proposal and sequence: sent again after a crash before `record` below, the CRM keeps one.
      await Promise.all([
        this.#crm.addNarrative({ occurrenceKey: occurrence, text, at: step.at, key: narrativeKey(event.proposalId, step.sequence) }),
        reported,
      ]);
      narratives++;
      if (rule.closesFlow && !flowClosed) {
        await this.#crm.closeOccurrence({ occurrenceKey: occurrence, reason: this.#closeReason(rule), closeFlow: true });
        flowClosed = true;
      }
      await this.#log.record({ eventId: step.eventId, proposalId: event.proposalId, sequence: step.sequence, flowClosed, outcome: 'applied' });
    }
    return { outcome: 'applied', narratives, filled: steps.length - 1, flowClosed: flowClosed && !position.flowClosed };
  }

  async #applyProspect(event: Extract<VimobEvent, { kind: 'prospect-created' | 'prospect-updated' }>): Promise<EventOutcome> {
    if (await this.#log.has(event.id)) return { outcome: 'duplicate' };
    const { prospect } = event;
    if (prospect.origin === 'vimob' && this.entry === 'crm-only') {
      const error = entryLocked(prospect.id);
      this.#logger.warn({ code: error.code, prospectId: prospect.id, event: event.id }, 'prospect created in Vimob refused by the entry lock');
      throw error;
    }
    await this.#crm.upsertProspect({
      key: prospect.id,
      name: prospect.name,
      document: prospect.document,
      ...(prospect.email ? { email: prospect.email } : {}),
      ...(prospect.phone ? { phone: prospect.phone } : {}),
      origin: prospect.origin,
    });
    await this.#log.record({ eventId: event.id, outcome: 'prospect-saved' });
    return { outcome: 'prospect-saved', prospectId: prospect.id };
  }

  async #occurrenceOf(prospectId: string): Promise<string> {
    const cached = this.#occurrences.get(prospectId);
    if (cached) return cached;
    const { occurrenceKey } = await this.#crm.prospectMainOccurrence(prospectId);
    if (this.#occurrences.size >= OCCURRENCE_CACHE_LIMIT) this.#occurrences.clear();
    this.#occurrences.set(prospectId, occurrenceKey);
    return occurrenceKey;
  }

  /** Runs `task` after every earlier task of the same key: one proposal's events never interleave. */
  #serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  #unknownStatus(status: string): MegaCrmError {
    return new MegaCrmError(`Vimob status "${status}" is not in the status table (known: ${this.statuses.codes.join(', ')}).`, {
      code: 'WEBHOOK_INVALID',
      details: { status },
      fix: {
        en: `Add status "${status}" to the status table (statuses option) with its label and narrative, as configured in Vimob.`,
        pt: `Inclua o status "${status}" na tabela de status (opção statuses) com rótulo e narrativa, como configurado no Vimob.`,
      },
    });
  }
}

/** The narrative's integration id for one status of one proposal: the same on every delivery of it. */
function narrativeKey(proposalId: string, sequence: number): string {
  return `vimob-${proposalId}-${sequence}`;
}

function toVimob(prospect: Prospect, crmOccurrence: string): VimobProspect {
  return {
    id: prospect.key,
    name: prospect.name,
    document: prospect.document,
    ...(prospect.email ? { email: prospect.email } : {}),
    ...(prospect.phone ? { phone: prospect.phone } : {}),
    origin: prospect.origin,
    crmOccurrence,
  };
}

function sameProspect(a: VimobProspect, b: VimobProspect): boolean {
  return (
    a.name === b.name &&
    a.document === b.document &&
    (a.email ?? '') === (b.email ?? '') &&
    (a.phone ?? '') === (b.phone ?? '') &&
    a.crmOccurrence === b.crmOccurrence
  );
}
