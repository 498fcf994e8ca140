/**
 * `pnpm --filter @mega-crm/examples demo:reconcile [--clients 185186]`: the cost of the keys-only
 * reconciliation that timestamp polling uses to find deletes and scope exits. Builds the demo Mega
 * (SQLite), takes every client, spouse, contract and occurrence key (a superset of what a store would
 * have delivered) and reconciles them in pages of 1,000: first the source alone, per entity; then the
 * engine's step end to end (`run({ reconcile: true })`: a SQLite store holding those keys as delivered,
 * paged by key, checked against Mega, the missing ones queued and reported as removals).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CapturedItem, type ChangeSource, ENTITIES, type EntityName, SyncEngine } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { MegaSource } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '185186' },
    dir: { type: 'string', default: join(tmpdir(), 'mega-crm-reconcile') },
    page: { type: 'string', default: '1000' },
  },
});
const clients = Number(values.clients);
const page = Number(values.page);
if (!Number.isInteger(clients) || clients < 1 || !Number.isInteger(page) || page < 1) throw new TypeError('--clients and --page must be positive integers');
rmSync(values.dir, { recursive: true, force: true });
mkdirSync(values.dir, { recursive: true });
const path = join(values.dir, 'mega.db');
const started = performance.now();
const stats = await createDemoMegaDatabase(path, { clients });
console.log(`demo Mega with ${stats.clients} clients generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const db = new Database(path, { readonly: true });
const source = new MegaSource({ sql: sqliteDriver(db), changes: 'timestamps' });
const KEYS: Record<EntityName, string> = {
  spouse: "SELECT AGN_TAB_IN_CODIGO || '-' || AGN_PAD_IN_CODIGO || '-' || AGN_IN_CODIGO || '-C' AS K FROM GLO_PESSOA_FISICA WHERE AGN_CH_TIPO = 'C'",
  client: "SELECT AGN_TAB_IN_CODIGO || '-' || AGN_PAD_IN_CODIGO || '-' || AGN_IN_CODIGO AS K FROM GLO_AGENTES_ID WHERE AGN_TAU_ST_CODIGO = 'C'",
  contract:
    "SELECT ORG_TAB_IN_CODIGO || '-' || ORG_PAD_IN_CODIGO || '-' || ORG_IN_CODIGO || '-' || TRIM(ORG_TAU_ST_CODIGO) || '-' || CTO_IN_CODIGO AS K FROM CAR_CONTRATO",
  occurrence:
    "SELECT ORG_TAB_IN_CODIGO || '-' || ORG_PAD_IN_CODIGO || '-' || ORG_IN_CODIGO || '-' || TRIM(ORG_TAU_ST_CODIGO) || '-' || OCO_IN_CODIGO AS K FROM DBM_GERAOCORRENCIA",
  prospect: "SELECT AGN_TAB_IN_CODIGO || '-' || AGN_PAD_IN_CODIGO || '-' || AGN_IN_CODIGO AS K FROM CMR_PROSPECT",
};
const keysOf = (entity: EntityName) => (db.prepare(KEYS[entity]).all() as Array<{ K: string }>).map((r) => r.K);
let total = 0;
let totalMs = 0;
for (const entity of ENTITIES) {
  const keys = keysOf(entity);
  const t0 = performance.now();
  let removals = 0;
  for (let i = 0; i < keys.length; i += page) removals += (await source.reconcile(entity, keys.slice(i, i + page))).length;
  const ms = performance.now() - t0;
  total += keys.length;
  totalMs += ms;
  console.log(
    `${entity.padEnd(10)} ${String(keys.length).padStart(8)} keys  ${ms.toFixed(0).padStart(6)} ms  ${((ms * 1000) / Math.max(1, keys.length)).toFixed(1).padStart(6)} µs/key  ${removals} out of scope or deleted`,
  );
}
console.log(
  `total      ${String(total).padStart(8)} keys  ${totalMs.toFixed(0).padStart(6)} ms  ${((totalMs * 1000) / Math.max(1, total)).toFixed(1).padStart(6)} µs/key`,
);

// The engine's step: a store that delivered every key (a keys-only source and a sink that answers at
// once fill it), then one run that reconciles them.
const everyKey: CapturedItem[] = ENTITIES.flatMap((entity) => keysOf(entity).map((key) => ({ kind: 'record', record: { entity, key, payload: {} } }) as const));
const keysOnly: ChangeSource = {
  id: 'keys',
  async read(cursor, { limit }) {
    const from = Number(cursor ?? 0);
    const items = everyKey.slice(from, from + limit);
    return { items, cursor: String(from + items.length), hasMore: from + items.length < everyKey.length };
  },
  reconcile: (entity, keys) => source.reconcile(entity, keys),
};
const store = new SqliteStore({ path: join(values.dir, 'store.db') });
const engine = new SyncEngine({ source: keysOnly, sink: { deliver: async (r) => ({ crmId: r.key }) }, store, batchSize: 1_000, concurrency: 64 });
const t1 = performance.now();
const filled = await engine.run({ trigger: 'fill' });
console.log(`store filled with ${filled.totals.sent} delivered keys in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
const reconciled = await engine.run({ trigger: 'reconcile', reconcile: true });
const r = reconciled.reconciliation;
if (!r) throw new Error(`the reconciliation did not run: ${reconciled.stoppedBy?.message ?? 'unknown'}`);
console.log(
  `engine     ${String(r.keys).padStart(8)} keys  ${String(r.durationMs).padStart(6)} ms  ${((r.durationMs * 1000) / Math.max(1, r.keys)).toFixed(1).padStart(6)} µs/key  ${r.removals} queued as removals (${reconciled.removals.count} reported in the run)`,
);
await store.close();
db.close();
