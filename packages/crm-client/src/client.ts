import { type Client, MegaCrmError, maskPii } from '@mega-crm/core';
import * as soap from 'soap';
import { z } from 'zod';
import { type CrmClientConfig, type ResolvedCrmClientConfig, resolveCrmClientConfig } from './config.js';
import { type CallContext, crmMessageError, httpStatusError, malformed, transportError, wsdlUnavailable } from './errors.js';
import { authParams, clientParams, OPERATIONS, type OperationName, RESULT_FIELDS, RESULT_OK } from './profile.js';
import { type HttpResponse, HttpTransport } from './transport.js';

export interface UpsertResult {
  /** The CRM's own id for the record. */
  readonly crmId: string;
  /** The CRM's message (e.g. "CLIENTE INCLUIDO"). */
  readonly message: string;
}

const ResultSchema = z.object({
  [RESULT_FIELDS.status]: z.string(),
  [RESULT_FIELDS.code]: z.coerce.number().int().optional(),
  [RESULT_FIELDS.message]: z.string().default(''),
  [RESULT_FIELDS.crmId]: z.string().default(''),
});

type SoapMethod = (args: unknown, callback: (error: unknown, result: unknown, rawResponse: unknown) => void) => void;

// node-soap neither types rpc/encoded parts nor declares the encoding (its `inputSoap === 'encoded'`
// check never matches); the parts are typed explicitly, so xsd is bound and the encoding declared here.
const ENCODED_ENVELOPE = ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"';

/**
 * Typed client of the CRM's WebServicesMultidados over SOAP 1.1 rpc/encoded. The WSDL is loaded
 * once, at `connect`, validated, and kept for the life of the client.
 */
export class CrmClient {
  readonly config: Readonly<Omit<ResolvedCrmClientConfig, 'password'>>;
  readonly #password: string;
  readonly #transport: HttpTransport;
  readonly #port: Record<string, SoapMethod>;
  readonly #endpoint: string;

  private constructor(config: ResolvedCrmClientConfig, transport: HttpTransport, port: Record<string, SoapMethod>, endpoint: string) {
    const { password, ...rest } = config;
    this.config = rest;
    this.#password = password;
    this.#transport = transport;
    this.#port = port;
    this.#endpoint = endpoint;
  }

  /** Validates the configuration, loads and checks the WSDL, and returns a ready client. */
  static async connect(input: CrmClientConfig): Promise<CrmClient> {
    const config = resolveCrmClientConfig(input);
    const transport = new HttpTransport({ timeoutMs: config.timeoutMs, maxSockets: config.maxSockets });
    try {
      const text = await fetchWsdl(transport, config);
      const options: soap.IOptions = { httpClient: transport, ...(config.endpoint ? { endpoint: config.endpoint } : {}) };
      const wsdl = new soap.WSDL(text, config.wsdlUrl, options);
      await new Promise<void>((resolve, reject) => wsdl.onReady((error) => (error ? reject(error) : resolve())));
      const client = new soap.Client(wsdl, config.endpoint, options);
      const w = client.wsdl as unknown as { xmlnsInEnvelope: string };
      if (!w.xmlnsInEnvelope.includes('xmlns:xsd=')) w.xmlnsInEnvelope += ENCODED_ENVELOPE;
      const port = findPort(client, config);
      const endpoint =
        config.endpoint ?? (wsdl.definitions.services[config.serviceName]?.ports[config.portName]?.location as string | undefined) ?? config.wsdlUrl;
      return new CrmClient(config, transport, port, endpoint);
    } catch (error) {
      transport.close();
      if (MegaCrmError.is(error)) throw error;
      throw wsdlUnavailable(config.wsdlUrl, `not a usable WSDL (${maskPii(error instanceof Error ? error.message : String(error))})`, { cause: error });
    }
  }

  /** Inserts or updates a client, keyed by its integration id (the Mega agent key). */
  async upsertClient(client: Client): Promise<UpsertResult> {
    return this.#call(OPERATIONS.upsertClient, clientParams(client));
  }

  /** Asks the CRM whether the configured integration CNPJ is registered. */
  async validateCnpj(): Promise<UpsertResult> {
    return this.#call(OPERATIONS.validateCnpj, []);
  }

  close(): void {
    this.#transport.close();
  }

