/**
 * How a host wires the SDK: a Mega database (here the demo SQLite one), the embedded SQLite store,
 * and a CRM (here the local sandbox, a reconstruction of the Multidados CRM from the manual).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, SyncEngine, type SyncEngineOptions } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { MegaSource, type MegaSourceOptions } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase, type DemoOptions, type DemoStats } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';

export interface DemoEnvironmentOptions {
  /** Folder for mega.db and store.db; recreated data, kept between runs of one environment. */
  readonly dir: string;
  readonly clients: number;
  readonly seed?: number;
  readonly demo?: Omit<DemoOptions, 'clients' | 'seed'>;
  /** Which entities and scope to read; default: every entity, the manual's scope. */
  readonly source?: Omit<MegaSourceOptions, 'sql'>;
  readonly onProgress?: SyncEngineOptions['onProgress'];
  readonly logger?: Logger;
}

export const DEMO_CREDENTIALS = {
  user: 'integra.mega',
  password: 'sandbox',
  openedBy: 'integra.mega',
  openedFor: 'integra.mega',
  cnpj: '11.222.333/0001-81',
} as const;

export interface DemoEnvironment {
  readonly sandbox: CrmSandbox;
  readonly crm: CrmClient;
  readonly mega: Database.Database;
  readonly store: SqliteStore;
  readonly engine: SyncEngine;
  readonly megaPath: string;
  readonly stats: DemoStats;
  close(): Promise<void>;
}

export async function createDemoEnvironment(options: DemoEnvironmentOptions): Promise<DemoEnvironment> {
  mkdirSync(options.dir, { recursive: true });
  const megaPath = join(options.dir, 'mega.db');
  const stats = await createDemoMegaDatabase(megaPath, { ...options.demo, clients: options.clients, seed: options.seed ?? 42 });
  const sandbox = await new CrmSandbox({ clientPath: 'demo', user: DEMO_CREDENTIALS.user, password: DEMO_CREDENTIALS.password }).start();
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...DEMO_CREDENTIALS });
  const mega = new Database(megaPath);
  const store = await SqliteStore.open({ path: join(options.dir, 'store.db') });
  const engine = new SyncEngine({
    source: new MegaSource({ ...options.source, sql: sqliteDriver(mega) }),
    sink: crmSink(crm),
    store,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    sandbox,
    crm,
    mega,
    store,
    engine,
    megaPath,
    stats,
    async close() {
      crm.close();
      await store.close();
      mega.close();
      await sandbox.stop();
    },
  };
}
