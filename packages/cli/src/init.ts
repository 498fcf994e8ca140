/** `mega-crm init`: a commented configuration file and the Mega change-feed install script for a dialect. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@mega-crm/core';
import { feedInstallScript, NO_SCHEMAS, STANDARD_SCHEMAS, singleSchema } from '@mega-crm/mega-mapper';
import { CONFIG_FILE, ENV } from './config.js';

export type InitDialect = 'sqlite' | 'postgres' | 'oracle';

const MEGA: Record<InitDialect, Record<string, unknown>> = {
  sqlite: { '//': 'A Mega copy in SQLite (demo, tests).', dialect: 'sqlite', path: 'mega.db' },
  postgres: {
    '//': `Mega on PostgreSQL. No password here: ${ENV.megaPassword}, or the whole URL in ${ENV.megaUrl}.`,
    dialect: 'postgres',
    connectionString: 'postgres://mega@db.example.com.br:5432/mega',
    schemas: 'standard',
  },
  oracle: {
    '//': `Mega on Oracle (thin mode, 12c or later). Password in ${ENV.megaPassword}.`,
    dialect: 'oracle',
    user: 'MEGA_INTEGRA',
    connectString: 'db.example.com.br:1521/MEGA',
    schemas: 'standard',
  },
};

export function configTemplate(dialect: InitDialect, crm: { readonly wsdlUrl?: string } = {}, schema?: string): string {
  const config = {
    '//': `mega-crm configuration. Secrets never go here: the CRM password comes from ${ENV.crmPassword} (or a file named by ${ENV.crmPasswordFile}).`,
    crm: {
      '//': 'Fields of Mega\'s "Configuração Integração CRM" screen. wsdlUrl, or host + clientPath. Where the live WSDL names things otherwise, add "profile": { … } (mega-crm doctor prints it).',
      wsdlUrl: crm.wsdlUrl ?? 'http://crm.example.com.br/cliente/webservices/index.php?wsdl',
      user: 'integra.mega',
      openedBy: 'integra.mega',
      openedFor: 'integra.mega',
      cnpj: '11.222.333/0001-81',
      timeoutMs: 15007,
    },
    mega: schema && dialect !== 'sqlite' ? { ...MEGA[dialect], schemas: { schema } } : MEGA[dialect],
    store: { '//': 'Where the sync keeps its state. Several instances: { "type": "postgres", "connectionString": "…" }.', type: 'sqlite', path: 'mega-crm.db' },
    schedule: {
      '//': 'The manual\'s "Diária" (every ≥ 30m from a start time) or "Online" ({ "mode": "online", "every": "20s" }).',
      mode: 'daily',
      start: '08:00',
      every: '30m',
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface InitOptions {
  readonly dir: string;
  readonly dialect: InitDialect;
  readonly force: boolean;
  /** Mega in one tenant schema instead of the standard MGGLO/MGCAR/MGDBM/MGCUSTOM ones (PostgreSQL, Oracle). */
  readonly schema?: string;
  /** Also create a demo Mega (SQLite, generated) and point the config at it and at this CRM (the local sandbox). */
  readonly demo?: { readonly wsdlUrl: string; readonly clients: number };
}

export async function writeInitFiles(options: InitOptions): Promise<string[]> {
  const configPath = join(options.dir, CONFIG_FILE);
  const feedPath = join(options.dir, `mega-crm-feed.${options.dialect}.sql`);
  const megaPath = join(options.dir, 'mega.db');
  const existing = [configPath, feedPath, ...(options.demo ? [megaPath] : [])].filter((p) => existsSync(p));
  if (existing.length > 0 && !options.force) {
    throw new ConfigurationError(`Not overwriting ${existing.join(', ')}.`, {
      code: 'CONFIG_INVALID',
      fix: { en: 'Pass --force to overwrite, or run init in another folder.', pt: 'Use --force para sobrescrever, ou rode init em outra pasta.' },
    });
  }
  mkdirSync(options.dir, { recursive: true });
  if (options.demo) {
    const { createDemoMegaDatabase } = await import('@mega-crm/mega-mapper/demo');
    await createDemoMegaDatabase(megaPath, { clients: options.demo.clients });
    writeFileSync(configPath, configTemplate('sqlite', { wsdlUrl: options.demo.wsdlUrl }));
    return [configPath, megaPath];
  }
  writeFileSync(configPath, configTemplate(options.dialect, {}, options.schema));
  const schemas = options.dialect === 'sqlite' ? NO_SCHEMAS : options.schema ? singleSchema(options.schema) : STANDARD_SCHEMAS;
  const header =
    options.dialect === 'oracle'
      ? '-- mega-crm change feed for Oracle (12c or later: identity column). Run once as the Mega schema owner.\n'
      : `-- mega-crm change feed for ${options.dialect}. Run once on the Mega database.\n`;
  writeFileSync(feedPath, header + feedInstallScript(options.dialect, schemas));
  return [configPath, feedPath];
}
