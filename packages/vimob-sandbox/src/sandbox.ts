import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MegaCrmError } from '@mega-crm/core';
import { seededRandom } from '@mega-crm/core/internal';
import {
  fromWireProspect,
  signWebhook,
  toWireEvent,
  toWireProposal,
  toWireProspect,
  VIMOB_ERROR_CODES,
  VIMOB_HEADERS,
  VIMOB_PATHS,
  type VimobEvent,
  WireGateDecisionSchema,
  WireProspectSchema,
} from '@mega-crm/vimob-adapter';
import { InMemoryVimob } from '@mega-crm/vimob-adapter/testing';
import type { z } from 'zod';

export interface VimobSandboxOptions {
  /** Accepted API token and company code. Default `sandbox-token` / `demo`. */
  readonly token?: string;
  readonly company?: string;
  /** Where status events are delivered (the host's webhook URL); can be set later. */
  readonly webhookUrl?: string;
  /** Shared secret that signs the webhooks. Default `sandbox-secret`. */
  readonly webhookSecret?: string;
  readonly faults?: VimobSandboxFaults;
  /** Seed of the fault dice, for repeatable runs. */
  readonly seed?: number;
  readonly now?: () => Date;
}

/** Fault injection on the API (not on webhook delivery). */
export interface VimobSandboxFaults {
  /** Extra latency per API call, in ms: fixed or [min, max]. */
  readonly latencyMs?: number | readonly [number, number];
  /** Share of API calls answered HTTP 503 (nothing applied). */
  readonly http5xxRate?: number;
  /** Share of API calls whose connection is dropped (nothing applied). */
  readonly resetRate?: number;
}

export interface Delivery {
  readonly event: VimobEvent;
  readonly status: number;
  readonly body: string;
}

const MAX_BODY = 1024 * 1024;
const DELIVERY_LOG_LIMIT = 100_000;

/**
 * A local Vimob: the adapter's profile (a reconstruction, Vimob's API is not public) served over
 * HTTP on the state of `InMemoryVimob`, with state inspection (`vimob`, `GET /__sandbox/state`),
 * fault injection (`setFaults`, `POST /__sandbox/faults`) and status events fired at a webhook URL,
 * signed like Vimob would (`advance`, `deliver`, `replay`).
 */
export class VimobSandbox {
  /** The state behind the API: inspect it, or act as a Vimob user (register prospects, open proposals). */
  readonly vimob: InMemoryVimob;
  readonly #token: string;
  readonly #company: string;
  readonly #secret: string;
  readonly #random: () => number;
  readonly #now: () => Date;
  #faults: VimobSandboxFaults;
  #webhookUrl: string | undefined;
  #deliveries: Delivery[] = [];
  readonly #pending = new Map<string, Extract<VimobEvent, { kind: 'proposal-status' }>>();
  #requests = 0;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  #server: Server | undefined;
  #url = '';

  constructor(options: VimobSandboxOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.vimob = new InMemoryVimob({ now: this.#now });
    this.#token = options.token ?? 'sandbox-token';
    this.#company = options.company ?? 'demo';
    this.#secret = options.webhookSecret ?? 'sandbox-secret';
    this.#faults = options.faults ?? {};
    this.#webhookUrl = options.webhookUrl;
    this.#random = seededRandom(options.seed ?? 1);
  }

  get url(): string {
    if (!this.#url) throw new Error('VimobSandbox is not started');
    return this.#url;
  }

  /** Options for `new HttpVimobGateway(...)` pointing at this sandbox. */
  get gatewayOptions(): { baseUrl: string; token: string; company: string } {
    return { baseUrl: this.url, token: this.#token, company: this.#company };
  }

  get requests(): number {
    return this.#requests;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ erro: { codigo: 'ERRO_INTERNO', mensagem: String(error) } }));
      });
    });
    server.keepAliveTimeout = 30_000;
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
    this.#agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setFaults(faults: VimobSandboxFaults): void {
    this.#faults = faults;
  }

  setWebhook(url: string): void {
    this.#webhookUrl = url;
  }

  /** Every webhook delivery so far, oldest first. */
  deliveries(): readonly Delivery[] {
    return this.#deliveries;
  }

