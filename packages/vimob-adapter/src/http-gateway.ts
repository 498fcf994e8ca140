/**
 * `VimobGateway` over JSON/HTTP(S), with the names of profile.ts. Each call has one deadline for the
 * whole exchange (headers and body), a bounded response body, and retries with backoff and jitter
 * (p-retry) on retryable errors only: timeouts, resets, 429 and 5xx. The token never leaves the
 * request headers: not in errors, hooks or `config`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { MegaCrmError } from '@mega-crm/core';
import pRetry from 'p-retry';
import { z } from 'zod';
import { duplicateProspectDocument, optionsInvalid, type VimobCallContext, vimobHttpError, vimobMalformed, vimobTransportError } from './errors.js';
import type { VimobGateway } from './gateway.js';
import {
  fromWireProposal,
  fromWireProspect,
  toWireGateDecision,
  toWireProspect,
  VIMOB_ERROR_CODES,
  VIMOB_HEADERS,
  VIMOB_PATHS,
  WireErrorSchema,
  WireProposalSchema,
  WireProspectSchema,
} from './profile.js';
import type { GateDecision, VimobProposal, VimobProspect } from './types.js';

export const HttpVimobGatewayOptionsSchema = z
  .object({
    /** The company's Vimob base URL, e.g. `https://empresa.vimob.com.br`. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** API token (sent as `Authorization: Bearer …`). */
    token: z.string().min(1),
    /** The company (tenant) code in Vimob. */
    company: z.string().min(1),
    /** Deadline for one call, response body included. */
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
    /** Largest response body accepted. */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** Retries of a retryable failure (timeouts, resets, 429, 5xx). */
    retries: z.number().int().min(0).max(10).default(3),
    minRetryDelayMs: z.number().int().min(0).max(60_000).default(100),
    /** Connections kept open to Vimob (keep-alive). */
    maxSockets: z.number().int().positive().max(256).default(16),
    /** Your own `http.Agent`/`https.Agent` (proxy, TLS settings); then `maxSockets` is yours to set. */
    agent: z.custom<HttpAgent>((v) => v instanceof HttpAgent).optional(),
  })
  .strict();
export type HttpVimobGatewayOptions = z.input<typeof HttpVimobGatewayOptionsSchema>;
export type ResolvedHttpVimobGatewayOptions = z.output<typeof HttpVimobGatewayOptionsSchema>;

/** Validates once, applies defaults, never mutates the caller's object. Unknown keys are named. */
export function resolveHttpVimobGatewayOptions(input: HttpVimobGatewayOptions): ResolvedHttpVimobGatewayOptions {
  const parsed = HttpVimobGatewayOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const allowed = Object.keys(HttpVimobGatewayOptionsSchema.shape).join(', ');
  const problems = parsed.error.issues
    .map((i) => (i.code === 'unrecognized_keys' ? `unknown option(s) ${i.keys.join(', ')} (allowed: ${allowed})` : `${i.path.join('.')}: ${i.message}`))
    .join('; ');
  throw optionsInvalid('HttpVimobGateway', problems);
}

class BodyTooLarge extends Error {}

export class HttpVimobGateway implements VimobGateway {
  /** The resolved options without the token. */
  readonly config: Readonly<Omit<ResolvedHttpVimobGatewayOptions, 'token' | 'agent'>>;
  readonly #headers: Record<string, string>;
  readonly #agent: HttpAgent;
  readonly #ownAgent: boolean;
  readonly #base: string;

