/**
 * Opens what a command needs from the configuration — the Mega database, the store, the CRM client,
 * the engine — each on its own, so `doctor` can report one broken part without the others. Every
 * failure becomes a MegaCrmError naming the configuration field to correct.
 */
import { ConfigurationError, type EntityName, MegaCrmError, type SyncEngineOptions, type SyncStore } from '@mega-crm/core';
import { CrmClient, type CrmClientConfig } from '@mega-crm/crm-client';
import { type MegaSchemaOverrides, MegaSource, NO_SCHEMAS, type SchemaMapping, type SqlDriver, STANDARD_SCHEMAS, singleSchema } from '@mega-crm/mega-mapper';
import type { CliConfig } from './config.js';

export interface MegaConnection {
  readonly sql: SqlDriver;
  readonly schemas: SchemaMapping;
  close(): Promise<void>;
}

function missingModule(name: string, field: string): ConfigurationError {
  return new ConfigurationError(`${field}: the optional module "${name}" is not installed.`, {
    code: 'CONFIG_INVALID',
    details: { module: name },
    fix: { en: `Install it next to the CLI: npm install ${name}`, pt: `Instale-o junto ao CLI: npm install ${name}` },
  });
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function unreachable(what: string, field: string, error: unknown): MegaCrmError {
  if (MegaCrmError.is(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  // Retryable (the server may come back), yet it stops the command: the fix is in the configuration or the network.
  return new MegaCrmError(`${what} (${field}) cannot be opened: ${reason}`, {
    code: what === 'The store' ? 'STORE_FAILED' : 'SOURCE_FAILED',
    retryable: true,
    stopsRun: true,
    cause: error,
    details: { field },
    fix: {
      en: `Check ${field} in the configuration (address, database name, user) and that the server accepts connections from this machine.`,
      pt: `Verifique ${field} na configuração (endereço, nome do banco, usuário) e se o servidor aceita conexões desta máquina.`,
    },
  });
}

function schemasOf(config: CliConfig): SchemaMapping {
  const mega = config.mega;
  if (mega.dialect === 'sqlite') return NO_SCHEMAS;
  const s = mega.schemas ?? 'standard';
  return s === 'standard' ? STANDARD_SCHEMAS : s === 'none' ? NO_SCHEMAS : singleSchema(s.schema);
}

export async function openMega(config: CliConfig): Promise<MegaConnection> {
  const mega = config.mega;
  const schemas = schemasOf(config);
  try {
    if (mega.dialect === 'sqlite') {
      const { existsSync } = await import('node:fs');
      if (!existsSync(mega.path)) throw new Error(`no database file at ${mega.path}`);
      // A variable specifier: better-sqlite3 is an optional peer, loaded only for a SQLite Mega (as mega-mapper loads oracledb).
      const moduleName = 'better-sqlite3';
      const Database = (await import(moduleName).catch((error: unknown) => {
        throw isModuleNotFound(error) ? missingModule('better-sqlite3', 'mega.dialect') : error;
      })) as { default: typeof import('better-sqlite3') };
      const { sqliteDriver } = await import('@mega-crm/mega-mapper/sqlite');
      const db = new Database.default(mega.path, { fileMustExist: true });
      return {
        sql: sqliteDriver(db),
        schemas,
        close: async () => {
          db.close();
        },
      };
    }
    if (mega.dialect === 'postgres') {
      const { postgresDriver } = await import('@mega-crm/mega-mapper/postgres').catch((error: unknown) => {
        throw isModuleNotFound(error) ? missingModule('pg', 'mega.dialect') : error;
      });
      const connectionString = config.secrets.megaUrl ?? mega.connectionString;
      const driver = await postgresDriver({
        connectionString,
        ...(config.secrets.megaPassword ? { password: config.secrets.megaPassword } : {}),
        max: 4,
        connectionTimeoutMillis: 10_000,
      });
      await driver.all('SELECT 1');
      return { sql: driver, schemas, close: () => driver.pool.end() };
    }
    const { oracleDriver } = await import('@mega-crm/mega-mapper/oracle');
    const driver = await oracleDriver({
      connect: { user: mega.user, password: config.secrets.megaPassword ?? '', connectString: mega.connectString },
      ...(mega.thick ? { thick: mega.thick === true || !mega.thick.libDir ? true : { libDir: mega.thick.libDir } } : {}),
      ...(mega.oracleVersion ? { oracleVersion: mega.oracleVersion } : {}),
    }).catch((error: unknown) => {
      throw isModuleNotFound(error) ? missingModule('oracledb', 'mega.dialect') : error;
    });
    return { sql: driver, schemas, close: async () => (driver as { close?: () => Promise<void> }).close?.() };
  } catch (error) {
    throw unreachable('The Mega database', 'mega', error);
  }
}

export async function openStore(config: CliConfig): Promise<SyncStore> {
  const store = config.store;
  try {
    if (store.type === 'sqlite') {
      const { SqliteStore } = await import('@mega-crm/core/sqlite');
      return await SqliteStore.open({ path: store.path });
    }
    const { PostgresStore } = await import('@mega-crm/core/postgres').catch((error: unknown) => {
      throw isModuleNotFound(error) ? missingModule('pg', 'store.type') : error;
    });
    return await PostgresStore.open({
      pool: { connectionString: config.secrets.storeUrl ?? store.connectionString, max: 4, connectionTimeoutMillis: 10_000 },
      ...(store.schema ? { schema: store.schema } : {}),
    });
  } catch (error) {
    throw unreachable('The store', 'store', error);
  }
}

export function crmClientConfig(config: CliConfig): CrmClientConfig {
  const c = config.crm;
  return {
    ...(c.wsdlUrl ? { wsdlUrl: c.wsdlUrl } : {}),
    ...(c.host ? { host: c.host } : {}),
    ...(c.clientPath ? { clientPath: c.clientPath } : {}),
    user: c.user,
    password: config.secrets.crmPassword,
    openedBy: c.openedBy,
    openedFor: c.openedFor,
    cnpj: c.cnpj,
    ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
    ...(c.encoding ? { encoding: c.encoding } : {}),
    ...(c.profile ? { profile: c.profile } : {}),
  };
}

export function connectCrm(config: CliConfig): Promise<CrmClient> {
  return CrmClient.connect(crmClientConfig(config));
}

/** With `entities`, the source reads only those, under its own cursor: the shared cursor never skips the others' changes. */
export function megaSource(config: CliConfig, mega: MegaConnection, entities?: readonly EntityName[]): MegaSource {
  const only = entities?.length ? { entities, id: `mega:${[...entities].sort().join('+')}` } : {};
  return new MegaSource({
    sql: mega.sql,
    schemas: mega.schemas,
    ...(config.mega.schema ? { schema: config.mega.schema as MegaSchemaOverrides } : {}),
    ...(config.mega.changes ? { changes: config.mega.changes } : {}),
    ...only,
  });
}

export function engineOptions(config: CliConfig): Pick<SyncEngineOptions, 'concurrency' | 'batchSize' | 'removals' | 'reconcileEvery'> {
  return {
    ...(config.engine?.concurrency ? { concurrency: config.engine.concurrency } : {}),
    ...(config.engine?.batchSize ? { batchSize: config.engine.batchSize } : {}),
    ...(config.engine?.removals ? { removals: config.engine.removals } : {}),
    ...(config.engine?.reconcileEvery !== undefined ? { reconcileEvery: config.engine.reconcileEvery } : {}),
  };
}

/** Closes what was opened, in reverse order, never throwing (a command's own error matters more). */
export class Resources {
  readonly #closers: Array<() => unknown> = [];
  add<T>(value: T, close: (value: T) => unknown): T {
    this.#closers.push(() => close(value));
    return value;
  }
  async close(): Promise<void> {
    for (const close of this.#closers.reverse()) {
      try {
        await close();
      } catch {
        // already reported through the command's outcome
      }
    }
  }
}

/** Runs `use` with a fresh Resources, closing what it opened afterwards, whatever happens. */
export async function using<T>(use: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources();
  try {
    return await use(resources);
  } finally {
    await resources.close();
  }
}
