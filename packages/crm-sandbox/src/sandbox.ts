import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidCnpj } from '@mega-crm/core';
import { XMLParser } from 'fast-xml-parser';
import { faultEnvelope, type ResultValue, resultEnvelope } from './envelope.js';
import { MESSAGES, RESULT_CODES } from './messages.js';
import { OPERATIONS, RESULT_TYPE } from './operations.js';
import type { SandboxClient, SandboxState } from './state.js';
import { nusoapNamespace, renderWsdl } from './wsdl.js';

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
}

type Params = Record<string, string>;
type Answer = { kind: 'result'; fields: Record<string, ResultValue> } | { kind: 'fault'; faultstring: string };

const KNOWN_OPERATIONS = new Set(OPERATIONS.map((op) => op.name));

/** A local stand-in for the Multidados CRM's WebServicesMultidados (see operations.ts: a reconstruction). */
export class CrmSandbox {
  readonly #options: Required<Omit<CrmSandboxOptions, 'allowedIps'>> & { allowedIps?: readonly string[] };
  readonly #parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, processEntities: true, htmlEntities: false });
  readonly #clients = new Map<string, SandboxClient>();
  readonly #byDocument = new Map<string, string>();
  readonly #requestsByOperation: Record<string, number> = {};
  #requests = 0;
  #nextId = 1;
  #server: Server | undefined;
  #url = '';

  constructor(options: CrmSandboxOptions = {}) {
    this.#options = {
      clientPath: options.clientPath ?? 'demo',
      user: options.user ?? 'integra.mega',
      password: options.password ?? 'sandbox',
      encoding: options.encoding ?? 'ISO-8859-1',
      ...(options.allowedIps ? { allowedIps: options.allowedIps } : {}),
    };
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

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    const address = server.address() as AddressInfo;
    this.#server = server;
    this.#url = `http://${host}:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  state(): SandboxState {
    return { clients: [...this.#clients.values()], requests: this.#requests, requestsByOperation: { ...this.#requestsByOperation } };
  }

  client(integrationId: string): SandboxClient | undefined {
    return this.#clients.get(integrationId);
  }

  reset(): void {
    this.#clients.clear();
    this.#byDocument.clear();
    this.#requests = 0;
    this.#nextId = 1;
    for (const key of Object.keys(this.#requestsByOperation)) delete this.#requestsByOperation[key];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (req.method === 'GET' && url.pathname === '/__sandbox/state') {
      return this.#send(res, 200, 'application/json', JSON.stringify(this.state()), 'UTF-8');
    }
    if (url.pathname !== this.path) return this.#send(res, 404, 'text/html', '<html><body>Not Found</body></html>', 'UTF-8');
    const serverName = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
    const endpoint = `http://${req.headers.host ?? '127.0.0.1'}${this.path}`;
    if (req.method === 'GET' && url.searchParams.has('wsdl')) {
      return this.#send(res, 200, 'text/xml', renderWsdl({ serverName, endpoint }), this.#options.encoding);
    }
    if (req.method !== 'POST') return this.#send(res, 405, 'text/html', '<html><body>Method Not Allowed</body></html>', 'UTF-8');

    const body = await readBody(req);
    const charset = /charset="?([\w-]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
    const xml = new TextDecoder(charset === 'iso-8859-1' ? 'latin1' : 'utf-8').decode(body);
    const call = this.#parseCall(xml);
    const charsetOut = this.#options.encoding;
    if (!call) return this.#send(res, 500, 'text/xml', faultEnvelope('SOAP-ENV:Client', 'Operation not found in request', charsetOut), charsetOut);

    this.#requests++;
    this.#requestsByOperation[call.operation] = (this.#requestsByOperation[call.operation] ?? 0) + 1;
    const answer = this.#dispatch(call.operation, call.params, remoteIp(req));
    if (answer.kind === 'fault') return this.#send(res, 500, 'text/xml', faultEnvelope('SOAP-ENV:Client', answer.faultstring, charsetOut), charsetOut);
    const namespace = nusoapNamespace(serverName);
    return this.#send(res, 200, 'text/xml', resultEnvelope(call.operation, namespace, RESULT_TYPE.name, answer.fields, charsetOut), charsetOut);
  }

  #parseCall(xml: string): { operation: string; params: Params } | undefined {
    const doc = this.#parser.parse(xml) as { Envelope?: { Body?: Record<string, unknown> } };
    const bodyEl = doc.Envelope?.Body;
    if (!bodyEl || typeof bodyEl !== 'object') return undefined;
    const [operation, raw] = Object.entries(bodyEl)[0] ?? [];
    if (!operation || !KNOWN_OPERATIONS.has(operation)) return undefined;
    const params: Params = {};
    if (raw && typeof raw === 'object') {
      for (const [name, value] of Object.entries(raw as Record<string, unknown>)) params[name] = typeof value === 'string' ? value : '';
    }
    return { operation, params };
  }

  #dispatch(operation: string, p: Params, ip: string): Answer {
    const { allowedIps, user, password, clientPath } = this.#options;
    if (allowedIps && !allowedIps.includes(ip)) return { kind: 'fault', faultstring: MESSAGES.ipNotAllowed(clientPath, ip) };
    if (p.usuario !== user || p.senha !== password) return { kind: 'fault', faultstring: MESSAGES.authFailed };
    if (!isValidCnpj(p.cnpj_empresa ?? '')) return error(RESULT_CODES.cnpjInvalid, MESSAGES.cnpjInvalid);
    switch (operation) {
      case 'ValidarCNPJ':
        return ok('CNPJ VALIDO', '');
      case 'IncluirAlterarCliente':
        return this.#upsertClient(p);
      default:
        return { kind: 'fault', faultstring: `Operation ${operation} is not implemented by the sandbox` };
    }
  }