  constructor(options: HttpVimobGatewayOptions) {
    const { token, agent, ...rest } = resolveHttpVimobGatewayOptions(options);
    this.config = rest;
    this.#base = rest.baseUrl.replace(/\/+$/, '');
    const https = this.#base.startsWith('https:');
    this.#ownAgent = agent === undefined;
    this.#agent = agent ?? new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: rest.maxSockets });
    this.#headers = {
      [VIMOB_HEADERS.authorization]: `Bearer ${token}`,
      [VIMOB_HEADERS.company]: rest.company,
      accept: 'application/json',
    };
  }

  async createProspect(prospect: VimobProspect): Promise<VimobProspect> {
    const body = await this.#request('createProspect', 'POST', VIMOB_PATHS.prospects, toWireProspect(prospect), prospect.id);
    return fromWireProspect(this.#parse('createProspect', WireProspectSchema, body));
  }

  async updateProspect(prospect: VimobProspect): Promise<VimobProspect> {
    const body = await this.#request('updateProspect', 'PUT', VIMOB_PATHS.prospect(prospect.id), toWireProspect(prospect), prospect.id);
    return fromWireProspect(this.#parse('updateProspect', WireProspectSchema, body));
  }

  async findProspect(id: string): Promise<VimobProspect | undefined> {
    const body = await this.#request('findProspect', 'GET', VIMOB_PATHS.prospect(id), undefined, id, true);
    return body === undefined ? undefined : fromWireProspect(this.#parse('findProspect', WireProspectSchema, body));
  }

  async findProspectByDocument(document: string): Promise<VimobProspect | undefined> {
    const body = await this.#request('findProspectByDocument', 'GET', VIMOB_PATHS.prospectsByDocument(document.replace(/\D+/g, '')), undefined, '');
    const list = this.#parse('findProspectByDocument', z.array(WireProspectSchema).max(100), body);
    const [first] = list;
    return first ? fromWireProspect(first) : undefined;
  }

  async getProposal(id: string): Promise<VimobProposal | undefined> {
    const body = await this.#request('getProposal', 'GET', VIMOB_PATHS.proposal(id), undefined, id, true);
    return body === undefined ? undefined : fromWireProposal(this.#parse('getProposal', WireProposalSchema, body));
  }

  async reportGateDecision(decision: GateDecision): Promise<void> {
    await this.#request('reportGateDecision', 'POST', VIMOB_PATHS.gateDecision(decision.proposalId), toWireGateDecision(decision), decision.proposalId);
  }

  /** Closes the kept-alive connections (not those of an agent you passed). */
  close(): void {
    if (this.#ownAgent) this.#agent.destroy();
  }

  #parse<S extends z.ZodType>(operation: string, schema: S, body: unknown): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw vimobMalformed(`the body does not match the profile (${where})`, this.#context(operation, ''));
  }

  #context(operation: string, url: string): VimobCallContext {
    return { operation, url, timeoutMs: this.config.timeoutMs };
  }

  /** One call with retries; `undefined` for a 404 when `notFoundIsEmpty`. */
  async #request(operation: string, method: string, path: string, payload: unknown, subjectId: string, notFoundIsEmpty = false): Promise<unknown> {
    const url = `${this.#base}${path}`;
    const context = this.#context(operation, url.replace(/\?.*$/, ''));
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    return pRetry(
      async () => {
        let res: { status: number; text: string };
        try {
          res = await exchange(url, method, headers, body, this.#agent, this.config.timeoutMs, this.config.maxResponseBytes);
        } catch (error) {
          if (error instanceof BodyTooLarge) throw vimobMalformed(`the response body exceeds ${this.config.maxResponseBytes} bytes`, context);
          throw vimobTransportError(error, context);
        }
        if (res.status === 404 && notFoundIsEmpty) return undefined;
        if (res.status === 204) return null;
        const { text } = res;
        const json = parseJson(text);
        if (res.status >= 200 && res.status < 300) {
          if (json === NOT_JSON) throw vimobMalformed(`HTTP ${res.status} with a body that is not JSON`, context);
          return json;
        }
        const wire = WireErrorSchema.safeParse(json);
        if (wire.success && wire.data.erro.codigo === VIMOB_ERROR_CODES.duplicateDocument && wire.data.erro.idExistente)
          throw duplicateProspectDocument(subjectId, wire.data.erro.idExistente, 'Vimob');
        throw vimobHttpError(res.status, text, context, wire.success ? wire.data.erro : undefined);
      },
      {
        retries: this.config.retries,
        minTimeout: this.config.minRetryDelayMs,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => MegaCrmError.is(error) && error.retryable,
      },
    );
  }
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  if (text === '') return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * One HTTP exchange with one deadline for all of it (connect, headers, body) and a body bound,
 * enforced while streaming; failures reject the promise, never throw from a callback.
 */
function exchange(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  agent: HttpAgent,
  timeoutMs: number,
  limit: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      if (Number(res.headers['content-length'] ?? 0) > limit) return req.destroy(new BodyTooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) req.destroy(new BodyTooLarge());
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}
