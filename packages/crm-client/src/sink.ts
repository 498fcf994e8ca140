import type { Client, Contract, CrmSink, DeliveryReceipt, Occurrence, Prospect, RemovalReceipt, Spouse, SyncRecord } from '@mega-crm/core';
import type { CrmClient } from './client.js';
import { REMOVALS } from './profile/profile.js';

/**
 * Adapts a CrmClient to the engine's CrmSink port, one CRM operation per entity. `remove` closes an
 * occurrence that left Mega (the profile's REMOVALS); for the other entities the profile has no
 * operation, and it answers `unsupported` (the engine reports them).
 */
export function crmSink(client: CrmClient): CrmSink {
  return {
    async deliver(record: SyncRecord): Promise<DeliveryReceipt> {
      switch (record.entity) {
        case 'client':
          return { crmId: (await client.upsertClient(record.payload as Client)).crmId };
        case 'spouse':
          return { crmId: (await client.upsertSpouse(record.payload as Spouse)).crmId };
        case 'contract':
          return { crmId: (await client.upsertContract(record.payload as Contract)).crmId };
        case 'occurrence':
          return { crmId: (await client.upsertOccurrence(record.payload as Occurrence)).crmId };
        case 'prospect':
          // Keyed by the shared id: the same CRM record the CRM, Vimob and the client conversion use.
          return { crmId: (await client.upsertProspect(record.payload as Prospect)).crmId };
      }
    },
    async remove(ref, cause): Promise<RemovalReceipt> {
      if (ref.entity !== 'occurrence') return { action: 'unsupported' };
      const how = REMOVALS.occurrence;
      await client.closeOccurrence({ occurrenceKey: ref.key, reason: how.reason[cause], closeFlow: false });
      return { action: how.action };
    },
  };
}
