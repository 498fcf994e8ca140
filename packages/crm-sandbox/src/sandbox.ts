import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidCnpj } from '@mega-crm/core';
import { seededRandom } from '@mega-crm/core/internal';
import {
  type CrmProfile,
  type CrmProfileOverrides,
  CrmProfileOverridesSchema,
  nusoapNamespace,
  type OperationKey,
  type ParamType,
  type ProfileOperation,
  readSoapBody,
  renameParams,
  renameResult,
  renderWsdl,
  resolveProfile,
  type XsdScalar,
} from '@mega-crm/crm-client/profile';
import { CapacityModel, type CapacityOptions } from './capacity.js';
import { faultEnvelope, type ResultFields, resultEnvelope } from './envelope.js';
import { type FaultPlan, parseFaults, planFault, type SandboxFaults } from './faults.js';
import { MESSAGES, RESULT_CODES } from './messages.js';
import { PresalesDesk, type SandboxProspect } from './presales.js';
import type { SandboxCapacity, SandboxContract, SandboxLogEntry, SandboxNarrative, SandboxOccurrence, SandboxRecord, SandboxState } from './state.js';

export interface CrmSandboxOptions {
  /** The `<cliente>` path segment: the WSDL is at `/<clientPath>/webservices/index.php?wsdl`. Default `demo`. */
  readonly clientPath?: string;
  /** Accepted credentials. Default `integra.mega` / `sandbox`. */
  readonly user?: string;
  readonly password?: string;
  /** NuSOAP answers in ISO-8859-1 by default; so does the sandbox. */
  readonly encoding?: 'ISO-8859-1' | 'UTF-8';
  /** When set, calls from other addresses get the manual's "IP não permitido" message. */
  readonly allowedIps?: readonly string[];
  /** Integration CNPJs registered in the CRM Portal; by default any CNPJ with valid check digits. */
  readonly integrationCnpjs?: readonly string[];
  readonly faults?: SandboxFaults;
  /** Seed of the fault dice, for repeatable runs. */
  readonly seed?: number;
  /** Clock for timestamps (tests freeze it). */
  readonly now?: () => Date;
  /**
   * Lose data where NuSOAP does: characters above U+00FF become `?` when answering ISO-8859-1 (its
   * decode_utf8), and an empty xsd:decimal or xsd:int is stored as 0 (nil stays empty). CR LF arrives
   * as LF in every mode, as in any XML parser; a CR the client means is sent as &#13;. Default off.
   */
  readonly nusoap?: boolean;
  /** Largest request body read, in bytes (default 10 MB); a larger one is answered 413 and its connection closed. */
  readonly maxRequestBytes?: number;
  /**
   * Serve a CRM under other names: the WSDL and the answers use the profile's overrides (as given to
   * `CrmClient.connect({ profile })`), so a client can be tried against a renamed CRM.
   */
  readonly profile?: CrmProfileOverrides;
  /**
   * Model a real CRM's capacity: N workers, a service time per call with jitter, a bounded accept
   * queue (beyond it: HTTP 503), a network round trip, down (connections dropped). Off by default
   * (answers as fast as it can). Changeable at run time: `setCapacity`, `takeDown`, `POST /__sandbox/capacity`.
   */
  readonly capacity?: CapacityOptions;
}

type Params = Record<string, string | Array<Record<string, string>>>;
type Answer = { kind: 'result'; type: string; fields: ResultFields } | { kind: 'fault'; faultstring: string; server?: boolean };
type Store<T extends SandboxRecord> = Map<string, T>;

const LOG_LIMIT = 100_000;

/**
 * A local stand-in for the Multidados CRM's WebServicesMultidados, built from crm-client's profile
 * (a reconstruction: the live WSDL is not public). It keeps the documented rules and answers as
 * NuSOAP does; state and faults are reachable in code and over HTTP (`/__sandbox/state`, `/__sandbox/faults`).
 */
