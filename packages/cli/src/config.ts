/**
 * The CLI's configuration: a JSON file (`mega-crm.config.json`) plus environment variables. Secrets
 * (the CRM password, database passwords) come only from the environment or a secrets file, never
 * from the config file, and are never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '@mega-crm/core';
import { CrmProfileOverridesSchema } from '@mega-crm/crm-client/profile';
import { z } from 'zod';

export const CONFIG_FILE = 'mega-crm.config.json';

/** Environment variables the CLI reads (documented in the README). */
export const ENV = {
  config: 'MEGA_CRM_CONFIG',
  crmPassword: 'MEGA_CRM_CRM_PASSWORD',
  crmPasswordFile: 'MEGA_CRM_CRM_PASSWORD_FILE',
  megaPassword: 'MEGA_CRM_MEGA_PASSWORD',
  megaUrl: 'MEGA_CRM_MEGA_URL',
  storeUrl: 'MEGA_CRM_STORE_URL',
} as const;

const interval = z.string().regex(/^\d+(ms|s|m|h)$/, 'an interval such as "20s", "30m" or "1h"');
const noPasswordInUrl = (v: string) => !/^[a-z][\w+.-]*:\/\/[^/@]*:[^/@]*@/i.test(v);
const urlSecretMessage = `must not hold a password; give the URL without it and the password in ${ENV.megaPassword}, or the whole URL in ${ENV.megaUrl} / ${ENV.storeUrl}`;

const CrmSchema = z
  .object({
    wsdlUrl: z.url().optional(),
    host: z.string().min(1).optional(),
    clientPath: z.string().min(1).optional(),
    user: z.string().min(1),
    openedBy: z.string().min(1),
    openedFor: z.string().min(1),
    cnpj: z.string().min(14),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    encoding: z.enum(['auto', 'utf-8', 'iso-8859-1']).optional(),
    /** The live CRM's names where they differ from the reconstruction (`mega-crm doctor` prints the ones to set). */
    profile: CrmProfileOverridesSchema.optional(),
  })
  .strict();

const SchemasSchema = z.union([z.enum(['standard', 'none']), z.object({ schema: z.string().regex(/^\w+$/) }).strict()]);

/** The real Mega table and column names, by the SDK's names (mega-mapper's `MegaSchemaOverrides`, validated where the source is built). */
const MegaNamesSchema = z.record(z.string(), z.object({ name: z.string().optional(), columns: z.record(z.string(), z.string()).optional() }).strict());

const MegaSchema = z.discriminatedUnion('dialect', [
  z
    .object({ dialect: z.literal('sqlite'), path: z.string().min(1), changes: z.enum(['outbox', 'timestamps']).optional(), schema: MegaNamesSchema.optional() })
    .strict(),
  z
    .object({
      dialect: z.literal('postgres'),
      connectionString: z.string().min(1).refine(noPasswordInUrl, urlSecretMessage).optional(),
      schemas: SchemasSchema.optional(),
      changes: z.enum(['outbox', 'timestamps']).optional(),
      schema: MegaNamesSchema.optional(),
    })
    .strict(),
  z
    .object({
      dialect: z.literal('oracle'),
      user: z.string().min(1),
      connectString: z.string().min(1),
      schemas: SchemasSchema.optional(),
      changes: z.enum(['outbox', 'timestamps']).optional(),
      schema: MegaNamesSchema.optional(),
      /** Thick mode (Oracle Instant Client): true, or { libDir }. Needed for Oracle 11g. */
      thick: z.union([z.literal(true), z.object({ libDir: z.string().min(1).optional() }).strict()]).optional(),
      /** The database's major version when older than 12 (11: ROWNUM paging; feed script with a sequence). */
      oracleVersion: z.number().int().min(11).optional(),
    })
    .strict(),
]);

const StoreSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sqlite'), path: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal('postgres'),
      connectionString: z.string().min(1).refine(noPasswordInUrl, urlSecretMessage).optional(),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
        .optional(),
    })
    .strict(),
]);

const ScheduleSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('daily'), start: z.string().regex(/^\d{2}:\d{2}$/, 'a time such as "08:00"'), every: interval }).strict(),
  z.object({ mode: z.literal('online'), every: interval }).strict(),
]);

const removalAction = z.enum(['report', 'deactivate']);

