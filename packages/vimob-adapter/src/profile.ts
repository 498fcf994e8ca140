/**
 * RECONSTRUCTED PROFILE of Vimob's integration API. Vimob's API is not public (domain/reference.md
 * §4: "No public Vimob API description (REST or SOAP) was found"): every path, field name, status
 * code, event shape, header and signature rule below is a GUESS shaped by the integration manual,
 * kept in this one file so that a user holding the real API edits this file only. The HTTP gateway,
 * the webhook handler and the vimob-sandbox all speak through it.
 *
 * MANUAL facts it encodes: Vimob sends proposal statuses natively (proposta inserida, unidade
 * reservada, aprovada, reprovada/cancelada, plus statuses a company configures); a prospect carries
 * an id shared with the CRM; the CRM occurrence code goes to Vimob; a status may wait on a CRM BPO
 * step; "Encerrar Fluxo no CRM?" closes the CRM flow.
 */
import { z } from 'zod';
import type { GateDecision, StatusChange, VimobEvent, VimobProposal, VimobProspect } from './types.js';

/** GUESS: REST paths under the company's base URL. */
export const VIMOB_PATHS = {
  prospects: '/api/v1/prospects',
  prospect: (id: string) => `/api/v1/prospects/${encodeURIComponent(id)}`,
  prospectsByDocument: (document: string) => `/api/v1/prospects?cpfCnpj=${encodeURIComponent(document)}`,
  proposal: (id: string) => `/api/v1/propostas/${encodeURIComponent(id)}`,
  gateDecision: (id: string) => `/api/v1/propostas/${encodeURIComponent(id)}/decisoes-bpo`,
} as const;

/** GUESS: request and webhook headers (lower case, as Node delivers them). */
export const VIMOB_HEADERS = {
  /** `Bearer <token>`. */
  authorization: 'authorization',
  /** The company (tenant) code in Vimob. */
  company: 'x-vimob-empresa',
  /** Webhook signature: hex HMAC of `<timestamp>.<raw body>` with the shared secret. */
  signature: 'x-vimob-assinatura',
  /** Webhook timestamp, Unix seconds. */
  timestamp: 'x-vimob-timestamp',
} as const;

export const VIMOB_SIGNATURE = {
  algorithm: 'sha256',
  /** Signed payload: timestamp, a dot, the raw body bytes. */
  payload: (timestamp: string, body: string) => `${timestamp}.${body}`,
  /** How far a webhook's timestamp may be from our clock, in seconds. */
  toleranceSeconds: 300,
} as const;

/**
 * GUESS: the statuses Vimob sends natively (MANUAL names them; the codes are invented). A company
 * adds its own codes to the status table (statuses.ts).
 */
export const NATIVE_STATUSES = {
  inserted: 'PROPOSTA_INSERIDA',
  reserved: 'UNIDADE_RESERVADA',
  approved: 'PROPOSTA_APROVADA',
  rejected: 'PROPOSTA_REPROVADA',
  cancelled: 'PROPOSTA_CANCELADA',
} as const;

/** GUESS: webhook event types. */
export const EVENT_TYPES = { proposalStatus: 'proposta.status', prospectCreated: 'prospect.incluido', prospectUpdated: 'prospect.alterado' } as const;

/** GUESS: Vimob's error codes (body `{ "erro": { "codigo", "mensagem", "idExistente"? } }`). */
export const VIMOB_ERROR_CODES = {
  duplicateDocument: 'CPF_CNPJ_DUPLICADO',
  notFound: 'NAO_ENCONTRADO',
  conflict: 'CONFLITO',
  unauthorized: 'NAO_AUTORIZADO',
  invalid: 'INVALIDO',
} as const;

const ORIGIN = { crm: 'CRM', vimob: 'VIMOB' } as const;
const id = z.string().trim().min(1).max(60);
const when = z.iso.datetime({ offset: true });

// ── Wire shapes ─────────────────────────────────────────────────────────────────────────────────

export const WireProspectSchema = z.object({
  id,
  nome: z.string().trim().min(1).max(150),
  cpfCnpj: z.string().regex(/^\d{11}$|^\d{14}$/, 'must be 11 (CPF) or 14 (CNPJ) digits'),
  email: z.string().max(150).optional(),
  telefone: z.string().max(20).optional(),
  origem: z.enum([ORIGIN.crm, ORIGIN.vimob]),
  ocorrenciaCrm: z.string().max(60).optional(),
});
export type WireProspect = z.infer<typeof WireProspectSchema>;

const WireStatusChangeSchema = z.object({
  sequencia: z.number().int().positive(),
  status: z.string().min(1).max(60),
  data: when,
  eventoId: z.string().min(1).max(100),
});

export const WireProposalSchema = z.object({
  id,
  prospectId: id,
  ocorrenciaCrm: z.string().max(60),
  unidade: z.string().max(60).optional(),
  status: z.object({ codigo: z.string().min(1).max(60) }),
  historico: z.array(WireStatusChangeSchema).max(10_000),
});

export const WireGateDecisionSchema = z.object({
  status: z.string().min(1).max(60),
  permitido: z.boolean(),
  etapaBpo: z.string().max(150).optional(),
  situacaoEtapa: z.enum(['pending', 'in-progress', 'concluded']).optional(),
  motivo: z.string().max(1000),
});

