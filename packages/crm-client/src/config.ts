import http from 'node:http';
import { ConfigurationError, isValidCnpj } from '@mega-crm/core';
import { z } from 'zod';
import type { CrmClientHooks } from './hooks.js';
import { SERVICE_DEFAULTS } from './profile/profile.js';
import { CrmProfileOverridesSchema } from './profile/runtime.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpClient } from './transport.js';

const HTTP_URL = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (give a file as wsdlFile, text as wsdl)' });
// A DNS name, IPv4 or [IPv6], with an optional scheme and port: what `host` is appended to.
const HOST = /^(?:https?:\/\/)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?\/?$/;

/** PEM text or bytes, as Node's tls takes them. */
const PEM = z.union([z.string().min(1), z.instanceof(Buffer)], { error: 'must be PEM text (a string) or a Buffer' });

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

export const CrmClientConfigSchema = z
  .object({
    /** Full WSDL URL, e.g. `http://crm.example.com.br/cliente/webservices/index.php?wsdl`. */
    wsdlUrl: HTTP_URL.optional(),
    /** Alternative to wsdlUrl: server (with scheme and port if needed) and the `<cliente>` path segment. */
    host: z.string().regex(HOST, 'must be a host name or IP, optionally with http:// or https:// and :port (no credentials, path or spaces)').optional(),
    clientPath: z
      .string()
      .regex(/^[\w.-]+$/, 'must be a single path segment such as "cliente"')
      .optional(),
    /** The WSDL itself, as text or as a file path, instead of fetching it. */
    wsdl: z.string().min(1).optional(),
    wsdlFile: z.string().min(1).optional(),
    /** Overrides the WSDL's soap:address (the CRM behind a proxy, for instance). */
    endpoint: HTTP_URL.optional(),
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
    /** Response charset: `auto` reads the Content-Type header, then the XML declaration. */
    encoding: z.enum(['auto', 'utf-8', 'iso-8859-1']).default('auto'),
    /** Largest WSDL or answer read, in bytes; the read stops as soon as it is exceeded. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(DEFAULT_MAX_RESPONSE_BYTES),
    /** Sockets kept open to the CRM by the default keep-alive transport (the adaptive limit is capped by them). */
    maxSockets: z.number().int().min(1).max(1024).default(64),
    /** Your own http(s) agent (keep-alive settings, proxy…); calls then go through node:http (an http: endpoint otherwise gets a lean HTTP/1.1 pool). */
    agent: z.custom<http.Agent>((v) => v instanceof http.Agent, 'must be an http.Agent or https.Agent').optional(),
    tls: z
      .object({
        ca: z.union([PEM, z.array(PEM)]).optional(),
        cert: z.union([PEM, z.array(PEM)]).optional(),
        key: z.union([PEM, z.array(z.union([PEM, z.object({ pem: PEM, passphrase: z.string().optional() }).strict()]))]).optional(),
        rejectUnauthorized: z.boolean().optional(),
        servername: z.string().optional(),
      })
      .strict()
      .optional(),
    /** Allows calls over http: when the WSDL came over https: (its soap:address says http:); off, that is refused. */
    allowInsecureEndpoint: z.boolean().default(false),
    hooks: z.object({ onRequest: fn.optional(), onResponse: fn.optional(), onError: fn.optional() }).strict().optional(),
    /**
     * The live CRM's names where they differ from the reconstructed profile: operations, parameters,
     * response parts, struct types and fields, message patterns (see `CrmProfileOverrides`).
     */
    profile: CrmProfileOverridesSchema.optional(),
    /** Replaces the HTTP transport (tests, custom stacks). */
    httpClient: z.custom<HttpClient>((v) => typeof (v as HttpClient | undefined)?.send === 'function', 'must implement HttpClient').optional(),
  })
  .strict()
  .refine((c) => [c.wsdlUrl, c.host && c.clientPath, c.wsdl, c.wsdlFile].filter(Boolean).length === 1, {
    message: 'give exactly one of wsdlUrl, host and clientPath, wsdl (text) or wsdlFile',
    path: ['wsdlUrl'],
  });

export type CrmClientConfig = Omit<z.input<typeof CrmClientConfigSchema>, 'hooks'> & { readonly hooks?: CrmClientHooks };
export type ResolvedCrmClientConfig = Omit<z.output<typeof CrmClientConfigSchema>, 'hooks'> & {
  /** Where the WSDL comes from, for messages; a URL when it is fetched (without credentials). */
  readonly wsdlLocation: string;
  readonly hooks: CrmClientHooks;
  /** Credentials found in wsdlUrl or endpoint (`https://user:pass@host/…`): moved to an Authorization header. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
};

const ALLOWED = Object.keys(CrmClientConfigSchema.shape).join(', ');

/** Validates and applies defaults without touching the caller's object. */
export function resolveCrmClientConfig(input: CrmClientConfig): ResolvedCrmClientConfig {
  const parsed = CrmClientConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
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
  const fromWsdl = withoutCredentials(c.wsdlUrl ?? (base ? `${base.replace(/\/+$/, '')}/${c.clientPath}/webservices/index.php?wsdl` : undefined));
  const fromEndpoint = withoutCredentials(c.endpoint);
  const wsdlUrl = fromWsdl.url;
  const basicAuth = fromWsdl.auth ?? fromEndpoint.auth;
  const wsdlLocation = wsdlUrl ?? (c.wsdlFile ? `file:${c.wsdlFile}` : 'wsdl text');
  return {
    ...c,
    ...(wsdlUrl ? { wsdlUrl } : {}),
    ...(fromEndpoint.url ? { endpoint: fromEndpoint.url } : {}),
    ...(basicAuth ? { basicAuth } : {}),
    wsdlLocation,
    hooks: (c.hooks ?? {}) as CrmClientHooks,
  };
}

/** Credentials never stay in a URL (URLs go into messages and logs): they are taken out here. */
function withoutCredentials(url: string | undefined): { url?: string; auth?: { user: string; password: string } } {
  if (!url) return {};
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const auth = { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), auth };
}
