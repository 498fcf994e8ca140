/** Both sandboxes over loopback, the HTTP gateway, `Presales`, and the webhook on node:http. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrmClient } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { VimobSandbox } from '@mega-crm/vimob-sandbox';
import { type EventLog, MemoryEventLog } from '../src/event-log.js';
import { HttpVimobGateway } from '../src/http-gateway.js';
import { nodeWebhookListener } from '../src/node.js';
import { type EntryPolicy, Presales } from '../src/presales.js';
import { NATIVE_STATUSES } from '../src/profile.js';
import { DEFAULT_STATUS_TABLE, type StatusRuleInput } from '../src/statuses.js';
import { createWebhookHandler } from '../src/webhook.js';

export const SECRET = 'test-secret-0123456789';
export const CREDIT = 'Análise de Crédito';

/** The native table with "aprovada" gated on credit analysis and "reprovada"/"cancelada" closing the CRM flow. */
export const STATUSES: StatusRuleInput[] = DEFAULT_STATUS_TABLE.map((rule) => {
  if (rule.code === NATIVE_STATUSES.approved) return { ...rule, gate: { step: CREDIT } };
  if (rule.code === NATIVE_STATUSES.rejected || rule.code === NATIVE_STATUSES.cancelled) return { ...rule, closesFlow: true };
  return rule;
});

export interface Environment {
  readonly crmSandbox: CrmSandbox;
  readonly vimobSandbox: VimobSandbox;
  readonly crm: CrmClient;
  readonly gateway: HttpVimobGateway;
  readonly presales: Presales;
  readonly webhookUrl: string;
  close(): Promise<void>;
}

export async function startEnvironment(options: { entry?: EntryPolicy; eventLog?: EventLog; statuses?: StatusRuleInput[] } = {}): Promise<Environment> {
  const crmSandbox = await new CrmSandbox().start();
  const vimobSandbox = await new VimobSandbox({ webhookSecret: SECRET }).start();
  const crm = await CrmClient.connect({
    wsdlUrl: crmSandbox.wsdlUrl,
    user: 'integra.mega',
    password: 'sandbox',
    openedBy: 'integra.mega',
    openedFor: 'integra.mega',
    cnpj: '11222333000181',
  });
  const gateway = new HttpVimobGateway({ ...vimobSandbox.gatewayOptions, minRetryDelayMs: 1 });
  const presales = new Presales({
    crm,
    vimob: gateway,
    statuses: options.statuses ?? STATUSES,
    eventLog: options.eventLog ?? new MemoryEventLog(),
    ...(options.entry ? { entry: options.entry } : {}),
  });
  const server: Server = createServer(nodeWebhookListener(createWebhookHandler(presales, { secret: SECRET })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vimob/webhook`;
  vimobSandbox.setWebhook(webhookUrl);
  return {
    crmSandbox,
    vimobSandbox,
    crm,
    gateway,
    presales,
    webhookUrl,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      crm.close();
      await Promise.all([crmSandbox.stop(), vimobSandbox.stop()]);
    },
  };
}

export const ana = { key: 'PRO-1', name: 'Ana Souza', document: '123.456.789-09', email: 'ana@exemplo.com.br', phone: '(11) 98765-4321' };
export const bruno = { key: 'PRO-2', name: 'Bruno Lima', document: '98765432100' };