export const WireErrorSchema = z.object({ erro: z.object({ codigo: z.string(), mensagem: z.string(), idExistente: z.string().optional() }) });
export type WireError = z.infer<typeof WireErrorSchema>;

/** The webhook body. Unknown keys are allowed (Vimob may add fields); known ones are checked. */
export const WireEventSchema = z.discriminatedUnion('tipo', [
  z.object({
    id: z.string().min(1).max(100),
    tipo: z.literal(EVENT_TYPES.proposalStatus),
    criadoEm: when,
    dados: z.object({
      propostaId: id,
      prospectId: id,
      ocorrenciaCrm: z.string().min(1).max(60).optional(),
      unidade: z.string().max(60).optional(),
      sequencia: z.number().int().positive(),
      status: z.object({ codigo: z.string().min(1).max(60), descricao: z.string().max(150).optional() }),
    }),
  }),
  z.object({
    id: z.string().min(1).max(100),
    tipo: z.enum([EVENT_TYPES.prospectCreated, EVENT_TYPES.prospectUpdated]),
    criadoEm: when,
    dados: WireProspectSchema,
  }),
]);
export type WireEvent = z.infer<typeof WireEventSchema>;

// ── Wire ⇄ domain ───────────────────────────────────────────────────────────────────────────────

export function toWireProspect(p: VimobProspect): WireProspect {
  return {
    id: p.id,
    nome: p.name,
    cpfCnpj: p.document,
    ...(p.email ? { email: p.email } : {}),
    ...(p.phone ? { telefone: p.phone } : {}),
    origem: ORIGIN[p.origin],
    ...(p.crmOccurrence ? { ocorrenciaCrm: p.crmOccurrence } : {}),
  };
}

export function fromWireProspect(w: WireProspect): VimobProspect {
  return {
    id: w.id,
    name: w.nome,
    document: w.cpfCnpj,
    ...(w.email ? { email: w.email } : {}),
    ...(w.telefone ? { phone: w.telefone } : {}),
    origin: w.origem === ORIGIN.crm ? 'crm' : 'vimob',
    ...(w.ocorrenciaCrm ? { crmOccurrence: w.ocorrenciaCrm } : {}),
  };
}

export function toWireProposal(p: VimobProposal): z.infer<typeof WireProposalSchema> {
  return {
    id: p.id,
    prospectId: p.prospectId,
    ocorrenciaCrm: p.crmOccurrence,
    ...(p.unit ? { unidade: p.unit } : {}),
    status: { codigo: p.status },
    historico: p.history.map((h) => ({ sequencia: h.sequence, status: h.status, data: h.at, eventoId: h.eventId })),
  };
}

export function fromWireProposal(w: z.infer<typeof WireProposalSchema>): VimobProposal {
  const history: StatusChange[] = w.historico.map((h) => ({ sequence: h.sequencia, status: h.status, at: h.data, eventId: h.eventoId }));
  return { id: w.id, prospectId: w.prospectId, crmOccurrence: w.ocorrenciaCrm, ...(w.unidade ? { unit: w.unidade } : {}), status: w.status.codigo, history };
}

export function toWireGateDecision(d: GateDecision): z.infer<typeof WireGateDecisionSchema> {
  return {
    status: d.status,
    permitido: d.allowed,
    ...(d.step ? { etapaBpo: d.step } : {}),
    ...(d.stepState ? { situacaoEtapa: d.stepState } : {}),
    motivo: d.reason,
  };
}

export function fromWireGateDecision(proposalId: string, w: z.infer<typeof WireGateDecisionSchema>): GateDecision {
  return {
    proposalId,
    status: w.status,
    allowed: w.permitido,
    ...(w.etapaBpo ? { step: w.etapaBpo } : {}),
    ...(w.situacaoEtapa ? { stepState: w.situacaoEtapa } : {}),
    reason: w.motivo,
  };
}

export function toWireEvent(e: VimobEvent): WireEvent {
  if (e.kind === 'proposal-status') {
    return {
      id: e.id,
      tipo: EVENT_TYPES.proposalStatus,
      criadoEm: e.at,
      dados: {
        propostaId: e.proposalId,
        prospectId: e.prospectId,
        ...(e.crmOccurrence ? { ocorrenciaCrm: e.crmOccurrence } : {}),
        ...(e.unit ? { unidade: e.unit } : {}),
        sequencia: e.sequence,
        status: { codigo: e.status },
      },
    };
  }
  return {
    id: e.id,
    tipo: e.kind === 'prospect-created' ? EVENT_TYPES.prospectCreated : EVENT_TYPES.prospectUpdated,
    criadoEm: e.at,
    dados: toWireProspect(e.prospect),
  };
}

export function fromWireEvent(w: WireEvent): VimobEvent {
  if (w.tipo === EVENT_TYPES.proposalStatus) {
    const d = w.dados;
    return {
      kind: 'proposal-status',
      id: w.id,
      at: w.criadoEm,
      proposalId: d.propostaId,
      prospectId: d.prospectId,
      ...(d.ocorrenciaCrm ? { crmOccurrence: d.ocorrenciaCrm } : {}),
      ...(d.unidade ? { unit: d.unidade } : {}),
      sequence: d.sequencia,
      status: d.status.codigo,
    };
  }
  return {
    kind: w.tipo === EVENT_TYPES.prospectCreated ? 'prospect-created' : 'prospect-updated',
    id: w.id,
    at: w.criadoEm,
    prospect: fromWireProspect(w.dados),
  };
}
