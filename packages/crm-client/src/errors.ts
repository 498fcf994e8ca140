/**
 * The one factory that turns what the CRM or the network answers into the SDK's typed errors
 * (DESIGN.md §6). Each error names the cause and the fix; texts are masked for PII.
 */
import {
  ConfigurationError,
  CrmFaultError,
  DependencyMissingError,
  DuplicateDocumentError,
  type MegaCrmError,
  ProtocolError,
  TransportError,
  ValidationError,
} from '@mega-crm/core';
import { maskPii } from '@mega-crm/core/internal';
import type { ProfileReport } from './profile/compare.js';
import { MESSAGE_PATTERNS } from './profile/profile.js';
import { ResponseTooLargeError } from './transport.js';

export interface CallContext {
  readonly operation: string;
  readonly url: string;
  readonly timeoutMs: number;
  /** The answer's bytes were not in the charset it declared (see HttpResponse.charsetFallback). */
  readonly charsetFallback?: boolean;
}

const EXCERPT = 200;
/** Longest CRM message kept in an error: a hostile or broken server may send megabytes. */
const MESSAGE_CAP = 1000;

/** The first bytes of a body, whitespace folded, masked. */
export function excerpt(body: string): string {
  const flat = body
    .slice(0, EXCERPT * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return maskPii(flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat);
}

function capped(message: string): string {
  return message.length > MESSAGE_CAP ? `${maskPii(message.slice(0, MESSAGE_CAP))}… (${message.length} characters)` : maskPii(message);
}

/** The WSDL could not be loaded or is not a WSDL. The manual's Mega wording is quoted for recognition. */
export function wsdlUnavailable(url: string, problem: string, extra: { status?: number; body?: string; cause?: unknown } = {}): ConfigurationError {
  const status = extra.status === undefined ? '' : ` (HTTP ${extra.status})`;
  const body = extra.body === undefined ? '' : ` Body: "${excerpt(extra.body)}".`;
  return new ConfigurationError(`Unable to load WSDL File/Location: ${url}${status}: ${problem}.${body}`, {
    code: 'WSDL_UNAVAILABLE',
    cause: extra.cause,
    details: { url, ...(extra.status === undefined ? {} : { status: extra.status }) },
    fix: {
      en: 'Check the WSDL address with Multidados: it must be http://<server>/<cliente>/webservices/index.php?wsdl and open in a browser from this machine (in Mega, "Configuração Integração CRM").',
      pt: 'Confira com a Multidados o endereço da WSDL: deve ser http://<servidor>/<cliente>/webservices/index.php?wsdl e abrir no navegador desta máquina (no Mega, "Configuração Integração CRM").',
    },
  });
}

/** A SOAP fault (faultstring) or a rejection message (RetornoIntegracao.mensagem) into a typed error. */
export function crmMessageError(
  fullMessage: string,
  context: CallContext,
  kind: 'fault' | 'rejected',
  code?: number,
  faultcode?: string,
  patterns: { readonly [K in keyof typeof MESSAGE_PATTERNS]: RegExp } = MESSAGE_PATTERNS,
): MegaCrmError {
  // Classified on a bounded prefix: the patterns look at the start of the CRM's message.
  const message = fullMessage.slice(0, MESSAGE_CAP * 2);
  const text = capped(fullMessage);
  const details = {
    operation: context.operation,
    ...(code === undefined ? {} : { crmCode: code }),
    ...(context.charsetFallback ? { charsetFallback: true } : {}),
  };
  const ip = patterns.ipNotAllowed.exec(message);
  if (ip?.groups) {
    return new ConfigurationError(`The CRM refused this machine's IP ${ip.groups.ip}: "${text}"`, {
      code: 'IP_NOT_ALLOWED',
      details: { ...details, client: ip.groups.client, errorNumber: ip.groups.number, ip: ip.groups.ip },
      fix: {
        en: `Allow IP ${ip.groups.ip} in the CRM Portal's integration settings (ask Multidados), then run again.`,
        pt: `Libere o IP ${ip.groups.ip} nas configurações de integração do Portal do CRM (solicite à Multidados) e execute novamente.`,
      },
    });
  }
  if (patterns.authFailed.test(message)) {
    return new ConfigurationError(`The CRM rejected the integration credentials: "${text}"`, {
      code: 'AUTH_FAILED',
      details,
      fix: {
        en: 'Check user, password, "conexão aberta por" and "conexão aberta para" against the CRM Portal.',
        pt: 'Confira usuário, senha, "conexão aberta por" e "conexão aberta para" no Portal do CRM.',
      },
    });
  }
  if (patterns.cnpjInvalid.test(message)) {
    return new ConfigurationError(`The CRM does not accept the integration CNPJ: "${text}"`, {
      code: 'CNPJ_INVALID',
      details,
      fix: {
        en: 'Set the default CNPJ to the integration CNPJ registered in the CRM Portal and validate it.',
        pt: 'Informe como CNPJ padrão o CNPJ de integração cadastrado no Portal do CRM e valide-o.',
      },
    });
  }
  if (patterns.spouseWithoutId.test(message)) {
    return new DependencyMissingError(`The CRM needs the client's spouse first: "${text}"`, {
      code: 'SPOUSE_WITHOUT_INTEGRATION_ID',
      retryable: false,
      details,
      fix: {
        en: "Sync the spouse (the GLO_PESSOA_FISICA row with AGN_CH_TIPO='C') first; the client is sent again after it.",
        pt: "Integre primeiro o cônjuge (linha de GLO_PESSOA_FISICA com AGN_CH_TIPO='C'); o cliente é reenviado em seguida.",
      },
    });
  }
  const dependency = patterns.dependencyNotFound.exec(message);
  if (dependency?.groups?.key) {
    return new DependencyMissingError(`The CRM does not have ${dependency.groups.key} yet, which this record refers to: "${text}"`, {
      code: 'DEPENDENCY_MISSING',
      retryable: false,
      details: { ...details, missingKey: dependency.groups.key },
      fix: {
        en: 'Send the referenced record first (client before contract, contract before occurrence); this one is sent again after it.',
        pt: 'Envie antes o registro referenciado (cliente antes do contrato, contrato antes da ocorrência); este é reenviado em seguida.',
      },
    });
  }
  if (patterns.duplicateDocument.test(message)) {
    return new DuplicateDocumentError(`The CRM already has this CPF/CNPJ under another record: "${text}"`, {
      code: 'DUPLICATE_CPF',
      details,
      fix: {
        en: 'Two Mega agents share one CPF/CNPJ: merge them in Mega, or correct the document of the wrong one.',
        pt: 'Dois agentes do Mega têm o mesmo CPF/CNPJ: unifique-os no Mega ou corrija o documento do agente errado.',
      },
    });
  }
  const missing = patterns.missingField.exec(message);
  if (missing?.groups?.field) {
    return new ValidationError(
      `The CRM refused the record on ${context.operation}: "${text}"`,
      [{ path: missing.groups.field, code: 'CRM_REQUIRED', message: text }],
      {
        details,
        fix: {
          en: `Fill in the Mega field that feeds "${missing.groups.field}"; the record is sent again on its next change.`,
          pt: `Preencha no Mega o campo que alimenta "${missing.groups.field}"; o registro é reenviado na próxima alteração.`,
        },
      },
    );
  }
  // A SOAP-ENV:Server fault is the server's own failure, worth a retry; a Client fault is not.
  const serverSide = kind === 'fault' && /(^|:)Server/i.test(faultcode ?? '');
  return new CrmFaultError(
    `The CRM ${kind === 'fault' ? `answered with a fault (${faultcode || 'no faultcode'})` : 'rejected the record'} on ${context.operation}: "${text || '(empty message)'}"`,
    {
      code: kind === 'fault' ? 'CRM_FAULT' : 'CRM_REJECTED',
      retryable: serverSide,
      details: { ...details, ...(faultcode ? { faultcode } : {}) },
      fix: {
        en: "Read the CRM's message above; correct the record in Mega or ask Multidados about the CRM-side rule.",
        pt: 'Leia a mensagem do CRM acima; corrija o registro no Mega ou consulte a Multidados sobre a regra do CRM.',
      },
    },
  );
}

/** Socket-level failures and timeouts: retryable, original error kept as cause. */
export function transportError(error: NodeJS.ErrnoException, context: CallContext): MegaCrmError {
  if (error instanceof ResponseTooLargeError) {
    return new ProtocolError(`${context.operation}: the answer from ${context.url} is larger than the ${error.limit}-byte limit; reading stopped.`, {
      code: 'RESPONSE_TOO_LARGE',
      cause: error,
      details: { operation: context.operation, url: context.url, limit: error.limit },
      fix: {
        en: 'A CRM answer is a few KB: check that the address points at WebServicesMultidados and not at a proxy or another service; raise maxResponseBytes only if the CRM really sends that much.',
        pt: 'Uma resposta do CRM tem poucos KB: confira se o endereço aponta para o WebServicesMultidados e não para um proxy ou outro serviço; aumente maxResponseBytes só se o CRM realmente enviar tanto.',
      },
    });
  }
  if (error.code === 'ETIMEDOUT' || error.name === 'TimeoutError') {
    return new TransportError(`${context.operation} got no answer from ${context.url} within the ${context.timeoutMs} ms timeout.`, {
      code: 'TIMEOUT',
      timedOut: true,
      cause: error,
      details: { operation: context.operation, url: context.url, timeoutMs: context.timeoutMs },
      fix: {
        en: 'The CRM is slow or unreachable: the call is retried; if it persists, raise timeoutMs or check the CRM server.',
        pt: 'O CRM está lento ou inacessível: a chamada é repetida; se persistir, aumente timeoutMs ou verifique o servidor do CRM.',
      },
    });
  }
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) {
    return wsdlOrEndpointConfig(error, context);
  }
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || /socket hang up/i.test(error.message)) {
    return new TransportError(`${context.operation}: the connection to ${context.url} was reset before the answer arrived.`, {
      code: 'CONNECTION_RESET',
      cause: error,
      details: { operation: context.operation, url: context.url, errno: error.code },
      fix: {
        en: 'The CRM or a proxy dropped the connection: the call is retried (upserts are idempotent, so a repeat creates no duplicate).',
        pt: 'O CRM ou um proxy derrubou a conexão: a chamada é repetida (upserts são idempotentes; a repetição não duplica registros).',
      },
    });
  }
  return new TransportError(`${context.operation} failed to reach ${context.url}: ${error.code ?? error.message}.`, {
    code: 'CONNECTION_FAILED',
    cause: error,
    details: { operation: context.operation, url: context.url, errno: error.code },
    fix: {
      en: 'The connection failed (refused or reset): the call is retried; check that the CRM server is up if it persists.',
      pt: 'A conexão falhou (recusada ou interrompida): a chamada é repetida; se persistir, verifique se o servidor do CRM está no ar.',
    },
  });
}