export class CrmSandbox {
  readonly #options: Required<
    Omit<CrmSandboxOptions, 'allowedIps' | 'integrationCnpjs' | 'faults' | 'seed' | 'maxRequestBytes' | 'nusoap' | 'profile' | 'capacity'>
  > & {
    allowedIps?: readonly string[];
    integrationCnpjs?: readonly string[];
  };
  readonly #random: () => number;
  readonly #maxRequestBytes: number;
  readonly #nusoap: boolean;
  readonly #profile: CrmProfile;
  readonly #operationByName: ReadonlyMap<string, ProfileOperation>;
  #faults: SandboxFaults;
  #capacity: CapacityModel | undefined;
  readonly #clients: Store<SandboxRecord> = new Map();
  readonly #spouses: Store<SandboxRecord> = new Map();
  readonly #contracts: Store<SandboxContract> = new Map();
  readonly #occurrences: Store<SandboxOccurrence> = new Map();
  readonly #byDocument = new Map<string, string>();
  readonly #requestsByOperation: Record<string, number> = {};
  #log: SandboxLogEntry[] = [];
  #requests = 0;
  #injected = 0;
  #connections = 0;
  #nextId = 1;
  #server: Server | undefined;
  #url = '';
  readonly #desk = new PresalesDesk({
    clients: this.#clients,
    byDocument: this.#byDocument,
    occurrences: this.#occurrences,
    nextId: () => String(this.#nextId++),
    now: () => this.#options.now().toISOString(),
    openCrmOccurrence: (key, fields) => this.#openCrmOccurrence(key, fields),
  });

  constructor(options: CrmSandboxOptions = {}) {
    this.#options = {
      clientPath: options.clientPath ?? 'demo',
      user: options.user ?? 'integra.mega',
      password: options.password ?? 'sandbox',
      encoding: options.encoding ?? 'ISO-8859-1',
      now: options.now ?? (() => new Date()),
      ...(options.allowedIps ? { allowedIps: options.allowedIps } : {}),
      ...(options.integrationCnpjs ? { integrationCnpjs: options.integrationCnpjs.map((c) => c.replace(/\D+/g, '')) } : {}),
    };
    this.#faults = parseFaults(options.faults ?? {});
    this.#maxRequestBytes = options.maxRequestBytes ?? 10 * 1024 * 1024;
    this.#nusoap = options.nusoap ?? false;
    this.#profile = resolveProfile(CrmProfileOverridesSchema.parse(options.profile ?? {}));
    this.#operationByName = new Map(Object.values(this.#profile.operations).map((op) => [op.name, op]));
    this.#random = seededRandom(options.seed ?? 1);
    this.#capacity = options.capacity ? new CapacityModel(options.capacity) : undefined;
  }

  get path(): string {
    return `/${this.#options.clientPath}/webservices/index.php`;
  }

  /** Base URL once started, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    if (!this.#url) throw new Error('CrmSandbox is not started');
    return this.#url;
  }

  get wsdlUrl(): string {
    return `${this.url}${this.path}?wsdl`;
  }

  get endpoint(): string {
    return `${this.url}${this.path}`;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      });
    });
    server.keepAliveTimeout = 30_000;
    // A client that trickles its request is cut off rather than holding a socket for ever.
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    server.on('connection', () => {
      this.#connections++;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    this.#server = server;
    this.#url = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#capacity?.dispose();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Replaces the injected faults (an empty object turns them off). */
  setFaults(faults: SandboxFaults): void {
    this.#faults = parseFaults(faults);
  }

  /**
   * Changes the capacity model now (`{ workers: 4 }` halves a model of 8), starts one (`workers` and
   * `serviceMs` needed), or turns it off (`null`). Calls waiting for a worker get new workers at once.
   */
  setCapacity(change: Partial<CapacityOptions> | null): void {
    if (change === null) {
      this.#capacity?.dispose();
      this.#capacity = undefined;
    } else if (this.#capacity) this.#capacity.update(change);
    else {
      if (change.workers === undefined || change.serviceMs === undefined) throw new RangeError('a new capacity model needs workers and serviceMs');
      this.#capacity = new CapacityModel(change as CapacityOptions);
    }
  }

  /** Takes the CRM down for `ms` (every call is dropped and counted in `capacityStats().outages`), then up again. */
  takeDown(ms: number): void {
    if (!this.#capacity) this.#capacity = new CapacityModel({ workers: 1_000_000, serviceMs: 0, jitter: 0 });
    this.#capacity.takeDown(ms);
  }

  /** The capacity model's settings and counters (undefined without a model). */
  capacityStats(): SandboxCapacity | undefined {
    const model = this.#capacity;
    return model && { ...model.stats, options: model.options, capacity: model.capacity };
  }

  state(): SandboxState {
    return {
      clients: [...this.#clients.values()],
      spouses: [...this.#spouses.values()],
      contracts: [...this.#contracts.values()],
      occurrences: [...this.#occurrences.values()],
      prospects: this.#desk.prospects(),
      requests: this.#requests,
      requestsByOperation: { ...this.#requestsByOperation },
      injectedFaults: this.#injected,
      connections: this.#connections,
      ...(this.#capacity ? { capacity: this.capacityStats() as SandboxCapacity } : {}),
    };
  }

  client(integrationId: string): SandboxRecord | undefined {
    return this.#clients.get(integrationId);
  }

  spouse(integrationId: string): SandboxRecord | undefined {
    return this.#spouses.get(integrationId);
  }

  contract(integrationId: string): SandboxContract | undefined {
    return this.#contracts.get(integrationId);
  }

  occurrence(integrationId: string): SandboxOccurrence | undefined {
    return this.#occurrences.get(integrationId);
  }

  prospect(integrationId: string): SandboxProspect | undefined {
    return this.#desk.prospect(integrationId);
  }

  /** A CRM user moves a BPO step of an occurrence, e.g. `setBpoStep(key, 'Análise de Crédito', 'concluded')`. */
  setBpoStep(occurrenceKey: string, step: string, state: 'pending' | 'in-progress' | 'concluded'): void {
    this.#desk.setBpoStep(occurrenceKey, step, state);
  }

  log(integrationId?: string): readonly SandboxLogEntry[] {
    return integrationId === undefined ? this.#log : this.#log.filter((e) => e.key === integrationId);
  }

  /** An occurrence opened by a CRM user (not by the integration), to exercise the origin query. */
  createCrmOccurrence(input: { key: string; text: string; contractKey?: string }): SandboxOccurrence {
    return this.#openCrmOccurrence(input.key, { texto: input.text, id_integracao_contrato: input.contractKey ?? '' });
  }

  #openCrmOccurrence(key: string, fields: Readonly<Record<string, string>>): SandboxOccurrence {
    const now = this.#options.now().toISOString();
    const occurrence: SandboxOccurrence = {
      crmId: String(this.#nextId++),
      integrationId: key,
      fields,
      createdAt: now,
      updatedAt: now,
      writes: 1,
      status: 'ABERTA',
      origin: 'CRM',
      narratives: [],
      flowClosed: false,
    };
    this.#occurrences.set(key, occurrence);
    return occurrence;
  }

  reset(): void {
    for (const store of [this.#clients, this.#spouses, this.#contracts, this.#occurrences]) store.clear();
    this.#byDocument.clear();
    this.#desk.reset();
    this.#log = [];
    this.#requests = 0;
    this.#injected = 0;
    this.#connections = 0;
    this.#nextId = 1;
    for (const key of Object.keys(this.#requestsByOperation)) delete this.#requestsByOperation[key];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname === '/__sandbox/state' && req.method === 'GET') return this.#send(res, 200, 'application/json', JSON.stringify(this.state()), 'UTF-8');
    if (url.pathname === '/__sandbox/faults' && req.method === 'POST') {
      const body = await this.#readBody(req, res);
      if (!body) return;
      let faults: SandboxFaults;
      try {
        faults = parseFaults(JSON.parse(body.toString('utf8')));
      } catch (error) {
        return this.#send(res, 400, 'text/plain', `Invalid faults: ${(error as Error).message}`, 'UTF-8');
      }
      this.#faults = faults;
      return this.#send(res, 204, 'text/plain', '', 'UTF-8');
    }
    if (url.pathname === '/__sandbox/capacity' && req.method === 'GET')
      return this.#send(res, 200, 'application/json', JSON.stringify(this.capacityStats() ?? null), 'UTF-8');
    if (url.pathname === '/__sandbox/capacity' && req.method === 'POST') {
      const body = await this.#readBody(req, res);
      if (!body) return;
      try {
        const { downForMs, ...change } = parseCapacity(JSON.parse(body.toString('utf8')));
        this.setCapacity(change);
        if (downForMs !== undefined) this.takeDown(downForMs);
      } catch (error) {
        return this.#send(res, 400, 'text/plain', `Invalid capacity: ${(error as Error).message}`, 'UTF-8');
      }
      return this.#send(res, 204, 'text/plain', '', 'UTF-8');
    }
    if (url.pathname !== this.path) return this.#send(res, 404, 'text/html', '<html><body><h1>Not Found</h1></body></html>', 'UTF-8');
    // The Host header goes into the WSDL and the namespace: anything but a host name (and port) is refused, as web servers do.
    const host = req.headers.host ?? '127.0.0.1';
    if (!HOST_HEADER.test(host)) return this.#send(res, 400, 'text/html', '<html><body>Bad Request</body></html>', 'UTF-8');
    // A CRM that is down answers nothing on its service path (the connection is dropped; counted in the capacity stats).
    if (this.#capacity?.refuseIfDown()) return void req.socket.destroy();
    if (req.method === 'GET' && url.searchParams.has('wsdl')) return this.#serveWsdl(res, serverName(req), `http://${host}${this.path}`);
    if (req.method !== 'POST') return this.#send(res, 405, 'text/html', '<html><body>Method Not Allowed</body></html>', 'UTF-8');

    const body = await this.#readBody(req, res);
    if (!body) return;
    const capacity = this.#capacity;
    if (!capacity) return (await this.#answerCall(req, res, body))();
    // The capacity model: half the round trip in, a worker (or the accept queue, or a refusal), the service time, half the round trip out.
    await capacity.inbound();
    const admission = await capacity.admit();
    if (!admission.admitted) {
      if (admission.reason === 'down') return void req.socket.destroy();
      await capacity.outbound();
      return this.#send(res, 503, 'text/html', '<html><body>503 Service Unavailable</body></html>', 'UTF-8');
    }
    let respond: () => void;
    try {
      await sleep(admission.serviceMs);
      respond = await this.#answerCall(req, res, body);
    } finally {
      admission.release();
    }
    await capacity.outbound();
    respond();
  }

  /** Handles one SOAP call; returns how to answer it (sent by the caller, after the modelled network delay). */
  async #answerCall(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<() => void> {
    const xml = decodeRequest(body, req.headers['content-type']);
    const out = this.#options.encoding;
    const call = this.#parseCall(xml);
    if (!call) return () => this.#send(res, 500, 'text/xml', faultEnvelope('SOAP-ENV:Client', 'Operation not found in request', out), out);
    this.#requests++;
    this.#requestsByOperation[call.operation] = (this.#requestsByOperation[call.operation] ?? 0) + 1;

    const plan = planFault(this.#faults, this.#random);
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    if (plan.kind) this.#injected++;
    if (plan.kind === 'serverFault') return () => this.#send(res, 500, 'text/xml', faultEnvelope('SOAP-ENV:Server', MESSAGES.serverError, out), out);
    if (plan.kind && !plan.applyFirst) return () => this.#fail(res, plan);
    const answer = this.#dispatch(call.op, call.params, remoteIp(req));
    if (plan.kind) return () => this.#fail(res, plan);
    if (answer.kind === 'fault')
      return () => this.#send(res, 500, 'text/xml', faultEnvelope(answer.server ? 'SOAP-ENV:Server' : 'SOAP-ENV:Client', answer.faultstring, out), out);
    // Built under the default names; answered under the profile's.
    const type = this.#profile.structs.find((s) => s.source === answer.type);
    const fields = renameResult(this.#profile, answer.type as never, answer.fields, true) as ResultFields;
    const envelope = resultEnvelope(call.operation, nusoapNamespace(serverName(req)), type?.name ?? answer.type, fields, out, call.op.response);
    return () => this.#send(res, 200, 'text/xml', envelope, out);
  }

  #serveWsdl(res: ServerResponse, serverName: string, endpoint: string): void {
    const wsdl = renderWsdl({ serverName, endpoint }, this.#profile);
    const broken: Record<string, [number, string, string, 'ISO-8859-1' | 'UTF-8']> = {
      empty: [200, 'text/xml', '', 'UTF-8'],
      html: [200, 'text/html', '<html><body><b>Fatal error</b>: Uncaught Error in index.php</body></html>', 'UTF-8'],
      http500: [500, 'text/html', '<html><body>Internal Server Error</body></html>', 'UTF-8'],
      truncated: [200, 'text/xml', wsdl.slice(0, Math.floor(wsdl.length / 2)), this.#options.encoding],
    };
    const [status, type, body, charset] = broken[this.#faults.wsdl ?? 'ok'] ?? [200, 'text/xml', wsdl, this.#options.encoding];
    this.#send(res, status, type, body, charset);
  }

  #fail(res: ServerResponse, plan: FaultPlan): void {
    if (plan.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    this.#send(res, 500, 'text/html', '<html><body>500 Internal Server Error</body></html>', 'UTF-8');
  }

  /** The call under its live operation name, its parameters under the profile's default names. */
  #parseCall(xml: string): { operation: string; op: ProfileOperation; params: Params } | undefined {
    let bodyEl: Record<string, unknown>;
    try {
      bodyEl = readSoapBody(xml);
    } catch {
      return undefined; // DTDs, malformed XML, no Envelope/Body: answered as a Client fault
    }
    const [operation, raw] = Object.entries(bodyEl)[0] ?? [];
    const op = operation ? this.#operationByName.get(operation) : undefined;
    if (!operation || !op) return undefined;
    const params: Params = {};
    if (raw && typeof raw === 'object') {
      for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value === 'string') params[name] = value;
        else if (value && typeof value === 'object' && Array.isArray((value as { item?: unknown }).item)) {
          params[name] = ((value as { item: unknown[] }).item as Array<Record<string, unknown>>).map((item) =>
            Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === 'string' ? v : ''])),
          );
        } else params[name] = '';
      }
    }
    const live = this.#nusoap ? this.#asNusoap(op, params, xml) : params;
    return { operation, op, params: renameParams(this.#profile, op.key, live, false) as Params };
  }

  #asNusoap(op: ProfileOperation, params: Params, xml: string): Params {
    const nils = new Set([...xml.matchAll(/<([\w.-]+)\b[^>]*\bxsi:nil="(?:true|1)"/g)].map((m) => m[1] as string));
    const latin1 = this.#options.encoding === 'ISO-8859-1';
    const value = (name: string, type: ParamType | XsdScalar | undefined, raw: string): string => {
      if (raw === '' && (type === 'decimal' || type === 'int') && !nils.has(name)) return '0';
      return latin1 ? raw.replace(/[\u0100-\u{10FFFF}]/gu, '?') : raw;
    };
    const types = new Map<string, ParamType>(op.input.map((p) => [p.name, p.type]));
    const out: Params = {};
    for (const [name, raw] of Object.entries(params)) {
      const type = types.get(name);
      if (typeof raw === 'string') out[name] = value(name, type, raw);
      else {
        const arrayOf = type && typeof type === 'object' && 'arrayOf' in type ? type.arrayOf : undefined;
        const fieldTypes = new Map<string, unknown>((this.#profile.structs.find((st) => st.name === arrayOf)?.fields ?? []).map((f) => [f.name, f.type]));
        out[name] = raw.map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, value(k, fieldTypes.get(k) as XsdScalar | undefined, v)])));
      }
    }
    return out;
  }

  #dispatch(op: ProfileOperation, p: Params, ip: string): Answer {
    const operation = op.name;
    const { allowedIps, user, password, clientPath } = this.#options;
    if (allowedIps && !allowedIps.includes(ip)) return { kind: 'fault', faultstring: MESSAGES.ipNotAllowed(clientPath, ip) };
    if (p.usuario !== user || p.senha !== password) return { kind: 'fault', faultstring: MESSAGES.authFailed };
    const cnpj = str(p.cnpj_empresa).replace(/\D+/g, '');
    if (!isValidCnpj(cnpj) || (this.#options.integrationCnpjs && !this.#options.integrationCnpjs.includes(cnpj)))
      return this.#error(operation, '', RESULT_CODES.cnpjInvalid, MESSAGES.cnpjInvalid);
    switch (op.key) {
      case 'validateCnpj':
        return ok('CNPJ VALIDO', '');
      case 'upsertClient':
        return this.#upsertClient(operation, p);
      case 'upsertSpouse':
        return this.#upsertSpouse(operation, p);
      case 'upsertContract':
        return this.#upsertContract(operation, p);
      case 'upsertOccurrence':
        return this.#upsertOccurrence(operation, p);
      case 'addNarrative':
        return this.#addNarrative(operation, p);
      case 'closeOccurrence':
        return this.#closeOccurrence(operation, p);
      case 'occurrenceOrigin':
        return this.#origin(operation, p);
      case 'integrationLog':
        return this.#integrationLog(p);
      default:
        return this.#presales(op.key, operation, p) ?? { kind: 'fault', faultstring: `Operation ${operation} is not implemented by the sandbox`, server: true };
    }
  }

  #required(operation: string, p: Params, ...names: string[]): Answer | undefined {
    for (const name of names)
      if (!str(p[name]).trim()) return this.#error(operation, str(p.id_integracao), RESULT_CODES.validation, MESSAGES.missingField(name));
    return undefined;
  }

  #upsertClient(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao', 'nome', 'cpf_cnpj');
    if (missing) return missing;
    const id = str(p.id_integracao);
    const document = str(p.cpf_cnpj).replace(/\D+/g, '');
    const holder = this.#byDocument.get(document);
    if (holder && holder !== id) return this.#error(operation, id, RESULT_CODES.duplicateDocument, MESSAGES.duplicateDocument(holder));
    const spouseId = str(p.id_integracao_conjuge);
    if (spouseId && !this.#spouses.has(spouseId)) return this.#error(operation, id, RESULT_CODES.spouseWithoutId, MESSAGES.spouseWithoutId);
    // A prospect converted into a client stays one record: same integration id, same CRM id.
    const converted = this.#desk.convert(id);
    if (converted && !this.#clients.has(id)) this.#clients.set(id, converted);
    const previous = this.#clients.get(id);
    if (previous) {
      const oldDocument = str(previous.fields.cpf_cnpj).replace(/\D+/g, '');
      if (oldDocument !== document) this.#byDocument.delete(oldDocument);
    }
    const record = this.#upsert(this.#clients, id, p, {});
    this.#byDocument.set(document, id);
    return this.#ok(operation, id, previous ? 'CLIENTE ALTERADO' : 'CLIENTE INCLUIDO', record.crmId);
  }

  #upsertSpouse(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao', 'id_integracao_cliente', 'nome');
    if (missing) return missing;
    const id = str(p.id_integracao);
    // The manual's "no duplicate CPF" holds across clients and spouses (one map of documents for both).
    const document = str(p.cpf).replace(/\D+/g, '');
    const holder = document ? this.#byDocument.get(document) : undefined;
    if (holder && holder !== id) return this.#error(operation, id, RESULT_CODES.duplicateDocument, MESSAGES.duplicateDocument(holder));
    const previous = this.#spouses.get(id);
    const oldDocument = str(previous?.fields.cpf).replace(/\D+/g, '');
    if (oldDocument && oldDocument !== document) this.#byDocument.delete(oldDocument);
    const record = this.#upsert(this.#spouses, id, p, {});
    if (document) this.#byDocument.set(document, id);
    return this.#ok(operation, id, previous ? 'CONJUGE ALTERADO' : 'CONJUGE INCLUIDO', record.crmId);
  }

  #upsertContract(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao', 'numero', 'id_empreendimento');
    if (missing) return missing;
    const id = str(p.id_integracao);
    const buyers = Array.isArray(p.compradores) ? p.compradores : [];
    if (buyers.length === 0) return this.#error(operation, id, RESULT_CODES.validation, MESSAGES.missingField('compradores'));
    for (const buyer of buyers) {
      const clientId = buyer.id_integracao_cliente ?? '';
      if (!this.#clients.has(clientId)) return this.#error(operation, id, RESULT_CODES.notFound, MESSAGES.clientNotFound(clientId));
    }
    const existed = this.#contracts.has(id);
    const record = this.#upsert(this.#contracts, id, p, { buyers });
    return this.#ok(operation, id, existed ? 'CONTRATO ALTERADO' : 'CONTRATO INCLUIDO', record.crmId);
  }

  #upsertOccurrence(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao', 'id_integracao_contrato', 'situacao');
    if (missing) return missing;
    const id = str(p.id_integracao);
    const status = str(p.situacao);
    if (status !== 'ABERTA' && status !== 'FECHADA') return this.#error(operation, id, RESULT_CODES.validation, MESSAGES.invalidValue('situacao'));
    const contractId = str(p.id_integracao_contrato);
    if (!this.#contracts.has(contractId)) return this.#error(operation, id, RESULT_CODES.notFound, MESSAGES.contractNotFound(contractId));
    const previous = this.#occurrences.get(id);
    const record = this.#upsert(this.#occurrences, id, p, {
      status,
      origin: previous?.origin ?? 'INTEGRACAO',
      narratives: previous?.narratives ?? [],
      flowClosed: previous?.flowClosed ?? false,
    });
    return this.#ok(operation, id, previous ? 'OCORRENCIA ALTERADA' : 'OCORRENCIA INCLUIDA', record.crmId);
  }

  #addNarrative(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao_ocorrencia', 'texto');
    if (missing) return missing;
    const id = str(p.id_integracao_ocorrencia);
    const occurrence = this.#occurrences.get(id);
    if (!occurrence) return this.#error(operation, id, RESULT_CODES.notFound, MESSAGES.occurrenceNotFound(id));
    // One narrative per integration id (a GUESS of the live CRM, see crm-client's profile): a repeat writes nothing.
    const key = str(p.id_integracao_narrativa);
    const earlier = key ? occurrence.narratives.find((n) => n.key === key) : undefined;
    if (earlier) return this.#ok(operation, id, 'NARRATIVA JA INCLUIDA', earlier.crmId);
    const narrative: SandboxNarrative = {
      crmId: String(this.#nextId++),
      text: str(p.texto),
      at: str(p.data) || this.#options.now().toISOString(),
      ...(key ? { key } : {}),
    };
    this.#occurrences.set(id, { ...occurrence, narratives: [...occurrence.narratives, narrative] });
    return this.#ok(operation, id, 'NARRATIVA INCLUIDA', narrative.crmId);
  }

  #closeOccurrence(operation: string, p: Params): Answer {
    const missing = this.#required(operation, p, 'id_integracao_ocorrencia', 'motivo');
    if (missing) return missing;
    const id = str(p.id_integracao_ocorrencia);
    const occurrence = this.#occurrences.get(id);
    if (!occurrence) return this.#error(operation, id, RESULT_CODES.notFound, MESSAGES.occurrenceNotFound(id));
    const flowClosed = str(p.encerrar_fluxo) === 'true';
    this.#occurrences.set(id, { ...occurrence, status: 'FECHADA', closeReason: str(p.motivo), flowClosed: occurrence.flowClosed || flowClosed });
    return this.#ok(operation, id, flowClosed ? 'OCORRENCIA E FLUXO ENCERRADOS' : 'OCORRENCIA ENCERRADA', occurrence.crmId);
  }

  #origin(operation: string, p: Params): Answer {
    const id = str(p.id_integracao_ocorrencia);
    const occurrence = this.#occurrences.get(id);
    if (!occurrence) return this.#error(operation, id, RESULT_CODES.notFound, MESSAGES.occurrenceNotFound(id), 'RetornoOrigem', { origem: '' });
    return { kind: 'result', type: 'RetornoOrigem', fields: { status: 'OK', codigo: 0, mensagem: '', id_crm: occurrence.crmId, origem: occurrence.origin } };
  }

  #integrationLog(p: Params): Answer {
    const id = str(p.id_integracao);
    const entity = str(p.entidade);
    const items = this.#log
      .filter((e) => e.key === id && (!entity || e.entity === entity))
      .map((e) => ({ data: e.at, entidade: e.entity, id_integracao: e.key, operacao: e.operation, status: e.status, mensagem: e.message }));
    return { kind: 'result', type: 'RetornoLog', fields: { status: 'OK', codigo: 0, mensagem: '', registros: { itemType: 'LogIntegracao', items } } };
  }

  #presales(key: OperationKey, operation: string, p: Params): Answer | undefined {
    const reply = this.#desk.handle(key, p);
    if (!reply) return undefined;
    this.#record(operation, reply.key, reply.ok ? 'OK' : 'ERRO', reply.message);
    return {
      kind: 'result',
      type: reply.type,
      fields: { status: reply.ok ? 'OK' : 'ERRO', codigo: reply.code, mensagem: reply.message, id_crm: reply.crmId, ...reply.extra },
    };
  }

  #upsert<T extends SandboxRecord>(store: Store<T>, id: string, p: Params, extra: Omit<T, keyof SandboxRecord>): T {
    const now = this.#options.now().toISOString();
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (typeof v === 'string' && k !== 'senha' && k !== 'usuario') fields[k] = v;
    const previous = store.get(id);
    const record = {
      ...(previous ?? {}),
      crmId: previous?.crmId ?? String(this.#nextId++),
      integrationId: id,
      fields,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      writes: (previous?.writes ?? 0) + 1,
      ...extra,
    } as T;
    store.set(id, record);
    return record;
  }

  #ok(operation: string, key: string, message: string, crmId: string): Answer {
    this.#record(operation, key, 'OK', message);
    return { kind: 'result', type: 'RetornoIntegracao', fields: { status: 'OK', codigo: RESULT_CODES.ok, mensagem: message, id_crm: crmId } };
  }

  #error(operation: string, key: string, codigo: number, mensagem: string, type = 'RetornoIntegracao', extra: Record<string, string> = {}): Answer {
    this.#record(operation, key, 'ERRO', mensagem);
    return { kind: 'result', type, fields: { status: 'ERRO', codigo, mensagem, id_crm: '', ...extra } };
  }

  #record(operation: string, key: string, status: 'OK' | 'ERRO', message: string): void {
    if (!key) return;
    const entity = operation.replace(/^(IncluirAlterar|Incluir|Encerrar|Consultar)/, '').toLowerCase();
    this.#log.push({ at: this.#options.now().toISOString(), entity, key, operation, status, message });
    if (this.#log.length > LOG_LIMIT) this.#log = this.#log.slice(-LOG_LIMIT / 2);
  }

  /** The request body, or undefined after answering 413 when it exceeds maxRequestBytes (the read stops there). */
  async #readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.#maxRequestBytes;
    const tooLarge = (): undefined => {
      res.setHeader('Connection', 'close');
      this.#send(res, 413, 'text/plain', `Request body larger than ${limit} bytes`, 'UTF-8');
      req.pause();
      const socket = req.socket;
      res.once('finish', () => socket?.destroy());
      return undefined;
    };
    if (Number(req.headers['content-length']) > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return tooLarge();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  #send(res: ServerResponse, status: number, type: string, text: string, charset: 'ISO-8859-1' | 'UTF-8'): void {
    const buffer = Buffer.from(text, charset === 'ISO-8859-1' ? 'latin1' : 'utf8');
    res.writeHead(status, { 'Content-Type': `${type}; charset=${charset}`, 'Content-Length': buffer.length });
    res.end(buffer);
  }
}

function ok(mensagem: string, idCrm: string): Answer {
  return { kind: 'result', type: 'RetornoIntegracao', fields: { status: 'OK', codigo: RESULT_CODES.ok, mensagem, id_crm: idCrm } };
}

function str(value: Params[string] | undefined): string {
  return typeof value === 'string' ? value : '';
}

const CAPACITY_FIELDS = ['workers', 'serviceMs', 'jitter', 'queueLimit', 'rttMs', 'down', 'downForMs'];

/** A capacity change given over HTTP: known fields with the right types (ranges are checked by the model). */
function parseCapacity(value: unknown): Partial<CapacityOptions> & { downForMs?: number } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('capacity must be a JSON object');
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !CAPACITY_FIELDS.includes(k));
  if (unknown.length > 0) throw new TypeError(`unknown field(s) ${unknown.join(', ')}; allowed: ${CAPACITY_FIELDS.join(', ')}`);
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'down' ? typeof v !== 'boolean' : !(typeof v === 'number' && Number.isFinite(v)))
      throw new TypeError(`${k} must be a ${k === 'down' ? 'boolean' : 'number'}`);
  }
  return fields as Partial<CapacityOptions> & { downForMs?: number };
}

function serverName(req: IncomingMessage): string {
  return (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
}

function remoteIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The request text by its declared charset: Content-Type first, else the XML declaration (as PHP's SOAP server reads it). */
function decodeRequest(body: Buffer, contentType: string | undefined): string {
  const charset =
    /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1] ?? /^<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(body.subarray(0, 100).toString('latin1'))?.[1];
  return new TextDecoder(charset && /^(iso-8859-1|latin1)$/i.test(charset) ? 'latin1' : 'utf-8').decode(body);
}
