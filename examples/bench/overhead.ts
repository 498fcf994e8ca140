/** Per-record CPU of each stage, measured apart in this process: read+map, store, envelope, parse. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CapturedItem } from '@mega-crm/core';
import { contentHash } from '@mega-crm/core/internal';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, type HttpClient, HttpTransport } from '@mega-crm/crm-client';
import { MegaSource } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { DEMO_CREDENTIALS } from '../src/wiring.js';

async function cpuUsAsync(work: () => Promise<void>): Promise<number> {
  const c = process.cpuUsage();
  await work();
  const d = process.cpuUsage(c);
  return d.user + d.system;
}

export async function overheadSplit(megaPath: string, wsdlUrl: string): Promise<Record<string, number>> {
  const mega = new Database(megaPath, { readonly: true });
  const source = new MegaSource({ sql: sqliteDriver(mega), entities: ['client', 'contract'] });
  const items: CapturedItem[] = [];
  let cursor: string | null = null;
  const readUs = await cpuUsAsync(async () => {
    while (items.length < 5_000) {
      const batch = await source.read(cursor, { limit: 1_000 });
      items.push(...batch.items);
      cursor = batch.cursor;
      if (batch.items.length === 0) break;
    }
  });
  const records = items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));

  const store = await SqliteStore.open({ path: join(mkdtempSync(join(tmpdir(), 'bench-store-')), 'store.db') });
  const staged = records.map((r) => ({ entity: r.entity, key: r.key, payload: r.payload, hash: contentHash(r.payload) }));
  const storeUs = await cpuUsAsync(async () => {
    for (let i = 0; i < staged.length; i += 1_000)
      await store.capture({ sourceId: 'bench', cursor: String(i), records: staged.slice(i, i + 1_000), invalid: [] });
    for (;;) {
      const claimed = await store.claim({ limit: 1_000, runId: 'bench', leaseMs: 60_000, owner: 'bench', now: Date.now() });
      if (claimed.length === 0) break;
      // Completions are written in batches of 100, as the engine's completion buffer does.
      for (let i = 0; i < claimed.length; i += 100) await store.completeMany(claimed.slice(i, i + 100).map((item) => [item, { crmId: '1' }] as const));
    }
  });
  await store.releaseClaims('bench');
  await store.close();

  // Envelope building and response parsing, through the client with a transport that answers at once.
  const transport = new HttpTransport({ timeoutMs: 15_007, maxSockets: 1 });
  let canned = '';
  const fake: HttpClient = {
    async send(url, body, headers) {
      if (body === null) return transport.send(url, null, headers);
      return { status: 200, headers: { 'content-type': 'text/xml; charset=ISO-8859-1' }, data: canned };
    },
  };
  const real = await CrmClient.connect({ wsdlUrl, ...DEMO_CREDENTIALS });
  const capture: HttpClient = {
    async send(url, body, headers) {
      const res = await transport.send(url, body, headers);
      if (body !== null) canned = res.data;
      return res;
    },
  };
  const recorder = await CrmClient.connect({ wsdlUrl, ...DEMO_CREDENTIALS, httpClient: capture });
  const clients = records.filter((r) => r.entity === 'client');
  await recorder.upsertClient(clients[0]?.payload as never);
  recorder.close();
  real.close();
  const client = await CrmClient.connect({ wsdlUrl, ...DEMO_CREDENTIALS, httpClient: fake });
  const soapUs = await cpuUsAsync(async () => {
    for (const c of clients) await client.upsertClient(c.payload as never);
  });
  client.close();
  transport.close();
  mega.close();
  return {
    'read+map': readUs / Math.max(1, items.length),
    store: storeUs / Math.max(1, staged.length),
    'envelope+parse': soapUs / Math.max(1, clients.length),
  };
}
