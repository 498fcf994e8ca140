/**
 * The SDK's backfill in a process of its own, running the built packages with plain Node (as a user
 * would, so neither tsx nor the bench harness counts in its peak RSS): every record of the demo Mega
 * into the CRM at --wsdl, with the embedded SQLite store. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SyncEngine } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { MegaSource } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: { mega: { type: 'string' }, store: { type: 'string' }, wsdl: { type: 'string' }, concurrency: { type: 'string', default: '8' } },
});
const credentials = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11.222.333/0001-81' };
const mega = new Database(String(values.mega), { readonly: true });
const store = await SqliteStore.open({ path: String(values.store) });
const crm = await CrmClient.connect({ wsdlUrl: String(values.wsdl), ...credentials });
const engine = new SyncEngine({
  source: new MegaSource({ sql: sqliteDriver(mega) }),
  sink: crmSink(crm),
  store,
  concurrency: Number(values.concurrency),
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await engine.run({ trigger: 'bench backfill' });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const vmHwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(
  JSON.stringify({
    sent: summary.totals.sent,
    failed: summary.totals.failed,
    skipped: summary.totals.skipped,
    held: summary.totals.held,
    sentByEntity: Object.fromEntries(Object.entries(summary.byEntity).map(([entity, counts]) => [entity, counts.sent])),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: vmHwm ? Number(vmHwm) / 1024 : process.memoryUsage().rss / 1048576,
  }),
);
crm.close();
mega.close();
await store.close();
