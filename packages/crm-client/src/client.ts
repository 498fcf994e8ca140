import { readFile } from 'node:fs/promises';
import {
  type Client,
  type CloseOccurrenceInput,
  CloseOccurrenceSchema,
  ConfigurationError,
  type Contract,
  type IntegrationLogEntry,
  MegaCrmError,
  type Narrative,
  type Occurrence,
  type OccurrenceOrigin,
  type Spouse,
} from '@mega-crm/core';
import { maskPii, registerSecret } from '@mega-crm/core/internal';
import { type CrmClientConfig, type ResolvedCrmClientConfig, resolveCrmClientConfig } from './config.js';
import {
  type CallContext,
  crmMessageError,
  excerpt,
  httpStatusError,
  insecureEndpoint,
  malformed,
  profileMismatch,
  serviceNotFound,
  transportError,
  wsdlUnavailable,
} from './errors.js';
import { redactEnvelope } from './hooks.js';
import type { ProfileReport } from './profile/compare.js';
import { clientParams, closeOccurrenceParams, contractParams, narrativeParams, occurrenceParams, spouseParams } from './profile/params.js';
import { prospectParams } from './profile/presales-params.js';
import { LABELS, type OperationKey, PRESALES_LABELS, RESULT_FIELDS, RESULT_OK } from './profile/profile.js';
import { type CrmProfile, ProfileConflictError, renameResult, resolveProfile } from './profile/runtime.js';
import type { ParamValues } from './profile/types.js';
import { type BpoState, type BpoStepStatus, type ProspectInput, type ProspectOccurrence, parseProspect } from './prospect.js';
import { compileEnvelope, type EnvelopeBuilder } from './soap/envelope.js';
import { assertNoDtd, NotSoapError, parseSoapResponse, UnsafeXmlError } from './soap/response.js';
import { readWsdlModel, ServiceNotFoundError, WsdlMismatchError, type WsdlModel } from './soap/wsdl-model.js';
import { assertWellFormed } from './soap/xml.js';
import { type HttpClient, type HttpResponse, HttpTransport } from './transport.js';

export interface UpsertResult {
  /** The CRM's own id for the record. */
  readonly crmId: string;
  /** The CRM's message (e.g. "CLIENTE INCLUIDO"). */
  readonly message: string;
}

export type PublicConfig = Omit<ResolvedCrmClientConfig, 'password' | 'basicAuth' | 'tls'> & {
  readonly tls?: Omit<NonNullable<ResolvedCrmClientConfig['tls']>, 'key'> & { readonly key?: undefined };
};

interface CompiledCall {
  readonly name: string;
  readonly soapAction: string;
  readonly build: EnvelopeBuilder;
}

/**
 * Typed client of the CRM's WebServicesMultidados (SOAP 1.1, rpc/encoded, as NuSOAP serves it).
 * node-soap reads and checks the WSDL once, at `connect` (and on `refreshWsdl`); calls use
 * envelopes compiled per operation and a keep-alive transport, so a call costs little CPU.
 */
export class CrmClient {
  /** The resolved configuration without its secrets (password, URL credentials, TLS key). */
  readonly config: Readonly<PublicConfig>;
  readonly #auth: readonly string[];
  readonly #http: HttpClient;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #unregisterSecrets: Array<() => void>;
  readonly #profile: CrmProfile;
  #model!: WsdlModel;
  #calls = new Map<OperationKey, CompiledCall>();
  #endpoint = '';

  private constructor(config: ResolvedCrmClientConfig, http: HttpClient, profile: CrmProfile) {
    const { password, basicAuth, tls, ...rest } = config;
    this.#profile = profile;
    this.config = { ...rest, ...(tls ? { tls: { ...tls, key: undefined } } : {}) };
    this.#auth = [config.user, password, config.openedBy, config.openedFor, config.cnpj];
    this.#http = http;
    const basic = basicAuth ? Buffer.from(`${basicAuth.user}:${basicAuth.password}`).toString('base64') : undefined;
    this.#headers = basic ? { Authorization: `Basic ${basic}` } : {};
    // Whatever echoes them (a CRM fault, a proxy page, an exception) is scrubbed from messages and logs.
    const keys = tls?.key === undefined ? [] : Array.isArray(tls.key) ? tls.key : [tls.key];
    const keySecrets = keys.flatMap((k: string | Buffer | { pem: string | Buffer; passphrase?: string | undefined }) =>
      typeof k === 'string' || Buffer.isBuffer(k) ? [k] : [k.pem, k.passphrase],
    );
    this.#unregisterSecrets = [password, basicAuth?.password, basic, ...keySecrets]
      .filter((secret): secret is string | Buffer => secret !== undefined && secret.length > 0)
      .map((secret) => registerSecret(secret));
  }

