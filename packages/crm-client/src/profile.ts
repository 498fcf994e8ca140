/**
 * RECONSTRUCTED PROFILE of the CRM's WebServicesMultidados. The live WSDL is not public; every
 * operation name, parameter name, result field and message pattern the client relies on lives in
 * this file, so a user holding the live WSDL edits this file only. The recorded fixture
 * `test/fixtures/WebServicesMultidados.wsdl` is the WSDL this profile expects.
 */
import type { Client } from '@mega-crm/core';

export const SERVICE_DEFAULTS = {
  serviceName: 'WebServicesMultidados',
  portName: 'WebServicesMultidadosPort',
  /** Mega's documented connection timeout ("Timeout de Conexão: 15007"). */
  timeoutMs: 15_007,
} as const;

export const OPERATIONS = {
  validateCnpj: 'ValidarCNPJ',
  upsertClient: 'IncluirAlterarCliente',
} as const;
export type OperationName = (typeof OPERATIONS)[keyof typeof OPERATIONS];

export interface AuthFields {
  readonly user: string;
  readonly password: string;
  readonly openedBy: string;
  readonly openedFor: string;
  readonly cnpj: string;
}

/** Parameter order matters to rpc/encoded: auth first, in the order of Mega's configuration screen. */
export function authParams(auth: AuthFields): Array<[string, string]> {
  return [
    ['usuario', auth.user],
    ['senha', auth.password],
    ['conexao_aberta_por', auth.openedBy],
    ['conexao_aberta_para', auth.openedFor],
    ['cnpj_empresa', auth.cnpj],
  ];
}

/** CRM marital-status labels. GUESS: the CRM's accepted values are not public. */
const MARITAL_LABELS: Record<NonNullable<Client['maritalStatus']>, string> = {
  single: 'SOLTEIRO',
  married: 'CASADO',
  divorced: 'DIVORCIADO',
  widowed: 'VIUVO',
  separated: 'SEPARADO',
  'stable-union': 'UNIAO ESTAVEL',
};

export function clientParams(client: Client): Array<[string, string]> {
  const a = client.address;
  return [
    ['id_integracao', client.key],
    ['tipo_pessoa', client.personType],
    ['nome', client.name],
    ['nome_fantasia', client.tradeName ?? ''],
    ['cpf_cnpj', client.document],
    ['email', client.emails.join(';')],
    ['telefones', client.phones.join(';')],
    ['tipo_logradouro', a.streetType ?? ''],
    ['logradouro', a.street ?? ''],
    ['numero', a.number ?? ''],
    ['complemento', a.complement ?? ''],
    ['bairro', a.district ?? ''],
    ['cidade', a.city ?? ''],
    ['uf', a.state ?? ''],
    ['cep', a.zip ?? ''],
    ['estado_civil', client.maritalStatus ? MARITAL_LABELS[client.maritalStatus] : ''],
    ['data_nascimento', client.birthDate ?? ''],
    ['nome_conjuge', client.spouseName ?? ''],
  ];
}

/** Fields of the `return` struct (tns:RetornoIntegracao). */
export const RESULT_FIELDS = { status: 'status', code: 'codigo', message: 'mensagem', crmId: 'id_crm' } as const;
export const RESULT_OK = 'OK';

/** How the CRM's texts are recognised. MANUAL = quoted in the source manual; others are sandbox conventions. */
export const MESSAGE_PATTERNS = {
  /** MANUAL: "Cliente XX Erro Número X: Esse IP: XX Não está permitido o acesso a essa função". */
  ipNotAllowed: /Cliente\s+(?<client>.*?)\s+Erro\s+N[úu]mero\s+(?<number>\S+?):\s*Esse\s+IP:\s*(?<ip>\S+)\s+N[ãa]o\s+est[áa]\s+permitido/i,
  /** MANUAL: "CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::". */
  spouseWithoutId: /C[ÔO]NJUGE\s+SEM\s+ID\s+INTEGRA[ÇC][ÃA]O/i,
  duplicateDocument: /(CPF|CNPJ).*(J[ÁA]\s+CADASTRADO|DUPLICAD)/i,
  authFailed: /USU[ÁA]RIO\s+OU\s+SENHA\s+INV[ÁA]LID/i,
  cnpjInvalid: /CNPJ.*INV[ÁA]LIDO/i,
} as const;
