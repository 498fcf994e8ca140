import type { GateDecision, VimobProposal, VimobProspect } from './types.js';

/**
 * What the adapter needs from Vimob. Implementations: `HttpVimobGateway` (JSON over HTTP, profile.ts)
 * and `InMemoryVimob` (`@mega-crm/vimob-adapter/testing`); one contract suite runs against both.
 *
 * Contract:
 * - `createProspect` stores a new prospect under its shared id. An id Vimob already holds is a
 *   `VIMOB_REJECTED` error (HTTP 409, `vimobCode` CONFLITO); a CPF/CNPJ held by another id is
 *   `DUPLICATE_CPF` naming both ids. Nothing is stored on error.
 * - `updateProspect` replaces the fields of an existing prospect (its origin is kept); an unknown id
 *   is `VIMOB_REJECTED` (404); a CPF/CNPJ held by another id is `DUPLICATE_CPF`.
 * - `findProspect` / `findProspectByDocument` / `getProposal` answer `undefined` for unknown ones.
 * - `getProposal` includes the status history, oldest first, sequences 1, 2, 3…
 * - `reportGateDecision` records the decision on the proposal; an unknown proposal is `VIMOB_REJECTED` (404).
 * - Network failures are retryable `TransportError`s; the caller never sees a raw error.
 */
export interface VimobGateway {
  createProspect(prospect: VimobProspect): Promise<VimobProspect>;
  updateProspect(prospect: VimobProspect): Promise<VimobProspect>;
  findProspect(id: string): Promise<VimobProspect | undefined>;
  findProspectByDocument(document: string): Promise<VimobProspect | undefined>;
  getProposal(id: string): Promise<VimobProposal | undefined>;
  reportGateDecision(decision: GateDecision): Promise<void>;
  close?(): void;
}
