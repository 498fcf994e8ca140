/**
 * The sandbox's pre-sales rules (CRM ⇄ Vimob), apart from the post-sales ones in sandbox.ts:
 * prospects under a shared id with CPF/CNPJ unique across prospects AND clients (MANUAL: the CRM
 * does not accept duplicate CPFs), each prospect's main occurrence, BPO step states on occurrences,
 * and the conversion of a prospect into a client that keeps the record and its id.
 */
import { OPERATIONS, type OperationKey, PRESALES_LABELS } from '@mega-crm/crm-client/profile';
import type { SandboxOccurrence, SandboxRecord } from './state.js';

/** SANDBOX CONVENTIONS (the live CRM's wording is not public); each matches crm-client's MESSAGE_PATTERNS. */
export const PRESALES_MESSAGES = {
  duplicateDocument: (otherId: string) => `CPF/CNPJ JA CADASTRADO PARA OUTRO PROSPECT OU CLIENTE:: ID INTEGRACAO ${otherId}:: ACAO:: Verificar o cadastro::`,
  missingField: (field: string) => `CAMPO OBRIGATORIO NAO INFORMADO: ${field}`,
  prospectNotFound: (key: string) => `PROSPECT NAO ENCONTRADO: ${key}`,
  occurrenceNotFound: (key: string) => `OCORRENCIA NAO ENCONTRADA: ${key}`,
  alreadyClient: (key: string) => `PROSPECT JA CONVERTIDO EM CLIENTE: ${key}`,
} as const;

export type BpoLabel = (typeof PRESALES_LABELS.bpoState)[keyof typeof PRESALES_LABELS.bpoState];

export interface SandboxProspect extends SandboxRecord {
  /** Integration id of the main occurrence, opened with the prospect. */
  readonly mainOccurrence: string;
}

/** What sandbox.ts lends the desk: its stores, its id counter and its clock. */
export interface PresalesHost {
  readonly clients: ReadonlyMap<string, SandboxRecord>;
  /** CPF/CNPJ digits → integration id, shared with clients so uniqueness spans both. */
  readonly byDocument: Map<string, string>;
  readonly occurrences: Map<string, SandboxOccurrence>;
  nextId(): string;
  now(): string;
  /** Opens an occurrence as a CRM user does (origin CRM, status ABERTA). */
  openCrmOccurrence(key: string, fields: Readonly<Record<string, string>>): SandboxOccurrence;
}

export interface PresalesReply {
  readonly ok: boolean;
  readonly key: string;
  readonly code: number;
  readonly message: string;
  readonly type: string;
  readonly crmId: string;
  readonly extra?: Readonly<Record<string, string>>;
}

const CODES = { ok: 0, validation: 1, duplicateDocument: 2, notFound: 5 } as const;

export class PresalesDesk {
  readonly #host: PresalesHost;
  readonly #prospects = new Map<string, SandboxProspect>();
  readonly #bpo = new Map<string, Map<string, { state: BpoLabel; concludedAt: string }>>();

  constructor(host: PresalesHost) {
    this.#host = host;
  }

  /** Answers a pre-sales operation (parameters under the profile's default names), or `undefined` when `key` is not one. */
  handle(key: OperationKey, p: Readonly<Record<string, unknown>>): PresalesReply | undefined {
    const s = (name: string) => (typeof p[name] === 'string' ? (p[name] as string) : '');
    switch (key) {
      case 'upsertProspect':
        return this.#upsertProspect(s);
      case 'prospectMainOccurrence':
        return this.#mainOccurrence(s('id_integracao_prospect'));
      case 'bpoStatus':
        return this.#bpoStatus(s('id_integracao_ocorrencia'), s('etapa'));
      default:
        return undefined;
    }
  }

