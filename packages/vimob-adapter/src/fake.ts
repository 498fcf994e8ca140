/**
 * An in-memory Vimob: the `VimobGateway` port for tests (`@mega-crm/vimob-adapter/testing`), plus
 * what a Vimob user does (register a prospect in Vimob, open a proposal, move its status). The
 * vimob-sandbox serves this same state over HTTP, so the fake and the sandbox cannot drift apart.
 */
import { duplicateProspectDocument, vimobHttpError } from './errors.js';
import type { VimobGateway } from './gateway.js';
import { VIMOB_ERROR_CODES } from './profile.js';
import type { GateDecision, StatusChange, VimobEvent, VimobProposal, VimobProspect } from './types.js';

export interface InMemoryVimobOptions {
  /** Clock for event and history timestamps (tests freeze it). */
  readonly now?: () => Date;
}

export interface InMemoryVimobState {
  readonly prospects: readonly VimobProspect[];
  readonly proposals: readonly VimobProposal[];
  readonly gateDecisions: readonly GateDecision[];
}

type ProposalEvent = Extract<VimobEvent, { kind: 'proposal-status' }>;

export class InMemoryVimob implements VimobGateway {
  readonly #now: () => Date;
  readonly #prospects = new Map<string, VimobProspect>();
  readonly #byDocument = new Map<string, string>();
  readonly #proposals = new Map<string, VimobProposal>();
  #decisions: GateDecision[] = [];
  #edits = 0;

  constructor(options: InMemoryVimobOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  // ── VimobGateway ────────────────────────────────────────────────────────────────────────────

  async createProspect(prospect: VimobProspect): Promise<VimobProspect> {
    if (this.#prospects.has(prospect.id)) throw rejected('createProspect', 409, VIMOB_ERROR_CODES.conflict, `prospect ${prospect.id} already exists`);
    this.#checkDocument(prospect);
    return this.#store(prospect);
  }

  async updateProspect(prospect: VimobProspect): Promise<VimobProspect> {
    const previous = this.#prospects.get(prospect.id);
    if (!previous) throw rejected('updateProspect', 404, VIMOB_ERROR_CODES.notFound, `prospect ${prospect.id} not found`);
    this.#checkDocument(prospect);
    if (previous.document !== prospect.document) this.#byDocument.delete(previous.document);
    return this.#store({
      ...prospect,
      origin: previous.origin,
      ...(prospect.crmOccurrence || !previous.crmOccurrence ? {} : { crmOccurrence: previous.crmOccurrence }),
    });
  }

  async findProspect(id: string): Promise<VimobProspect | undefined> {
    return this.#prospects.get(id);
  }

  async findProspectByDocument(document: string): Promise<VimobProspect | undefined> {
    const id = this.#byDocument.get(document.replace(/\D+/g, ''));
    return id === undefined ? undefined : this.#prospects.get(id);
  }

  async getProposal(id: string): Promise<VimobProposal | undefined> {
    return this.#proposals.get(id);
  }