  async #call(operation: OperationName, params: Array<[string, string]>): Promise<UpsertResult> {
    const method = this.#port[operation];
    const context: CallContext = { operation, url: this.#endpoint, timeoutMs: this.config.timeoutMs };
    if (!method) throw malformed(`the WSDL has no operation ${operation}`, context);
    const args: Record<string, { attributes: { 'xsi:type': 'xsd:string' }; $value: string }> = {};
    for (const [name, value] of [...authParams({ ...this.config, password: this.#password }), ...params]) {
      args[name] = { attributes: { 'xsi:type': 'xsd:string' }, $value: value };
    }
    const result = await new Promise<unknown>((resolve, reject) => {
      method(args, (error, value, raw) => (error ? reject(toCallError(error, raw, context)) : resolve(value)));
    });
    const parsed = ResultSchema.safeParse(unwrap((result as Record<string, unknown> | undefined)?.return));
    if (!parsed.success) throw malformed(`the "return" struct is missing or incomplete`, context);
    const r = parsed.data;
    const message = r[RESULT_FIELDS.message] as string;
    if (r[RESULT_FIELDS.status] !== RESULT_OK) throw crmMessageError(message, context, 'rejected', r[RESULT_FIELDS.code] as number | undefined);
    return { crmId: r[RESULT_FIELDS.crmId] as string, message };
  }
}

async function fetchWsdl(transport: HttpTransport, config: ResolvedCrmClientConfig): Promise<string> {
  let res: HttpResponse;
  try {
    res = await transport.send(config.wsdlUrl, null);
  } catch (error) {
    const e = transportError(error as NodeJS.ErrnoException, { operation: 'load WSDL', url: config.wsdlUrl, timeoutMs: config.timeoutMs });
    throw wsdlUnavailable(config.wsdlUrl, e.summary, { cause: error });
  }
  const body = res.data;
  if (res.status !== 200) throw wsdlUnavailable(config.wsdlUrl, `HTTP status ${res.status}`, { status: res.status, body });
  if (body.trim() === '') throw wsdlUnavailable(config.wsdlUrl, 'Error [Empty document]: the server answered with an empty body', { status: res.status, body });
  if (/^\s*(<!doctype html|<html)/i.test(body))
    throw wsdlUnavailable(config.wsdlUrl, 'the server answered with an HTML page, not a WSDL', { status: res.status, body });
  if (!/<(\w+:)?definitions[\s>]/.test(body))
    throw wsdlUnavailable(config.wsdlUrl, 'the document is not a WSDL (no <definitions> root)', { status: res.status, body });
  return body;
}

function findPort(client: soap.Client, config: ResolvedCrmClientConfig): Record<string, SoapMethod> {
  const services = client as unknown as Record<string, Record<string, Record<string, SoapMethod>> | undefined>;
  const port = services[config.serviceName]?.[config.portName];
  if (port) return port;
  const found = Object.entries(client.describe() as Record<string, Record<string, unknown>>)
    .map(([service, ports]) => `${service}/${Object.keys(ports).join(',')}`)
    .join('; ');
  throw wsdlUnavailable(config.wsdlUrl, `service "${config.serviceName}" / port "${config.portName}" not found (the WSDL has: ${found || 'nothing'})`);
}

/** node-soap error → typed error: SOAP faults, HTTP statuses, socket errors. */
function toCallError(error: unknown, raw: unknown, context: CallContext): MegaCrmError {
  if (MegaCrmError.is(error)) return error;
  const e = error as { root?: { Envelope?: { Body?: { Fault?: { faultstring?: unknown } } } }; response?: HttpResponse; code?: string; message?: string };
  const fault = e.root?.Envelope?.Body?.Fault;
  if (fault) return crmMessageError(String(unwrap(fault.faultstring) ?? ''), context, 'fault');
  if (e.response && typeof e.response.status === 'number') return httpStatusError(e.response.status, e.response.data ?? String(raw ?? ''), context);
  if (e.code || (error as Error).name === 'TimeoutError') return transportError(error as NodeJS.ErrnoException, context);
  return malformed(maskPii(e.message ?? String(error)), context);
}

/** NuSOAP's typed parts come back as `{ attributes, $value }`; an empty string has no `$value`. */
export function unwrap(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(unwrap);
  const record = value as Record<string, unknown>;
  if ('$value' in record) return record.$value;
  const out: Record<string, unknown> = {};
  let fields = 0;
  for (const [key, item] of Object.entries(record)) {
    if (key === 'attributes') continue;
    out[key] = unwrap(item);
    fields++;
  }
  return fields === 0 ? '' : out;
}