  /**
   * A broker moves the proposal to `status` in Vimob: the event goes to the webhook, and the status
   * is applied only if the CRM side accepts it (a gated status may be refused with 409).
   */
  async advance(proposalId: string, status: string): Promise<Delivery & { readonly applied: boolean }> {
    const next = this.vimob.nextStatusEvent(proposalId, status);
    // A refused status asked again is the same event (same id, same timestamp).
    const pending = this.#pending.get(proposalId);
    const event = pending?.id === next.id ? pending : next;
    const delivery = await this.deliver(event);
    const applied = delivery.status >= 200 && delivery.status < 300;
    if (applied) {
      this.vimob.commitStatus(event);
      this.#pending.delete(proposalId);
    } else this.#pending.set(proposalId, event);
    return { ...delivery, applied };
  }

  /** Signs and POSTs one event to the webhook URL. */
  async deliver(event: VimobEvent, url = this.#webhookUrl): Promise<Delivery> {
    if (!url) throw new Error('VimobSandbox: no webhook URL (pass webhookUrl or call setWebhook)');
    const body = JSON.stringify(toWireEvent(event));
    const res = await post(url, body, { 'content-type': 'application/json', ...signWebhook(this.#secret, body, this.#now()) }, this.#agent);
    const delivery = { event, ...res };
    this.#deliveries.push(delivery);
    if (this.#deliveries.length > DELIVERY_LOG_LIMIT) this.#deliveries = this.#deliveries.slice(-DELIVERY_LOG_LIMIT / 2);
    return delivery;
  }

  /** Delivers again every event delivered so far, `times` times each, shuffled when asked (seeded). */
  async replay(options: { times?: number; shuffle?: boolean } = {}): Promise<Delivery[]> {
    const events = this.#deliveries.map((d) => d.event);
    const all = Array.from({ length: options.times ?? 1 }, () => events).flat();
    if (options.shuffle) {
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(this.#random() * (i + 1));
        [all[i], all[j]] = [all[j] as VimobEvent, all[i] as VimobEvent];
      }
    }
    const out: Delivery[] = [];
    for (const event of all) out.push(await this.deliver(event));
    return out;
  }

  reset(): void {
    this.vimob.reset();
    this.#deliveries = [];
    this.#pending.clear();
    this.#requests = 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const path = target.replace(/\?.*$/, '');
    if (path === '/__sandbox/state' && req.method === 'GET') return send(res, 200, { ...this.vimob.state(), requests: this.#requests });
    if (path === '/__sandbox/faults' && req.method === 'POST') {
      this.setFaults(JSON.parse(await readBody(req)) as VimobSandboxFaults);
      return send(res, 204);
    }
    this.#requests++;
    const fault = this.#plan();
    if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.kind === 'reset') return void res.socket?.destroy();
    if (fault.kind === 'http5xx') return send(res, 503, { erro: { codigo: 'INDISPONIVEL', mensagem: 'Serviço temporariamente indisponível' } });
    if (req.headers[VIMOB_HEADERS.authorization] !== `Bearer ${this.#token}` || req.headers[VIMOB_HEADERS.company] !== this.#company)
      return send(res, 401, { erro: { codigo: VIMOB_ERROR_CODES.unauthorized, mensagem: 'Token ou empresa inválidos' } });
    let body: string;
    try {
      body = req.method === 'GET' ? '' : await readBody(req);
    } catch {
      return send(res, 413, { erro: { codigo: VIMOB_ERROR_CODES.invalid, mensagem: 'Corpo maior que 1 MB' } });
    }
    try {
      return await this.#route(req.method ?? 'GET', target, body, res);
    } catch (error) {
      if (!MegaCrmError.is(error)) throw error;
      if (error.code === 'DUPLICATE_CPF') {
        const existing = String(error.details.existingId ?? '');
        return send(res, 409, { erro: { codigo: VIMOB_ERROR_CODES.duplicateDocument, mensagem: 'CPF/CNPJ já cadastrado', idExistente: existing } });
      }
      const status = Number(error.details.status ?? 422);
      return send(res, status, { erro: { codigo: String(error.details.vimobCode ?? VIMOB_ERROR_CODES.invalid), mensagem: error.summary } });
    }
  }

  async #route(method: string, target: string, body: string, res: ServerResponse): Promise<void> {
    const byDocument = match(VIMOB_PATHS.prospectsByDocument, target);
    if (byDocument !== undefined && method === 'GET') {
      const found = await this.vimob.findProspectByDocument(byDocument);
      return send(res, 200, found ? [toWireProspect(found)] : []);
    }
    if (target === VIMOB_PATHS.prospects && method === 'POST') {
      const wire = parseWith(WireProspectSchema, body);
      if (!wire.ok) return send(res, 422, wire.error);
      return send(res, 201, toWireProspect(await this.vimob.createProspect(fromWireProspect(wire.value))));
    }
    const decision = match(VIMOB_PATHS.gateDecision, target);
    if (decision !== undefined && method === 'POST') {
      const wire = parseWith(WireGateDecisionSchema, body);
      if (!wire.ok) return send(res, 422, wire.error);
      const { status, permitido, etapaBpo, situacaoEtapa, motivo } = wire.value;
      await this.vimob.reportGateDecision({
        proposalId: decision,
        status,
        allowed: permitido,
        ...(etapaBpo ? { step: etapaBpo } : {}),
        ...(situacaoEtapa ? { stepState: situacaoEtapa } : {}),
        reason: motivo,
      });
      return send(res, 204);
    }
    const prospectId = match(VIMOB_PATHS.prospect, target);
    if (prospectId !== undefined && method === 'GET') {
      const found = await this.vimob.findProspect(prospectId);
      return found ? send(res, 200, toWireProspect(found)) : notFound(res, `prospect ${prospectId}`);
    }
    if (prospectId !== undefined && method === 'PUT') {
      const wire = parseWith(WireProspectSchema, body);
      if (!wire.ok) return send(res, 422, wire.error);
      if (wire.value.id !== prospectId) return send(res, 422, { erro: { codigo: VIMOB_ERROR_CODES.invalid, mensagem: 'id do corpo difere do caminho' } });
      return send(res, 200, toWireProspect(await this.vimob.updateProspect(fromWireProspect(wire.value))));
    }
    const proposalId = match(VIMOB_PATHS.proposal, target);
    if (proposalId !== undefined && method === 'GET') {
      const found = await this.vimob.getProposal(proposalId);
      return found ? send(res, 200, toWireProposal(found)) : notFound(res, `proposal ${proposalId}`);
    }
    return notFound(res, `${method} ${target.replace(/\?.*$/, '')}`);
  }

  #plan(): { kind: 'reset' | 'http5xx' | undefined; delayMs: number } {
    const { latencyMs, http5xxRate = 0, resetRate = 0 } = this.#faults;
    const roll = this.#random();
    const kind = roll < resetRate ? 'reset' : roll < resetRate + http5xxRate ? 'http5xx' : undefined;
    const delayMs = typeof latencyMs === 'number' ? latencyMs : latencyMs ? latencyMs[0] + this.#random() * (latencyMs[1] - latencyMs[0]) : 0;
    return { kind, delayMs };
  }
}

/** The id inside a profile path, for a path built by `template(id)`; `undefined` when it is not one. */
function match(template: (id: string) => string, target: string): string | undefined {
  const [prefix = '', suffix = ''] = template('\u0000').split('%00');
  if (!target.startsWith(prefix) || !target.endsWith(suffix) || target.length <= prefix.length + suffix.length) return undefined;
  const inner = target.slice(prefix.length, target.length - suffix.length);
  return inner.includes('/') || inner.includes('?') ? undefined : decodeURIComponent(inner);
}

function parseWith<S extends z.ZodType>(schema: S, body: string): { ok: true; value: z.output<S> } | { ok: false; error: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: { erro: { codigo: VIMOB_ERROR_CODES.invalid, mensagem: 'JSON inválido' } } };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const mensagem = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  return { ok: false, error: { erro: { codigo: VIMOB_ERROR_CODES.invalid, mensagem } } };
}

/** A keep-alive POST with a 10 s deadline (webhook delivery). */
function post(url: string, body: string, headers: Record<string, string>, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, timeout: 10_000 });
    req.on('timeout', () => req.destroy(new Error(`webhook ${url} did not answer within 10 s`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });
}

function notFound(res: ServerResponse, what: string): void {
  send(res, 404, { erro: { codigo: VIMOB_ERROR_CODES.notFound, mensagem: `${what} não encontrado` } });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
