/** `mega-crm init`: a commented configuration file and the Mega change-feed install script for a dialect. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@mega-crm/core';
import { feedInstallScript, type MegaSchemaOverrides, NO_SCHEMAS, STANDARD_SCHEMAS, singleSchema } from '@mega-crm/mega-mapper';
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

export function configTemplate(
  dialect: InitDialect,
  crm: { readonly wsdlUrl?: string } = {},
  schema?: string,
  names: { readonly megaSchema?: MegaSchemaOverrides; readonly oracleVersion?: number } = {},
): string {
  const base = schema && dialect !== 'sqlite' ? { ...MEGA[dialect], schemas: { schema } } : MEGA[dialect];
  const oracle11 =
    dialect === 'oracle' && names.oracleVersion !== undefined && names.oracleVersion < 12
      ? {
          '//': `Mega on Oracle ${names.oracleVersion}g: thick mode (Oracle Instant Client in libDir). Password in ${ENV.megaPassword}.`,
          thick: { libDir: '/opt/oracle/instantclient' },
          oracleVersion: names.oracleVersion,
        }
      : {};
  const mega = { ...base, ...oracle11, ...(names.megaSchema ? { schema: names.megaSchema } : {}) };
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
    mega,
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
  /** The real Mega table and column names where they differ from the SDK's: written to the config, used by the feed script. */
  readonly megaSchema?: MegaSchemaOverrides;
  /** Oracle older than 12c (11): the feed script numbers rows with a sequence and a trigger; the config asks for thick mode. */
  readonly oracleVersion?: number;
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
  const names = {
    ...(options.megaSchema ? { megaSchema: options.megaSchema } : {}),
    ...(options.oracleVersion ? { oracleVersion: options.oracleVersion } : {}),
  };
  const schemas = options.dialect === 'sqlite' ? NO_SCHEMAS : options.schema ? singleSchema(options.schema) : STANDARD_SCHEMAS;
  // Built first: invalid overrides fail before any file is written.
  const script = feedInstallScript(options.dialect, schemas, {
    ...(options.megaSchema ? { schema: options.megaSchema } : {}),
    ...(options.oracleVersion ? { oracleVersion: options.oracleVersion } : {}),
  });
  writeFileSync(configPath, configTemplate(options.dialect, {}, options.schema, names));
  const header =
    options.dialect === 'oracle'
      ? (options.oracleVersion ?? 12) < 12
        ? '-- mega-crm change feed for Oracle 11g (sequence + trigger). Run once as the Mega schema owner.\n'
        : '-- mega-crm change feed for Oracle (12c or later: identity column; 11g: mega-crm init --oracle-version 11). Run once as the Mega schema owner.\n'
      : `-- mega-crm change feed for ${options.dialect}. Run once on the Mega database.\n`;
  writeFileSync(feedPath, header + script);
  return [configPath, feedPath];
}

/** `mega-crm init`'s command-line flags. */
export interface InitFlags {
  readonly dialect: InitDialect;
  readonly dir: string;
  readonly force: boolean;
  readonly schema?: string;
  readonly megaSchema?: string;
  readonly oracleVersion?: string;
  readonly demo?: string;
  readonly clients: string;
}

/** `--mega-schema <file>`: the JSON file of real Mega names (validated by mega-mapper when the script is built). */
export function readMegaSchema(file: string): MegaSchemaOverrides {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as MegaSchemaOverrides;
  } catch (error) {
    throw new ConfigurationError(`Cannot read the Mega names file ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'CONFIG_INVALID',
      cause: error,
      fix: {
        en: 'Give --mega-schema a JSON file such as { "GLO_AGENTES_TELEFONE": { "name": "GLO_FONES", "columns": { "TEA_ST_TELEFONE": "TEA_ST_FONE" } } }.',
        pt: 'Informe em --mega-schema um arquivo JSON como { "GLO_AGENTES_TELEFONE": { "name": "GLO_FONES", "columns": { "TEA_ST_TELEFONE": "TEA_ST_FONE" } } }.',
      },
    });
  }
}

export function oracleMajor(text: string): number {
  const major = Number(text);
  if (!Number.isInteger(major) || major < 11) {
    throw new ConfigurationError(`--oracle-version ${text}: give the major version, 11 or later.`, {
      code: 'CONFIG_INVALID',
      fix: {
        en: 'Pass --oracle-version 11 for Oracle 11g; 12c and later need no flag.',
        pt: 'Use --oracle-version 11 para o Oracle 11g; 12c ou mais novo não precisa do parâmetro.',
      },
    });
  }
  return major;
}