export const CliConfigSchema = z
  .object({
    $schema: z.string().optional(),
    crm: CrmSchema,
    mega: MegaSchema,
    store: StoreSchema.default({ type: 'sqlite', path: 'mega-crm.db' }),
    schedule: ScheduleSchema.optional(),
    engine: z
      .object({
        concurrency: z.union([z.number().int().min(1).max(256), z.literal('adaptive')]).optional(),
        batchSize: z.number().int().min(1).max(10_000).optional(),
        /** What a record deleted in Mega or out of scope becomes in the CRM (SyncEngine `removals`). */
        removals: z
          .union([
            removalAction,
            z
              .object({
                spouse: removalAction.optional(),
                client: removalAction.optional(),
                contract: removalAction.optional(),
                occurrence: removalAction.optional(),
                prospect: removalAction.optional(),
              })
              .strict(),
          ])
          .optional(),
        /** Timestamp polling: reconcile the CRM's keys with Mega every N runs (SyncEngine `reconcileEvery`). */
        reconcileEvery: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type CliConfigFile = z.input<typeof CliConfigSchema>;
export type CliConfig = z.output<typeof CliConfigSchema> & {
  /** Secrets and URLs resolved from the environment; never printed. */
  readonly secrets: { readonly crmPassword: string; readonly megaPassword?: string; readonly megaUrl?: string; readonly storeUrl?: string };
  /** Where the file was read from; relative paths in it are taken from its folder. */
  readonly file: string;
};

function configError(summary: string, fixEn: string, fixPt: string, details: Record<string, string | number> = {}): ConfigurationError {
  return new ConfigurationError(summary, { code: 'CONFIG_INVALID', details, fix: { en: fixEn, pt: fixPt } });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') return `${path}: unknown or missing type`;
  return `${path}: ${issue.message}`;
}

/** Reads, validates and completes the configuration; throws a ConfigurationError naming every bad field. */
export function loadConfig(options: { readonly path?: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {}): CliConfig {
  const env = options.env ?? process.env;
  const file = resolve(options.cwd ?? process.cwd(), options.path ?? env[ENV.config] ?? CONFIG_FILE);
  if (!existsSync(file)) {
    throw configError(
      `No configuration file at ${file}.`,
      'Run `mega-crm init` to write one, or pass --config <file>.',
      'Execute `mega-crm init` para criar um, ou informe --config <arquivo>.',
      { file },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw configError(
      `The configuration file ${file} is not valid JSON: ${(error as Error).message}.`,
      'Correct the JSON syntax (no comments, no trailing commas).',
      'Corrija a sintaxe JSON (sem comentários nem vírgulas sobrando).',
      { file },
    );
  }
  raw = withoutComments(raw);
  const secretKeys = findSecretKeys(raw);
  if (secretKeys.length > 0) {
    throw configError(
      `The configuration file holds secret field(s) ${secretKeys.join(', ')}: secrets are never read from it.`,
      `Remove them; give the CRM password in ${ENV.crmPassword} (or a file named by ${ENV.crmPasswordFile}) and database passwords in ${ENV.megaPassword}.`,
      `Remova-os; informe a senha do CRM em ${ENV.crmPassword} (ou num arquivo indicado por ${ENV.crmPasswordFile}) e senhas de banco em ${ENV.megaPassword}.`,
      { file },
    );
  }
  const parsed = CliConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(describeIssue);
    throw configError(
      `Invalid configuration in ${file}: ${problems.join('; ')}.`,
      'Correct the named fields; `mega-crm init` writes a complete example.',
      'Corrija os campos indicados; `mega-crm init` grava um exemplo completo.',
      { file },
    );
  }
  const crmPassword = readCrmPassword(env);
  const megaPassword = env[ENV.megaPassword];
  const megaUrl = env[ENV.megaUrl];
  const storeUrl = env[ENV.storeUrl];
  const config = parsed.data;
  if (config.mega.dialect === 'postgres' && !config.mega.connectionString && !megaUrl) {
    throw configError(
      'mega.connectionString: required for a PostgreSQL Mega.',
      `Set mega.connectionString in the file (without a password) or ${ENV.megaUrl} in the environment.`,
      `Informe mega.connectionString no arquivo (sem senha) ou ${ENV.megaUrl} no ambiente.`,
    );
  }
  if (config.mega.dialect === 'oracle' && !megaPassword) {
    throw configError(
      `${ENV.megaPassword}: required for an Oracle Mega.`,
      `Set ${ENV.megaPassword} in the environment.`,
      `Defina ${ENV.megaPassword} no ambiente.`,
    );
  }
  if (config.store.type === 'postgres' && !config.store.connectionString && !storeUrl) {
    throw configError(
      'store.connectionString: required for a PostgreSQL store.',
      `Set store.connectionString (without a password) or ${ENV.storeUrl}.`,
      `Informe store.connectionString (sem senha) ou ${ENV.storeUrl}.`,
    );
  }
  const base = dirname(file);
  const mega = config.mega.dialect === 'sqlite' ? { ...config.mega, path: resolve(base, config.mega.path) } : config.mega;
  const store = config.store.type === 'sqlite' ? { ...config.store, path: resolve(base, config.store.path) } : config.store;
  return {
    ...config,
    mega,
    store,
    file,
    secrets: {
      crmPassword,
      ...(megaPassword ? { megaPassword } : {}),
      ...(megaUrl ? { megaUrl } : {}),
      ...(storeUrl ? { storeUrl } : {}),
    },
  };
}

function readCrmPassword(env: NodeJS.ProcessEnv): string {
  const direct = env[ENV.crmPassword];
  if (direct) return direct;
  const fromFile = env[ENV.crmPasswordFile];
  if (fromFile) {
    try {
      const value = readFileSync(fromFile, 'utf8').replace(/\r?\n$/, '');
      if (value) return value;
    } catch {
      throw configError(
        `${ENV.crmPasswordFile}: cannot read the secrets file it names.`,
        'Point it to a readable file holding only the password.',
        'Aponte-a para um arquivo legível contendo apenas a senha.',
      );
    }
  }
  throw configError(
    `${ENV.crmPassword}: the CRM password is missing.`,
    `Set ${ENV.crmPassword} (or ${ENV.crmPasswordFile}, a file holding it) in the environment; it is never read from the config file.`,
    `Defina ${ENV.crmPassword} (ou ${ENV.crmPasswordFile}, um arquivo com ela) no ambiente; ela nunca é lida do arquivo de configuração.`,
  );
}

function findSecretKeys(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (/^(password|senha|secret|token)$/i.test(key)) found.push(here);
    else found.push(...findSecretKeys(child, here));
  }
  return found;
}

/** Keys starting with "//" are comments (JSON has none); `mega-crm init` writes some. */
function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith('//'))
      .map(([key, child]) => [key, withoutComments(child)]),
  );
}
