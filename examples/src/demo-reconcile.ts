/**
 * `pnpm --filter @mega-crm/examples demo:reconcile [--clients 185186]`: the cost of the keys-only
 * reconciliation that timestamp polling uses to find deletes and scope exits. Builds the demo Mega
 * (SQLite), takes every client, spouse, contract and occurrence key (a superset of what a store would
 * have delivered) and reconciles them in pages of 1,000, as an engine would; prints time per entity.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ENTITIES, type EntityName } from '@mega-crm/core';
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
let total = 0;
let totalMs = 0;
for (const entity of ENTITIES) {
  const keys = (db.prepare(KEYS[entity]).all() as Array<{ K: string }>).map((r) => r.K);
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
db.close();