function wsdlOrEndpointConfig(error: NodeJS.ErrnoException, context: CallContext): ConfigurationError {
  return new ConfigurationError(`Cannot reach ${context.url}: ${error.code} (${error.message}).`, {
    code: 'WSDL_UNAVAILABLE',
    cause: error,
    details: { operation: context.operation, url: context.url, errno: error.code },
    fix: {
      en: 'The CRM host name or its TLS certificate is wrong: check the address Multidados gave you.',
      pt: 'O nome do servidor do CRM ou seu certificado TLS está incorreto: confira o endereço informado pela Multidados.',
    },
  });
}

export function httpStatusError(status: number, body: string, context: CallContext): MegaCrmError {
  if (status >= 500 || status === 429 || status === 408) {
    return new TransportError(`${context.operation}: the CRM answered HTTP ${status} without a SOAP fault. Body: "${excerpt(body)}".`, {
      code: 'CONNECTION_FAILED',
      details: { operation: context.operation, url: context.url, status },
      fix: { en: 'A server-side failure: the call is retried.', pt: 'Falha no servidor do CRM: a chamada é repetida.' },
    });
  }
  return malformed(`HTTP ${status} instead of a SOAP answer. Body: "${excerpt(body)}"`, context);
}

export function malformed(problem: string, context: CallContext): ProtocolError {
  return new ProtocolError(`${context.operation}: the CRM's answer is not the expected SOAP response: ${problem}.`, {
    code: 'MALFORMED_RESPONSE',
    details: { operation: context.operation, url: context.url, ...(context.charsetFallback ? { charsetFallback: true } : {}) },
    fix: {
      en: 'The endpoint does not behave as WebServicesMultidados: check the endpoint URL, and compare the live WSDL with the profile (CrmClient.checkProfile, or `mega-crm doctor`); pass the names it suggests as the `profile` option.',
      pt: 'O endpoint não se comporta como o WebServicesMultidados: confira a URL e compare a WSDL real com o perfil (CrmClient.checkProfile, ou `mega-crm doctor`); informe os nomes sugeridos na opção `profile`.',
    },
  });
}

