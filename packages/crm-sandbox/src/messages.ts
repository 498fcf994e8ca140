/**
 * The texts the sandbox answers with. Those marked MANUAL are quoted from the source manual; the
 * others are SANDBOX CONVENTIONS (the live CRM's wording is not public). Each must be recognised by
 * crm-client's MESSAGE_PATTERNS: a test checks it.
 */
export const MESSAGES = {
  /** MANUAL: "Cliente XX Erro Número X: Esse IP: XX Não está permitido o acesso a essa função". */
  ipNotAllowed: (client: string, ip: string) => `Cliente ${client} Erro Número 1: Esse IP: ${ip} Não está permitido o acesso a essa função`,
  /** MANUAL: shown in the CRM's integration log. */
  spouseWithoutId: 'CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::',
  authFailed: 'USUARIO OU SENHA INVALIDOS:: ACAO:: Verificar a configuração da integração::',
  cnpjInvalid: 'CNPJ DE INTEGRACAO INVALIDO:: ACAO:: Verificar o CNPJ cadastrado no Portal do CRM::',
  /** The manual says only that the CRM does not accept duplicate CPFs. */
  duplicateDocument: (otherId: string) => `CPF/CNPJ JA CADASTRADO PARA OUTRO CLIENTE:: ID INTEGRACAO ${otherId}:: ACAO:: Verificar com o Mega::`,
  missingField: (field: string) => `CAMPO OBRIGATORIO NAO INFORMADO: ${field}`,
  clientNotFound: (key: string) => `CLIENTE NAO ENCONTRADO: ${key}`,
  contractNotFound: (key: string) => `CONTRATO NAO ENCONTRADO: ${key}`,
  occurrenceNotFound: (key: string) => `OCORRENCIA NAO ENCONTRADA: ${key}`,
  invalidValue: (field: string) => `VALOR INVALIDO NO CAMPO ${field}`,
  serverError: 'Erro interno do servidor. Tente novamente.',
} as const;

/** SANDBOX CONVENTION: `codigo` values of the return structs. */
export const RESULT_CODES = {
  ok: 0,
  validation: 1,
  duplicateDocument: 2,
  spouseWithoutId: 3,
  cnpjInvalid: 4,
  notFound: 5,
} as const;