  #upsertClient(p: Params): Answer {
    const integrationId = p.id_integracao?.trim();
    if (!integrationId) return error(RESULT_CODES.validation, MESSAGES.missingField('id_integracao'));
    if (!p.nome?.trim()) return error(RESULT_CODES.validation, MESSAGES.missingField('nome'));
    const document = (p.cpf_cnpj ?? '').replace(/\D+/g, '');
    if (!document) return error(RESULT_CODES.validation, MESSAGES.missingField('cpf_cnpj'));
    const holder = this.#byDocument.get(document);
    if (holder && holder !== integrationId) return error(RESULT_CODES.duplicateDocument, MESSAGES.duplicateDocument(holder));

    const now = new Date().toISOString();
    const fields = Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'senha' && k !== 'usuario'));
    const existing = this.#clients.get(integrationId);
    if (existing) {
      const oldDocument = (existing.fields.cpf_cnpj ?? '').replace(/\D+/g, '');
      if (oldDocument !== document) this.#byDocument.delete(oldDocument);
    }
    const client: SandboxClient = existing
      ? { ...existing, fields, updatedAt: now, writes: existing.writes + 1 }
      : { crmId: String(this.#nextId++), integrationId, fields, createdAt: now, updatedAt: now, writes: 1 };
    this.#clients.set(integrationId, client);
    this.#byDocument.set(document, integrationId);
    return ok(existing ? 'CLIENTE ALTERADO' : 'CLIENTE INCLUIDO', client.crmId);
  }

  #send(res: ServerResponse, status: number, type: string, text: string, charset: 'ISO-8859-1' | 'UTF-8'): void {
    const buffer = Buffer.from(text, charset === 'ISO-8859-1' ? 'latin1' : 'utf8');
    res.writeHead(status, { 'Content-Type': `${type}; charset=${charset}`, 'Content-Length': buffer.length });
    res.end(buffer);
  }
}

function ok(mensagem: string, idCrm: string): Answer {
  return { kind: 'result', fields: { status: 'OK', codigo: RESULT_CODES.ok, mensagem, id_crm: idCrm } };
}

function error(codigo: number, mensagem: string): Answer {
  return { kind: 'result', fields: { status: 'ERRO', codigo, mensagem, id_crm: '' } };
}

function remoteIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
