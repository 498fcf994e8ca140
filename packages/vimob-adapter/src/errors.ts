/**
 * The one place where Vimob's answers, the network, and the pre-sales rules become the SDK's typed
 * errors (all `MegaCrmError`s, DESIGN.md §6). Messages carry the fix and never a CPF, e-mail, phone
 * or the API token in clear.
 */
import { ConfigurationError, DuplicateDocumentError, MegaCrmError, ProtocolError, TransportError } from '@mega-crm/core';
import { maskPii } from '@mega-crm/core/internal';
import type { BpoState } from '@mega-crm/crm-client';

export interface VimobCallContext {
  readonly operation: string;
  readonly url: string;
  readonly timeoutMs: number;
}

/** A CPF/CNPJ already registered under another prospect id: nothing is created. Names both ids. */
export function duplicateProspectDocument(prospectId: string, existingId: string, where: 'Vimob' | 'CRM'): DuplicateDocumentError {
  return new DuplicateDocumentError(`Prospect ${prospectId}: ${where} already holds this CPF/CNPJ under prospect ${existingId}; nothing was created.`, {
    code: 'DUPLICATE_CPF',
    details: { prospectId, existingId, where },
    fix: {
      en: `Merge the two prospects (${prospectId} and ${existingId}) in the CRM, or correct the document of the wrong one; keep "allow duplicate CPF" disabled in Vimob.`,
      pt: `Unifique os dois prospects (${prospectId} e ${existingId}) no CRM ou corrija o documento do errado; mantenha desabilitado no Vimob o cadastro de CPF duplicado.`,
    },
  });
}

/** MANUAL: with the pre-sales flow driven by the CRM, prospect entry through Vimob is locked (edits allowed). */
export function entryLocked(prospectId: string): MegaCrmError {
  return new MegaCrmError(
    `Prospect ${prospectId} was created in Vimob, but prospects enter only through the CRM (entry lock); it was not created in the CRM.`,
    {
      code: 'ENTRY_LOCKED',
      details: { prospectId },
      fix: {
        en: 'Register the prospect in the CRM (it reaches Vimob with the same id), and lock prospect entry in Vimob ("Como configurar a entrada de prospects pelo Vimob?").',
        pt: 'Cadastre o prospect no CRM (ele chega ao Vimob com o mesmo id) e trave a entrada de prospects no Vimob ("Como configurar a entrada de prospects pelo Vimob?").',
      },
    },
  );
}

/** A proposal status that waits on a CRM BPO step that is not concluded. */
export function gateDenied(proposalId: string, status: string, step: string, state: BpoState | 'unknown', reason: string): MegaCrmError {
  return new MegaCrmError(reason, {
    code: 'GATE_DENIED',
    details: { proposalId, status, step, stepState: state },
    fix: {
      en: `Conclude the BPO step "${step}" on the proposal's CRM occurrence; Vimob can then move the proposal to ${status}.`,
      pt: `Conclua a etapa de BPO "${step}" na ocorrência do CRM da proposta; então o Vimob pode levar a proposta a ${status}.`,
    },
  });
}

/** Vimob answered with an HTTP status: 401/403 stop (credentials), 409/404/422 are rejections, 429/5xx are retried. */
export function vimobHttpError(status: number, body: string, context: VimobCallContext, wire?: { codigo: string; mensagem: string }): MegaCrmError {
  const text = maskPii(wire ? `${wire.codigo}: ${wire.mensagem}` : body.replace(/\s+/g, ' ').slice(0, 200));
  const details = { operation: context.operation, url: context.url, status };
  if (status === 401 || status === 403) {
    return new ConfigurationError(`Vimob refused the credentials on ${context.operation} (HTTP ${status}): "${text}"`, {
      code: 'AUTH_FAILED',
      details,
      fix: {
        en: 'Check the Vimob API token and company code in the adapter options (ask Senior/Vimob support for them).',
        pt: 'Confira o token da API do Vimob e o código da empresa nas opções do adaptador (solicite ao suporte Senior/Vimob).',
      },
    });
  }
  if (status === 429 || status >= 500) {
    return new TransportError(`Vimob answered HTTP ${status} on ${context.operation}: "${text}"`, {
      code: 'CONNECTION_FAILED',
      details,
      fix: {
        en: 'Vimob is overloaded or failing; the call is retried with backoff.',
        pt: 'O Vimob está sobrecarregado ou com falha; a chamada é repetida com espera.',
      },
    });
  }
  return new MegaCrmError(`Vimob rejected ${context.operation} (HTTP ${status}): "${text}"`, {
    code: 'VIMOB_REJECTED',
    details: { ...details, ...(wire ? { vimobCode: wire.codigo } : {}) },
    fix: {
      en: "Read Vimob's message above; correct the record and send it again.",
      pt: 'Leia a mensagem do Vimob acima; corrija o registro e envie-o novamente.',
    },
  });
}

/** Network failures: timeouts (the whole call's deadline), refused and reset connections. */
export function vimobTransportError(error: unknown, context: VimobCallContext): TransportError {
  const name = (error as { name?: string }).name;
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? '';
  const timedOut = name === 'TimeoutError';
  const reset = /ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(code);
  return new TransportError(
    timedOut
      ? `Vimob did not answer ${context.operation} within ${context.timeoutMs} ms (${context.url}).`
      : `Could not reach Vimob on ${context.operation} (${code || maskPii(String((error as Error).message ?? error))}; ${context.url}).`,
    {
      code: timedOut ? 'TIMEOUT' : reset ? 'CONNECTION_RESET' : 'CONNECTION_FAILED',
      timedOut,
      cause: error,
      details: { operation: context.operation, url: context.url, ...(code ? { errno: code } : {}) },
      fix: {
        en: 'Retried automatically; if it persists, check the Vimob base URL and this machine’s network route to it.',
        pt: 'Repetido automaticamente; se persistir, confira a URL base do Vimob e a rota de rede desta máquina até ele.',
      },
    },
  );
}

export function vimobMalformed(problem: string, context: VimobCallContext): ProtocolError {
  return new ProtocolError(`Vimob answered ${context.operation} with something unexpected: ${maskPii(problem)}`, {
    code: 'MALFORMED_RESPONSE',
    details: { operation: context.operation, url: context.url },
    fix: {
      en: "Vimob's answer does not match the adapter's profile (profile.ts): compare it with the real API and adjust the profile.",
      pt: 'A resposta do Vimob não corresponde ao perfil do adaptador (profile.ts): compare com a API real e ajuste o perfil.',
    },
  });
}

/** Options that fail the strict schema: names the bad keys and the allowed ones. */
export function optionsInvalid(what: string, problems: string): ConfigurationError {
  return new ConfigurationError(`Invalid ${what} options: ${problems}`, {
    code: 'CONFIG_INVALID',
    fix: { en: `Correct the ${what} options listed above.`, pt: `Corrija as opções de ${what} listadas acima.` },
  });
}
