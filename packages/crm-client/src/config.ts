import { ConfigurationError, isValidCnpj } from '@mega-crm/core';
import { z } from 'zod';
import { SERVICE_DEFAULTS } from './profile.js';

export const CrmClientConfigSchema = z
  .object({
    /** Full WSDL URL, e.g. `http://crm.example.com.br/cliente/webservices/index.php?wsdl`. */
    wsdlUrl: z.url().optional(),
    /** Alternative to wsdlUrl: server (with scheme and port if needed) and the `<cliente>` path segment. */
    host: z.string().min(1).optional(),
    clientPath: z
      .string()
      .regex(/^[\w.-]+$/, 'must be a single path segment such as "cliente"')
      .optional(),
    /** Overrides the WSDL's soap:address (the CRM behind a proxy, for instance). */
    endpoint: z.url().optional(),
    user: z.string().min(1),
    password: z.string().min(1),
    /** "Conexão aberta por". */
    openedBy: z.string().min(1),
    /** "Conexão aberta para". */
    openedFor: z.string().min(1),
    /** "CNPJ padrão/Empresa", digits or formatted; check digits are verified. */
    cnpj: z
      .string()
      .transform((v) => v.replace(/\D+/g, ''))
      .refine(isValidCnpj, 'must be a CNPJ with valid check digits'),
    timeoutMs: z.number().int().min(1).max(600_000).default(SERVICE_DEFAULTS.timeoutMs),
    serviceName: z.string().min(1).default(SERVICE_DEFAULTS.serviceName),
    portName: z.string().min(1).default(SERVICE_DEFAULTS.portName),
    /** Sockets kept open to the CRM. Default 16. */
    maxSockets: z.number().int().min(1).max(1024).default(16),
  })
  .strict()
  .refine((c) => Boolean(c.wsdlUrl) !== Boolean(c.host && c.clientPath), {
    message: 'give either wsdlUrl, or host and clientPath',
    path: ['wsdlUrl'],
  });

export type CrmClientConfig = z.input<typeof CrmClientConfigSchema>;
export type ResolvedCrmClientConfig = z.output<typeof CrmClientConfigSchema> & { readonly wsdlUrl: string };

const ALLOWED = Object.keys(CrmClientConfigSchema.shape).join(', ');

/** Validates and applies defaults without touching the caller's object. */
export function resolveCrmClientConfig(input: CrmClientConfig): ResolvedCrmClientConfig {
  const parsed = CrmClientConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : `${issue.path.join('.') || 'config'}: ${issue.message}`,
      )
      .join('; ');
    throw new ConfigurationError(`Invalid CRM client configuration: ${problems}.`, {
      code: 'CONFIG_INVALID',
      details: { allowedOptions: ALLOWED },
      fix: {
        en: `Correct the configuration. Allowed options: ${ALLOWED}.`,
        pt: `Corrija a configuração. Opções aceitas: ${ALLOWED}.`,
      },
    });
  }
  const c = parsed.data;
  const base = c.host && !/^https?:\/\//.test(c.host) ? `http://${c.host}` : c.host;
  const wsdlUrl = c.wsdlUrl ?? `${base?.replace(/\/+$/, '')}/${c.clientPath}/webservices/index.php?wsdl`;
  return { ...c, wsdlUrl };
}