  prospects(): SandboxProspect[] {
    return [...this.#prospects.values()];
  }

  prospect(key: string): SandboxProspect | undefined {
    return this.#prospects.get(key);
  }

  /** A CRM user moves a BPO step of an occurrence (e.g. concludes "Análise de Crédito"). */
  setBpoStep(occurrenceKey: string, step: string, state: keyof typeof PRESALES_LABELS.bpoState): void {
    const steps = this.#bpo.get(occurrenceKey) ?? new Map();
    steps.set(step, { state: PRESALES_LABELS.bpoState[state], concludedAt: state === 'concluded' ? this.#host.now() : '' });
    this.#bpo.set(occurrenceKey, steps);
  }

  /** The prospect `key` becomes a client: it leaves the prospects and its record (CRM id included) is returned. */
  convert(key: string): SandboxRecord | undefined {
    const prospect = this.#prospects.get(key);
    if (!prospect) return undefined;
    this.#prospects.delete(key);
    const { mainOccurrence: _main, ...record } = prospect;
    return record;
  }

  reset(): void {
    this.#prospects.clear();
    this.#bpo.clear();
  }

  #upsertProspect(s: (name: string) => string): PresalesReply {
    const id = s('id_integracao');
    for (const name of ['id_integracao', 'nome', 'cpf_cnpj'])
      if (!s(name).trim()) return this.#error(id, CODES.validation, PRESALES_MESSAGES.missingField(name));
    if (this.#host.clients.has(id)) return this.#error(id, CODES.validation, PRESALES_MESSAGES.alreadyClient(id));
    const document = s('cpf_cnpj').replace(/\D+/g, '');
    const holder = this.#host.byDocument.get(document);
    if (holder && holder !== id) return this.#error(id, CODES.duplicateDocument, PRESALES_MESSAGES.duplicateDocument(holder));
    const previous = this.#prospects.get(id);
    const now = this.#host.now();
    if (previous) {
      const oldDocument = (previous.fields.cpf_cnpj ?? '').replace(/\D+/g, '');
      if (oldDocument !== document) this.#host.byDocument.delete(oldDocument);
    }
    const fields: Record<string, string> = {};
    for (const name of OPERATIONS.upsertProspect.input.map(([n]) => n)) fields[name] = s(name);
    const crmId = previous?.crmId ?? this.#host.nextId();
    const mainOccurrence = previous?.mainOccurrence ?? this.#openMainOccurrence(id);
    const record: SandboxProspect = {
      crmId,
      integrationId: id,
      fields,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      writes: (previous?.writes ?? 0) + 1,
      mainOccurrence,
    };
    this.#prospects.set(id, record);
    this.#host.byDocument.set(document, id);
    return this.#ok(id, previous ? 'PROSPECT ALTERADO' : 'PROSPECT INCLUIDO', record.crmId);
  }

  /** SANDBOX CONVENTION: a prospect's main occurrence is opened with it, keyed `<prospect id>-OC`. */
  #openMainOccurrence(prospectId: string): string {
    const key = `${prospectId}-OC`;
    this.#host.openCrmOccurrence(key, { texto: 'Atendimento do prospect', id_integracao_prospect: prospectId });
    return key;
  }

  #mainOccurrence(prospectId: string): PresalesReply {
    const type = 'RetornoOcorrenciaProspect';
    const key = this.#prospects.get(prospectId)?.mainOccurrence ?? this.#convertedOccurrence(prospectId);
    const occurrence = key ? this.#host.occurrences.get(key) : undefined;
    if (!key || !occurrence) return this.#error(prospectId, CODES.notFound, PRESALES_MESSAGES.prospectNotFound(prospectId), type, EMPTY_OCCURRENCE);
    return this.#ok(prospectId, '', occurrence.crmId, type, { id_integracao_ocorrencia: key, situacao: occurrence.status });
  }

  /** A converted prospect keeps its main occurrence. */
  #convertedOccurrence(prospectId: string): string | undefined {
    const key = `${prospectId}-OC`;
    return this.#host.clients.has(prospectId) && this.#host.occurrences.has(key) ? key : undefined;
  }

  #bpoStatus(occurrenceKey: string, step: string): PresalesReply {
    const type = 'RetornoStatusBPO';
    if (!step.trim()) return this.#error(occurrenceKey, CODES.validation, PRESALES_MESSAGES.missingField('etapa'), type, EMPTY_BPO);
    const occurrence = this.#host.occurrences.get(occurrenceKey);
    if (!occurrence) return this.#error(occurrenceKey, CODES.notFound, PRESALES_MESSAGES.occurrenceNotFound(occurrenceKey), type, EMPTY_BPO);
    const current = this.#bpo.get(occurrenceKey)?.get(step);
    return this.#ok(occurrenceKey, '', occurrence.crmId, type, {
      etapa: step,
      situacao: current?.state ?? PRESALES_LABELS.bpoState.pending,
      data_conclusao: current?.concludedAt ?? '',
    });
  }

  #ok(key: string, message: string, crmId: string, type = 'RetornoIntegracao', extra?: Record<string, string>): PresalesReply {
    return { ok: true, key, code: CODES.ok, message, type, crmId, ...(extra ? { extra } : {}) };
  }

  #error(key: string, code: number, message: string, type = 'RetornoIntegracao', extra?: Record<string, string>): PresalesReply {
    return { ok: false, key, code, message, type, crmId: '', ...(extra ? { extra } : {}) };
  }
}

const EMPTY_OCCURRENCE = { id_integracao_ocorrencia: '', situacao: '' };
const EMPTY_BPO = { etapa: '', situacao: '', data_conclusao: '' };