  async reportGateDecision(decision: GateDecision): Promise<void> {
    if (!this.#proposals.has(decision.proposalId))
      throw rejected('reportGateDecision', 404, VIMOB_ERROR_CODES.notFound, `proposal ${decision.proposalId} not found`);
    this.#decisions.push(decision);
  }

  // ── What happens inside Vimob ───────────────────────────────────────────────────────────────

  /** A Vimob user registers a prospect directly in Vimob (what the entry lock forbids). */
  registerProspect(prospect: Omit<VimobProspect, 'origin'>): { prospect: VimobProspect; event: VimobEvent } {
    if (this.#prospects.has(prospect.id)) throw rejected('registerProspect', 409, VIMOB_ERROR_CODES.conflict, `prospect ${prospect.id} already exists`);
    const stored: VimobProspect = { ...prospect, origin: 'vimob' };
    this.#checkDocument(stored);
    this.#store(stored);
    return { prospect: stored, event: { kind: 'prospect-created', id: `prospect:${stored.id}:1`, at: this.#now().toISOString(), prospect: stored } };
  }

  /** A Vimob user edits a prospect; the event Vimob sends for it. */
  editProspect(id: string, changes: Partial<Omit<VimobProspect, 'id' | 'origin'>>): VimobEvent {
    const previous = this.#prospects.get(id);
    if (!previous) throw rejected('editProspect', 404, VIMOB_ERROR_CODES.notFound, `prospect ${id} not found`);
    const next = { ...previous, ...changes };
    this.#checkDocument(next);
    if (previous.document !== next.document) this.#byDocument.delete(previous.document);
    this.#store(next);
    return { kind: 'prospect-updated', id: `prospect:${id}:edit-${++this.#edits}`, at: this.#now().toISOString(), prospect: next };
  }

  /** The broker opens a proposal from the prospect's CRM occurrence (the "Vimob" button). */
  openProposal(input: { id: string; prospectId: string; unit?: string; crmOccurrence?: string }): VimobProposal {
    const prospect = this.#prospects.get(input.prospectId);
    if (!prospect) throw rejected('openProposal', 404, VIMOB_ERROR_CODES.notFound, `prospect ${input.prospectId} not found`);
    const crmOccurrence = input.crmOccurrence ?? prospect.crmOccurrence ?? '';
    const proposal: VimobProposal = {
      id: input.id,
      prospectId: prospect.id,
      crmOccurrence,
      ...(input.unit ? { unit: input.unit } : {}),
      status: '',
      history: [],
    };
    this.#proposals.set(proposal.id, proposal);
    return proposal;
  }

  /**
   * The event for moving a proposal to `status`, not applied yet: Vimob waits for the CRM's answer
   * (a gated status may be refused). Its id is stable, so a retry after a refusal is the same event.
   */
  nextStatusEvent(proposalId: string, status: string): ProposalEvent {
    const proposal = this.#proposals.get(proposalId);
    if (!proposal) throw rejected('nextStatusEvent', 404, VIMOB_ERROR_CODES.notFound, `proposal ${proposalId} not found`);
    const sequence = proposal.history.length + 1;
    return {
      kind: 'proposal-status',
      id: `${proposalId}:${sequence}:${status}`,
      at: this.#now().toISOString(),
      proposalId,
      prospectId: proposal.prospectId,
      ...(proposal.crmOccurrence ? { crmOccurrence: proposal.crmOccurrence } : {}),
      ...(proposal.unit ? { unit: proposal.unit } : {}),
      sequence,
      status,
    };
  }

  /** Applies a status event to the proposal (its history gains the step). */
  commitStatus(event: ProposalEvent): VimobProposal {
    const proposal = this.#proposals.get(event.proposalId);
    if (!proposal) throw rejected('commitStatus', 404, VIMOB_ERROR_CODES.notFound, `proposal ${event.proposalId} not found`);
    if (event.sequence !== proposal.history.length + 1) return proposal;
    const change: StatusChange = { sequence: event.sequence, status: event.status, at: event.at, eventId: event.id };
    const next = { ...proposal, status: event.status, history: [...proposal.history, change] };
    this.#proposals.set(next.id, next);
    return next;
  }

  /** Moves the proposal at once (a status Vimob applies without asking) and returns its event. */
  changeStatus(proposalId: string, status: string): ProposalEvent {
    const event = this.nextStatusEvent(proposalId, status);
    this.commitStatus(event);
    return event;
  }

  state(): InMemoryVimobState {
    return { prospects: [...this.#prospects.values()], proposals: [...this.#proposals.values()], gateDecisions: [...this.#decisions] };
  }

  reset(): void {
    this.#prospects.clear();
    this.#byDocument.clear();
    this.#proposals.clear();
    this.#decisions = [];
  }

  #checkDocument(prospect: VimobProspect): void {
    const holder = this.#byDocument.get(prospect.document);
    if (holder !== undefined && holder !== prospect.id) throw duplicateProspectDocument(prospect.id, holder, 'Vimob');
  }

  #store(prospect: VimobProspect): VimobProspect {
    this.#prospects.set(prospect.id, prospect);
    this.#byDocument.set(prospect.document, prospect.id);
    return prospect;
  }
}

function rejected(operation: string, status: number, codigo: string, mensagem: string) {
  return vimobHttpError(status, '', { operation, url: 'memory:vimob', timeoutMs: 0 }, { codigo, mensagem });
}