/** The WSDL came over https: but names an http: endpoint: the password would go out in clear. */
export function insecureEndpoint(wsdlUrl: string, endpoint: string): ConfigurationError {
  return new ConfigurationError(
    `The WSDL ${wsdlUrl} was loaded over https: but its endpoint ${endpoint} is http:; calls would send the password in clear, so they are refused.`,
    {
      code: 'INSECURE_ENDPOINT',
      details: { url: wsdlUrl, endpoint },
      fix: {
        en: 'Ask Multidados to publish an https: soap:address, or set the endpoint option to the https: address; set allowInsecureEndpoint: true only if plain http: is really intended.',
        pt: 'Peça à Multidados um soap:address https:, ou informe na opção endpoint o endereço https:; use allowInsecureEndpoint: true só se http: sem criptografia for realmente o desejado.',
      },
    },
  );
}

/**
 * The live WSDL's names differ from the profile in effect. Never WSDL_UNAVAILABLE: the WSDL was read;
 * the fix is the `profile` option, given exactly (the report's suggestion), never a source file.
 */
export function profileMismatch(location: string, report: ProfileReport, operation?: { readonly name: string; readonly key: string }): ConfigurationError {
  const relevant = report.differences.filter((d) =>
    operation ? d.effect !== 'none' && d.operations.includes(operation.key as never) : d.effect === 'stops-connect',
  );
  const shown = relevant.slice(0, 12).map((d) => d.text);
  const more = relevant.length > shown.length ? ` (and ${relevant.length - shown.length} more in details.report)` : '';
  const suggestion = JSON.stringify(report.suggestedProfile);
  const renames = suggestion !== '{}';
  const subject = operation
    ? `The CRM's WSDL (${location}) does not offer ${operation.name} (${operation.key}) as the profile describes it`
    : `The CRM's WSDL (${location}) differs from the profile in what a sync needs`;
  return new ConfigurationError(`${subject}: ${shown.join('; ') || 'the operation is not in the WSDL'}${more}.`, {
    code: 'PROFILE_MISMATCH',
    details: { url: location, ...(operation ? { operation: operation.name } : {}), report: bounded(report) },
    fix: renames
      ? {
          en: `If the CRM only uses other names, pass them to CrmClient.connect (or as crm.profile in the CLI configuration): profile: ${suggestion}. Otherwise ask Multidados which version of WebServicesMultidados this is.`,
          pt: `Se o CRM apenas usa outros nomes, informe-os em CrmClient.connect (ou em crm.profile na configuração da CLI): profile: ${suggestion}. Caso contrário, pergunte à Multidados qual versão do WebServicesMultidados é esta.`,
        }
      : {
          en: 'No rename explains the difference: ask Multidados whether this CRM offers the operation (and under which name), then pass the names as the `profile` option of CrmClient.connect.',
          pt: 'Nenhuma troca de nome explica a diferença: pergunte à Multidados se este CRM oferece a operação (e com que nome) e informe os nomes na opção `profile` de CrmClient.connect.',
        },
  });
}

