import type { EntityRef } from '../domain/records.js';
import type { MegaCrmError } from '../errors.js';
import type { OutboxItem } from '../ports.js';

/**
 * The record an item waits for, read from the CRM's answer: a client refused with "CONJUGE SEM ID
 * INTEGRACAO" waits for its spouse; a contract for a missing buyer; an occurrence for its contract.
 */
export function dependencyOf(item: OutboxItem, error: MegaCrmError): EntityRef | undefined {
  if (error.code === 'SPOUSE_WITHOUT_INTEGRATION_ID' && item.entity === 'client') {
    const spouseKey = (item.payload as { spouseKey?: unknown } | null)?.spouseKey;
    return { entity: 'spouse', key: typeof spouseKey === 'string' ? spouseKey : `${item.key}-C` };
  }
  if (error.code === 'DEPENDENCY_MISSING') {
    const missing = error.details.missingKey;
    if (typeof missing !== 'string') return undefined;
    if (item.entity === 'contract') return { entity: 'client', key: missing };
    if (item.entity === 'occurrence') return { entity: 'contract', key: missing };
  }
  return undefined;
}
