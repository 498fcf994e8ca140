/**
 * What takes part in the integration (the manual's two settings): enterprises flagged for the CRM,
 * and occurrence types flagged for integration, each arriving "Aberta" or "Fechada". Read from Mega
 * columns (schema/tables.ts marks them GUESS) or given in the SDK's configuration.
 */
import { ConfigurationError, type OccurrenceStatus } from '@mega-crm/core';
import { z } from 'zod';

export interface OccurrenceTypeRule {
  readonly integrate: boolean;
  readonly status: OccurrenceStatus;
}

export interface ScopeConfig {
  /** `'mega'`: DBM_ESTRUTURA.EST_BO_INTEGRACRM = 'S'; or the enterprise codes (EST_ST_CODIGO) to send. */
  readonly enterprises: 'mega' | { readonly codes: readonly string[] };
  /** `'mega'`: DBM_TIPOOCORRENCIA flags; or rules by type code (`"44"`) or module and code (`"1:44"`). */
  readonly occurrenceTypes: 'mega' | { readonly types: Readonly<Record<string, OccurrenceTypeRule>> };
  /** The manual syncs the clients of flagged enterprises; `'all'` sends every client agent. */
  readonly clients: 'flagged-enterprises' | 'all';
}

export const DEFAULT_SCOPE: ScopeConfig = { enterprises: 'mega', occurrenceTypes: 'mega', clients: 'flagged-enterprises' };

const ScopeSchema = z
  .object({
    enterprises: z.union([z.literal('mega'), z.object({ codes: z.array(z.string().min(1)).min(1) }).strict()]).default('mega'),
    occurrenceTypes: z
      .union([
        z.literal('mega'),
        z
          .object({
            types: z.record(
              z.string().regex(/^(\d+:)?\d+$/, 'keys are "code" or "module:code"'),
              z.object({ integrate: z.boolean(), status: z.enum(['open', 'closed']) }).strict(),
            ),
          })
          .strict(),
      ])
      .default('mega'),
    clients: z.enum(['flagged-enterprises', 'all']).default('flagged-enterprises'),
  })
  .strict();

export function resolveScope(input: Partial<ScopeConfig> = {}): ScopeConfig {
  const parsed = ScopeSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid scope configuration: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, {
      code: 'CONFIG_INVALID',
      fix: {
        en: "Give enterprises as 'mega' or { codes: [...] }, occurrenceTypes as 'mega' or { types: { '44': { integrate: true, status: 'open' } } }, clients as 'flagged-enterprises' or 'all'.",
        pt: "Informe enterprises como 'mega' ou { codes: [...] }, occurrenceTypes como 'mega' ou { types: { '44': { integrate: true, status: 'open' } } } e clients como 'flagged-enterprises' ou 'all'.",
      },
    });
  }
  return parsed.data as ScopeConfig;
}

/** SQL predicate "enterprise row `alias` is flagged", with its parameters. */
export function enterpriseFlagPredicate(scope: ScopeConfig, alias: string): { sql: string; params: unknown[] } {
  if (scope.enterprises === 'mega') return { sql: `${alias}.EST_BO_INTEGRACRM = 'S'`, params: [] };
  return { sql: `${alias}.EST_ST_CODIGO IN (${scope.enterprises.codes.map(() => '?').join(', ')})`, params: [...scope.enterprises.codes] };
}

/** The rule of an occurrence type: from the configuration, or from the Mega columns read with the row. */
export function occurrenceRule(
  scope: ScopeConfig,
  module: number,
  code: number,
  megaFlags: { integrate: string | null; status: string | null },
): OccurrenceTypeRule | undefined {
  if (scope.occurrenceTypes === 'mega') {
    if (megaFlags.integrate === null && megaFlags.status === null) return undefined;
    return { integrate: megaFlags.integrate?.trim().toUpperCase() === 'S', status: megaFlags.status?.trim().toUpperCase() === 'F' ? 'closed' : 'open' };
  }
  return scope.occurrenceTypes.types[`${module}:${code}`] ?? scope.occurrenceTypes.types[String(code)];
}

/** Why a record is out of scope: counted in the run summary, never silent. */
export const SKIP_REASONS = {
  notClient: 'agent no longer has the client role "C" in Mega',
  agentDeleted: 'agent deleted in Mega',
  clientOutOfScope: 'client has no contract in an enterprise flagged for the CRM',
  noSpouse: 'no spouse row (GLO_PESSOA_FISICA, AGN_CH_TIPO = C) for this client',
  companySpouse: 'client is a company (PJ): a spouse row is never sent',
  contractGone: 'contract no longer in Mega',
  enterpriseNotFlagged: 'enterprise not flagged for the CRM',
  occurrenceGone: 'occurrence no longer in Mega, or not linked to a contract',
  occurrenceTypeNotIntegrated: 'occurrence type not flagged for integration',
  prospectConverted: 'prospect converted into a client: the client sync carries it under the same id',
  prospectDeleted: 'prospect deleted in Mega (CMR_PROSPECT)',
} as const;
