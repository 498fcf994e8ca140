/**
 * The texts the sandbox answers with. Those marked MANUAL are quoted from the source manual; the
 * others are SANDBOX CONVENTIONS (the live CRM's wording is not public).
 */
export const MESSAGES = {
  /** MANUAL: "Cliente XX Erro Número X: Esse IP: XX Não está permitido o acesso a essa função". */
  ipNotAllowed: (client: string, ip: string) => `Cliente ${client} Erro Número 1: Esse IP: ${ip} Não está permitido o acesso a essa função`,
  /** MANUAL: shown in the CRM's integration log. */
  spouseWithoutId: 'CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::',
  /** SANDBOX CONVENTION. */
  authFailed: 'USUARIO OU SENHA INVALIDOS:: ACAO:: Verificar a configuração da integração::',
  /** SANDBOX CONVENTION. */
  cnpjInvalid: 'CNPJ DE INTEGRACAO INVALIDO:: ACAO:: Verificar o CNPJ cadastrado no Portal do CRM::',
  /** SANDBOX CONVENTION: the manual says only that the CRM does not accept duplicate CPFs. */
  duplicateDocument: (otherId: string) => `CPF/CNPJ JA CADASTRADO PARA OUTRO CLIENTE:: ID INTEGRACAO ${otherId}:: ACAO:: Verificar com o Mega::`,
  /** SANDBOX CONVENTION. */
  missingField: (field: string) => `CAMPO OBRIGATORIO NAO INFORMADO: ${field}`,
} as const;

/** SANDBOX CONVENTION: `codigo` values of RetornoIntegracao. */
export const RESULT_CODES = {
  ok: 0,
  validation: 1,
  duplicateDocument: 2,
  spouseWithoutId: 3,
  cnpjInvalid: 4,
} as const;