const REPORT_LIST_CAP = 100;

/** The report as kept in an error (and a run log): its long lists cut, with how much was left out. */
function bounded(report: ProfileReport): ProfileReport & { readonly omitted?: { readonly differences: number; readonly extraOperations: number } } {
  const differences = Math.max(0, report.differences.length - REPORT_LIST_CAP);
  const extraOperations = Math.max(0, report.extraOperations.length - REPORT_LIST_CAP);
  if (differences === 0 && extraOperations === 0) return report;
  return {
    ...report,
    differences: report.differences.slice(0, REPORT_LIST_CAP),
    extraOperations: report.extraOperations.slice(0, REPORT_LIST_CAP),
    omitted: { differences, extraOperations },
  };
}

/** The WSDL loads but names its service or port otherwise: a name to configure, not an address to fix. */
export function serviceNotFound(
  location: string,
  problem: string,
  found: ReadonlyArray<{ readonly service: string; readonly ports: readonly string[] }>,
): ConfigurationError {
  const first = found[0];
  const option = first ? `serviceName: '${first.service}', portName: '${first.ports[0] ?? ''}'` : undefined;
  return new ConfigurationError(`The CRM's WSDL (${location}) loads, but ${problem}.`, {
    code: 'PROFILE_MISMATCH',
    details: { url: location, services: found.map((f) => `${f.service}/${f.ports.join(',')}`) },
    fix: option
      ? {
          en: `If this is the CRM's integration WSDL under other names, pass ${option} to CrmClient.connect; otherwise point the address at WebServicesMultidados.`,
          pt: `Se este é o WSDL de integração do CRM com outros nomes, informe ${option} em CrmClient.connect; caso contrário, aponte o endereço para o WebServicesMultidados.`,
        }
      : {
          en: 'The WSDL declares no service: point the address at WebServicesMultidados (…/webservices/index.php?wsdl).',
          pt: 'O WSDL não declara serviço: aponte o endereço para o WebServicesMultidados (…/webservices/index.php?wsdl).',
        },
  });
}