  /**
   * Validates the configuration, loads the WSDL and compares it with the profile in effect (the
   * reconstructed one with `profile` overrides): a required operation missing or different is
   * PROFILE_MISMATCH, naming the differences and the `profile` option to pass. Returns a ready client.
   */
  static async connect(input: CrmClientConfig): Promise<CrmClient> {
    const client = CrmClient.#create(input);
    try {
      await client.refreshWsdl();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * Loads the WSDL as `connect` does and returns how it differs from the profile in effect, without
   * throwing on a mismatch: per operation and part, what matches, what is missing and what is extra,
   * and the `profile` override that renames the profile's names to the WSDL's.
   */
  static async checkProfile(input: CrmClientConfig): Promise<ProfileReport> {
    const client = CrmClient.#create(input);
    try {
      return (await client.#readModel()).report;
    } finally {
      client.close();
    }
  }

  static #create(input: CrmClientConfig): CrmClient {
    const config = resolveCrmClientConfig(input);
    let profile: CrmProfile;
    try {
      profile = resolveProfile(config.profile);
    } catch (error) {
      if (!(error instanceof ProfileConflictError)) throw error;
      throw new ConfigurationError(`Invalid CRM client configuration: profile: ${error.message}.`, {
        code: 'CONFIG_INVALID',
        details: { option: 'profile' },
        fix: { en: 'Give each live name to one profile entry only.', pt: 'Informe cada nome real para uma única entrada do perfil.' },
      });
    }
    const http =
      config.httpClient ??
      new HttpTransport({
        timeoutMs: config.timeoutMs,
        maxSockets: config.maxSockets,
        maxResponseBytes: config.maxResponseBytes,
        encoding: config.encoding,
        ...(config.agent ? { agent: config.agent } : {}),
        ...(config.tls ? { tls: config.tls } : {}),
      });
    return new CrmClient(config, http, profile);
  }

  /** Where calls go (the WSDL's soap:address, or the configured endpoint). */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** Profile operations the loaded WSDL does not offer as the profile describes them (calling one is PROFILE_MISMATCH). */
  get unsupportedOperations(): readonly string[] {
    return this.#model.report.operations.filter((op) => !op.usable).map((op) => op.name);
  }

  /** The loaded WSDL compared with the profile in effect (see `CrmClient.checkProfile`). */
  get profileReport(): ProfileReport {
    return this.#model.report;
  }

  /** The profile in effect: the reconstructed names with the `profile` overrides merged over them. */
  get profile(): CrmProfile {
    return this.#profile;
  }

  async #readModel(): Promise<WsdlModel> {
    const text = await this.#loadWsdlText();
    try {
      return await readWsdlModel(text, this.config.wsdlUrl ?? 'http://localhost/wsdl', this.config, this.#profile);
    } catch (error) {
      if (error instanceof ServiceNotFoundError) throw serviceNotFound(this.config.wsdlLocation, error.message, error.found);
      const reason =
        error instanceof WsdlMismatchError ? error.message : `not a usable WSDL (${excerpt(error instanceof Error ? error.message : String(error))})`;
      throw wsdlUnavailable(this.config.wsdlLocation, reason, { cause: error });
    }
  }

  /** Loads the WSDL again (after the CRM was upgraded, say) and recompiles the envelopes. */
  async refreshWsdl(): Promise<void> {
    const model = await this.#readModel();
    if (!model.report.ok) throw profileMismatch(this.config.wsdlLocation, model.report);
    const endpoint = this.config.endpoint ?? model.endpoint;
    if (this.config.wsdlUrl?.startsWith('https:') && endpoint.startsWith('http:') && !this.config.allowInsecureEndpoint) {
      throw insecureEndpoint(this.config.wsdlUrl, endpoint);
    }
    const calls = new Map<OperationKey, CompiledCall>();
    for (const [key, binding] of model.operations) {
      calls.set(key, {
        name: binding.name,
        soapAction: binding.soapAction,
        build: compileEnvelope(this.#profile.operations[key], binding.namespace, this.#profile, binding.order),
      });
    }
    this.#model = model;
    this.#calls = calls;
    this.#endpoint = endpoint;
  }

  /** Asks the CRM whether the configured integration CNPJ is valid; rejects with CNPJ_INVALID if not. */
  async validateCnpj(): Promise<UpsertResult> {
    return toUpsert(await this.#call('validateCnpj', {}));
  }

  /** Inserts or updates a client, keyed by its integration id (the Mega agent key). */
  async upsertClient(client: Client): Promise<UpsertResult> {
    return toUpsert(await this.#call('upsertClient', clientParams(client)));
  }

  async upsertSpouse(spouse: Spouse): Promise<UpsertResult> {
    return toUpsert(await this.#call('upsertSpouse', spouseParams(spouse)));
  }

  /** Inserts or updates a contract with its buyers (a SOAP-encoded array), unit and enterprise. */
  async upsertContract(contract: Contract): Promise<UpsertResult> {
    return toUpsert(await this.#call('upsertContract', contractParams(contract)));
  }

  /** Inserts or updates an occurrence, open ("Aberta") or closed ("Fechada"). */
  async upsertOccurrence(occurrence: Occurrence): Promise<UpsertResult> {
    return toUpsert(await this.#call('upsertOccurrence', occurrenceParams(occurrence)));
  }

  async addNarrative(narrative: Narrative): Promise<UpsertResult> {
    return toUpsert(await this.#call('addNarrative', narrativeParams(narrative)));
  }

  /** Closes an occurrence and, with `closeFlow`, the CRM flow it drives. */
  async closeOccurrence(input: CloseOccurrenceInput): Promise<UpsertResult> {
    return toUpsert(await this.#call('closeOccurrence', closeOccurrenceParams(CloseOccurrenceSchema.parse(input))));
  }

  /** Was the occurrence created in the CRM or by the Mega integration? */
  async occurrenceOrigin(occurrenceKey: string): Promise<{ readonly origin: OccurrenceOrigin; readonly crmId: string }> {
    const result = await this.#call('occurrenceOrigin', { id_integracao_ocorrencia: occurrenceKey });
    const raw = String(result.origem ?? '');
    const origin = (Object.entries(LABELS.origin).find(([, label]) => label === raw.toUpperCase())?.[0] ?? undefined) as OccurrenceOrigin | undefined;
    if (!origin) throw malformed(`unknown origin "${maskPii(raw)}"`, this.#context('occurrenceOrigin'));
    return { origin, crmId: String(result[RESULT_FIELDS.crmId] ?? '') };
  }

  /** The CRM-side integration log for one integration id, oldest first. */
  async integrationLog(key: string, entity = ''): Promise<IntegrationLogEntry[]> {
    const result = await this.#call('integrationLog', { id_integracao: key, entidade: entity });
    const registros = result.registros as { item?: unknown[] } | string | undefined;
    const items = typeof registros === 'object' && Array.isArray(registros?.item) ? registros.item : [];
    return items.map((item) => {
      const r = item as Record<string, unknown>;
      return {
        at: String(r.data ?? ''),
        entity: String(r.entidade ?? ''),
        key: String(r.id_integracao ?? ''),
        operation: String(r.operacao ?? ''),
        status: String(r.status) === RESULT_OK ? 'ok' : 'error',
        message: String(r.mensagem ?? ''),
      };
    });
  }

  /** Inserts or updates a prospect under its shared id; the CRM refuses a CPF/CNPJ held by another prospect or client. */
  async upsertProspect(prospect: ProspectInput): Promise<UpsertResult> {
    return toUpsert(await this.#call('upsertProspect', prospectParams(parseProspect(prospect))));
  }

  /** The prospect's main occurrence: where Vimob's proposal narratives go. */
  async prospectMainOccurrence(prospectKey: string): Promise<ProspectOccurrence> {
    const result = await this.#call('prospectMainOccurrence', { id_integracao_prospect: prospectKey });
    const occurrenceKey = String(result.id_integracao_ocorrencia ?? '');
    if (!occurrenceKey) throw malformed('the prospect occurrence has no "id_integracao_ocorrencia"', this.#context('prospectMainOccurrence'));
    const status = String(result.situacao ?? '') === LABELS.occurrenceStatus.closed ? 'closed' : 'open';
    return { occurrenceKey, crmId: String(result[RESULT_FIELDS.crmId] ?? ''), status };
  }

  /** The state of one BPO step (e.g. "Análise de Crédito") on an occurrence. */
  async bpoStatus(occurrenceKey: string, step: string): Promise<BpoStepStatus> {
    const result = await this.#call('bpoStatus', { id_integracao_ocorrencia: occurrenceKey, etapa: step });
    const raw = String(result.situacao ?? '').toUpperCase();
    const state = (Object.entries(PRESALES_LABELS.bpoState).find(([, label]) => label === raw)?.[0] ?? undefined) as BpoState | undefined;
    if (!state) throw malformed(`unknown BPO state "${maskPii(raw)}"`, this.#context('bpoStatus'));
    const concludedAt = String(result.data_conclusao ?? '');
    return { occurrenceKey, step, state, ...(concludedAt ? { concludedAt } : {}) };
  }

  close(): void {
    this.#http.close?.();
    for (const unregister of this.#unregisterSecrets.splice(0)) unregister();
  }

  #context(key: OperationKey): CallContext {
    return { operation: this.#profile.operations[key].name, url: this.#endpoint, timeoutMs: this.config.timeoutMs };
  }

  async #call(key: OperationKey, values: ParamValues): Promise<Record<string, unknown>> {
    const context = this.#context(key);
    const call = this.#calls.get(key);
    if (!call) throw profileMismatch(this.config.wsdlLocation, this.#model.report, this.#profile.operations[key]);
    const { hooks } = this.config;
    const envelope = call.build(this.#auth, values);
    const started = performance.now();
    hooks.onRequest?.({ operation: call.name, url: this.#endpoint, body: redactEnvelope(envelope) });
    try {
      let res: HttpResponse;
      try {
        res = await this.#http.send(this.#endpoint, envelope, { ...this.#headers, SOAPAction: `"${call.soapAction}"` });
      } catch (error) {
        throw transportError(error as NodeJS.ErrnoException, context);
      }
      hooks.onResponse?.({
        operation: call.name,
        url: this.#endpoint,
        status: res.status,
        durationMs: performance.now() - started,
        body: redactEnvelope(res.data),
        ...(res.charsetFallback ? { charsetFallback: true } : {}),
      });
      return this.#result(key, res, res.charsetFallback ? { ...context, charsetFallback: true } : context);
    } catch (thrown) {
      const error = MegaCrmError.is(thrown) ? thrown : malformed(maskPii(String(thrown)), context);
      hooks.onError?.({ operation: call.name, url: this.#endpoint, durationMs: performance.now() - started, error });
      throw error;
    }
  }

  #result(key: OperationKey, res: HttpResponse, context: CallContext): Record<string, unknown> {
    if (res.data.trim() === '') {
      if (res.status >= 500) throw httpStatusError(res.status, '', context);
      throw malformed(`HTTP ${res.status} with an empty body`, context);
    }
    let parsed: ReturnType<typeof parseSoapResponse>;
    try {
      parsed = parseSoapResponse(res.data);
    } catch (error) {
      if (error instanceof UnsafeXmlError) throw malformed(error.message, context);
      if (error instanceof NotSoapError && res.status !== 200) throw httpStatusError(res.status, res.data, context);
      throw malformed(`${(error as Error).message}; body starts: "${excerpt(res.data)}"`, context);
    }
    const patterns = this.#profile.messagePatterns;
    if (parsed.kind === 'fault') throw crmMessageError(parsed.faultstring, context, 'fault', undefined, parsed.faultcode, patterns);
    const op = this.#profile.operations[key];
    const expected = `${op.name}Response`;
    if (parsed.element !== expected) throw malformed(`the answer is <${excerpt(parsed.element)}>, not <${expected}>`, context);
    const value = (parsed.value as Record<string, unknown> | undefined)?.[op.response];
    if (!value || typeof value !== 'object') throw malformed(`the "${op.response}" struct is missing`, context);
    // Read under the default names from here on.
    const result = renameResult(this.#profile, op.outputSource, value as Record<string, unknown>, false);
    const status = result[RESULT_FIELDS.status];
    if (typeof status !== 'string')
      throw malformed(`the "${op.response}" struct has no "${fieldName(this.#profile, op.outputSource, RESULT_FIELDS.status)}"`, context);
    if (status !== RESULT_OK) {
      const code = Number(result[RESULT_FIELDS.code]);
      throw crmMessageError(String(result[RESULT_FIELDS.message] ?? ''), context, 'rejected', Number.isFinite(code) ? code : undefined, undefined, patterns);
    }
    // An accepted write names the CRM's id for the record; without it nothing proves the write happened.
    if (op.outputSource === 'RetornoIntegracao' && key !== 'validateCnpj' && !String(result[RESULT_FIELDS.crmId] ?? '').trim()) {
      throw malformed(`status ${RESULT_OK} without "${fieldName(this.#profile, op.outputSource, RESULT_FIELDS.crmId)}"`, context);
    }
    return result;
  }

  async #loadWsdlText(): Promise<string> {
    const { wsdl, wsdlFile, wsdlUrl, wsdlLocation, timeoutMs } = this.config;
    let text: string;
    if (wsdl) text = wsdl;
    else if (wsdlFile) {
      try {
        text = await readFile(wsdlFile, 'latin1').then((latin1) =>
          /encoding=["']utf-8["']/i.test(latin1.slice(0, 100)) ? readFile(wsdlFile, 'utf8') : latin1,
        );
      } catch (error) {
        throw wsdlUnavailable(wsdlLocation, `the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
      }
    } else {
      const url = wsdlUrl as string;
      let res: HttpResponse;
      try {
        res = await this.#http.send(url, null, this.#headers);
      } catch (error) {
        const e = transportError(error as NodeJS.ErrnoException, { operation: 'load WSDL', url, timeoutMs });
        throw wsdlUnavailable(url, e.summary, { cause: error });
      }
      if (res.status !== 200) throw wsdlUnavailable(url, `HTTP status ${res.status}`, { status: res.status, body: res.data });
      text = res.data;
      checkWsdlText(text, url, res.status);
      return text;
    }
    checkWsdlText(text, wsdlLocation);
    return text;
  }
}

function checkWsdlText(text: string, location: string, status?: number): void {
  const extra = { ...(status === undefined ? {} : { status }), body: text };
  if (text.trim() === '') throw wsdlUnavailable(location, 'Error [Empty document]: the server answered with an empty body', extra);
  if (/^\s*(<!doctype html|<html)/i.test(text)) throw wsdlUnavailable(location, 'the server answered with an HTML page, not a WSDL', extra);
  try {
    assertNoDtd(text);
  } catch (error) {
    throw wsdlUnavailable(location, (error as Error).message, extra);
  }
  if (!/<(\w+:)?definitions[\s>]/.test(text)) throw wsdlUnavailable(location, 'the document is not a WSDL (no <definitions> root)', extra);
  if (!/<\/(\w+:)?definitions>\s*$/.test(text)) throw wsdlUnavailable(location, 'the WSDL is truncated (no closing </definitions>)', extra);
  try {
    assertWellFormed(text);
  } catch (error) {
    throw wsdlUnavailable(location, (error as Error).message, extra);
  }
}

/** A default struct field's live name, for messages. */
function fieldName(profile: CrmProfile, struct: string, field: string): string {
  return profile.structs.find((s) => s.source === struct)?.fields.find((f) => f.source === field)?.name ?? field;
}

function toUpsert(result: Record<string, unknown>): UpsertResult {
  return { crmId: String(result[RESULT_FIELDS.crmId] ?? ''), message: String(result[RESULT_FIELDS.message] ?? '') };
}
