import { type Client, ConfigurationError, type CrmSink, type DeliveryReceipt, type SyncRecord } from '@mega-crm/core';
import type { CrmClient } from './client.js';

/** Adapts a CrmClient to the engine's CrmSink port, one CRM operation per entity. */
export function crmSink(client: CrmClient): CrmSink {
  return {
    async deliver(record: SyncRecord): Promise<DeliveryReceipt> {
      switch (record.entity) {
        case 'client':
          return { crmId: (await client.upsertClient(record.payload as Client)).crmId };
        default:
          throw new ConfigurationError(`No CRM operation is wired for entity "${record.entity}" in this version.`, {
            code: 'CONFIG_INVALID',
            fix: {
              en: 'Upgrade @mega-crm/crm-client, or leave this entity out of the source.',
              pt: 'Atualize @mega-crm/crm-client ou retire esta entidade da origem.',
            },
          });
      }
    },
  };
}
