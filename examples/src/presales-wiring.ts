/**
 * How a host wires pre-sales: a CRM client, a Vimob gateway, `Presales` with the company's status
 * table, and the webhook mounted on its HTTP server (here plain node:http or Fastify). Local
 * sandboxes stand in for the CRM and for Vimob (both reconstructions: neither API is public).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENTITIES, SyncEngine } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { createTablesDdl, feedDdl, MegaSource, NO_SCHEMAS } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import {
  createWebhookHandler,
  DEFAULT_STATUS_TABLE,
  type EventLog,
  HttpVimobGateway,
  MemoryEventLog,
  NATIVE_STATUSES,
  nodeWebhookListener,
  Presales,
  type StatusRuleInput,
  type WebhookHandler,
} from '@mega-crm/vimob-adapter';
import { VimobSandbox } from '@mega-crm/vimob-sandbox';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEMO_CREDENTIALS } from './wiring.js';

export const WEBHOOK_SECRET = 'demo-webhook-secret-0123';
export const CREDIT_ANALYSIS = 'Análise de Crédito';
export const WEBHOOK_PATH = '/vimob/webhook';

/** The manual's example: "Aprovada" only after the CRM's credit analysis; reprovada/cancelada close the CRM flow. */
export const COMPANY_STATUSES: StatusRuleInput[] = DEFAULT_STATUS_TABLE.map((rule) => {
  if (rule.code === NATIVE_STATUSES.approved) return { ...rule, gate: { step: CREDIT_ANALYSIS } };
  if (rule.code === NATIVE_STATUSES.rejected || rule.code === NATIVE_STATUSES.cancelled) return { ...rule, closesFlow: true };
  return rule;
});

/** Plain node:http: the adapter's listener streams the body with the size limit. */
export async function mountOnNodeHttp(handler: WebhookHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(nodeWebhookListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Fastify: raw body as a Buffer (the signature covers the exact bytes), Fastify's own body limit. */
export async function mountOnFastify(handler: WebhookHandler): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(WEBHOOK_PATH, async (req, reply) => {
    const out = await handler({ method: req.method, headers: req.headers, body: (req.body as Buffer | undefined) ?? '' });
    return reply.code(out.status).headers(out.headers).send(out.body);
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${address}${WEBHOOK_PATH}`, app, close: () => app.close() };
}

/**
 * Mega's side of pre-sales: a (here in-memory, empty) Mega with the change feed installed, synced to
 * the same CRM by the post-sales SyncEngine: its prospects (CMR_PROSPECT) go through the CRM's prospect
 * upsert under their shared id, and a prospect converted into a client goes as that client, same id.
 */
export interface PresalesMega {
  readonly db: Database.Database;
  readonly engine: SyncEngine;
}

export interface PresalesEnvironment {
  readonly crmSandbox: CrmSandbox;
  readonly vimobSandbox: VimobSandbox;
  readonly crm: CrmClient;
  readonly presales: Presales;
  readonly webhookUrl: string;
  readonly mega: PresalesMega;
  close(): Promise<void>;
}

function startMega(crm: CrmClient): PresalesMega & { close(): Promise<void> } {
  const db = new Database(':memory:');
  for (const ddl of [...createTablesDdl('sqlite', NO_SCHEMAS), ...feedDdl('sqlite', NO_SCHEMAS)]) db.exec(ddl);
  const store = new SqliteStore({ path: ':memory:' });
  // Every client agent (a prospect converts before its contract exists); the enterprise flag scopes the rest.
  const engine = new SyncEngine({
    source: new MegaSource({ sql: sqliteDriver(db), scope: { clients: 'all' }, entities: ENTITIES }),
    sink: crmSink(crm),
    store,
  });
  return {
    db,
    engine,
    async close() {
      await store.close();
      db.close();
    },
  };
}

export async function startPresalesEnvironment(
  options: { framework?: 'node' | 'fastify'; eventLog?: EventLog; wrap?: (handler: WebhookHandler) => WebhookHandler } = {},
): Promise<PresalesEnvironment> {
  const crmSandbox = await new CrmSandbox().start();
  const vimobSandbox = await new VimobSandbox({ webhookSecret: WEBHOOK_SECRET }).start();
  const crm = await CrmClient.connect({ wsdlUrl: crmSandbox.wsdlUrl, ...DEMO_CREDENTIALS });
  const presales = new Presales({
    crm,
    vimob: new HttpVimobGateway(vimobSandbox.gatewayOptions),
    statuses: COMPANY_STATUSES,
    eventLog: options.eventLog ?? new MemoryEventLog(),
  });
  const handler = createWebhookHandler(presales, { secret: WEBHOOK_SECRET });
  const wrapped = options.wrap ? options.wrap(handler) : handler;
  const mount = options.framework === 'fastify' ? await mountOnFastify(wrapped) : await mountOnNodeHttp(wrapped);
  vimobSandbox.setWebhook(mount.url);
  const mega = startMega(crm);
  return {
    crmSandbox,
    vimobSandbox,
    crm,
    presales,
    webhookUrl: mount.url,
    mega,
    async close() {
      await mount.close();
      await mega.close();
      crm.close();
      await Promise.all([crmSandbox.stop(), vimobSandbox.stop()]);
    },
  };
}
