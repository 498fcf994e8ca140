/**
 * Integration keys: how a Mega record is named in the CRM. The same text is built here (from rows)
 * and by the feed triggers (in SQL), so both must follow these shapes.
 */
import type { EntityName } from '@mega-crm/core';

export interface AgentKey {
  readonly tab: number;
  readonly pad: number;
  readonly code: number;
}

export interface OrgKey {
  readonly tab: number;
  readonly pad: number;
  readonly org: number;
  readonly tau: string;
}

export const agentKey = (k: AgentKey): string => `${k.tab}-${k.pad}-${k.code}`;
export const spouseKeyOf = (clientKey: string): string => `${clientKey}-C`;
export const orgPrefix = (o: OrgKey): string => `${o.tab}-${o.pad}-${o.org}-${o.tau}`;
export const contractKey = (o: OrgKey, contract: number): string => `${orgPrefix(o)}-${contract}`;
export const occurrenceKey = (o: OrgKey, occurrence: number): string => `${orgPrefix(o)}-${occurrence}`;
export const structureKey = (o: OrgKey, est: number): string => `${orgPrefix(o)}-${est}`;

export class KeyFormatError extends TypeError {
  override readonly name = 'KeyFormatError';
}

export function parseAgentKey(value: string): AgentKey {
  const parts = value.split('-');
  const nums = parts.map(Number);
  if (parts.length !== 3 || nums.some((n) => !Number.isInteger(n))) throw new KeyFormatError(`Not a Mega agent key (tab-pad-code): ${value}`);
  return { tab: nums[0] as number, pad: nums[1] as number, code: nums[2] as number };
}

/** `tab-pad-org-tau-id` → the org key and the id (contract or occurrence code). */
export function parseOrgKey(value: string): { org: OrgKey; id: number } {
  const parts = value.split('-');
  const [tab, pad, org, tau, id] = parts;
  const nums = [tab, pad, org, id].map(Number);
  if (parts.length !== 5 || !tau || nums.some((n) => !Number.isInteger(n)))
    throw new KeyFormatError(`Not a Mega org-scoped key (tab-pad-org-tau-id): ${value}`);
  return { org: { tab: nums[0] as number, pad: nums[1] as number, org: nums[2] as number, tau }, id: nums[3] as number };
}

/** The agent key of a client or spouse integration key. */
export function agentOf(entity: Extract<EntityName, 'client' | 'spouse'>, key: string): AgentKey {
  return parseAgentKey(entity === 'spouse' ? key.replace(/-C$/, '') : key);
}
