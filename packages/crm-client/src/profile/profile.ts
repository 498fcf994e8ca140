/**
 * RECONSTRUCTED PROFILE of the CRM's WebServicesMultidados. The live WSDL is not public
 * (domain/reference.md §1.2, §6): every operation name, parameter name and type, result field and
 * message pattern the SDK relies on lives in this file. These are the defaults: a user holding the live
 * WSDL overrides any of them at run time (`CrmClient.connect({ profile })`, see runtime.ts), and
 * `compareProfile` says which. The sandbox serves the WSDL rendered from it; the recorded fixture
 * `test/fixtures/WebServicesMultidados.wsdl` is that rendering, checked by a contract test.
 */
import type { OperationDef, StructDef } from './types.js';

export const SERVICE_DEFAULTS = {
  serviceName: 'WebServicesMultidados',
  portName: 'WebServicesMultidadosPort',
  /** Mega's documented connection timeout ("Timeout de Conexão: 15007"). */
  timeoutMs: 15_007,
} as const;

/** Sent first by every operation: the fields of Mega's "Configuração Integração CRM" screen. */
export const AUTH_PARTS = ['usuario', 'senha', 'conexao_aberta_por', 'conexao_aberta_para', 'cnpj_empresa'] as const;

export const STRUCTS = [
  {
    name: 'RetornoIntegracao',
    fields: [
      ['status', 'string'],
      ['codigo', 'int'],
      ['mensagem', 'string'],
      ['id_crm', 'string'],
    ],
  },
  {
    name: 'RetornoOrigem',
    fields: [
      ['status', 'string'],
      ['codigo', 'int'],
      ['mensagem', 'string'],
      ['id_crm', 'string'],
      ['origem', 'string'],
    ],
  },
  {
    name: 'LogIntegracao',
    fields: [
      ['data', 'string'],
      ['entidade', 'string'],
      ['id_integracao', 'string'],
      ['operacao', 'string'],
      ['status', 'string'],
      ['mensagem', 'string'],
    ],
  },
  {
    name: 'RetornoLog',
    fields: [
      ['status', 'string'],
      ['codigo', 'int'],
      ['mensagem', 'string'],
      ['registros', { arrayOf: 'LogIntegracao' }],
    ],
  },
  {
    name: 'Comprador',
    fields: [
      ['id_integracao_cliente', 'string'],
      ['percentual', 'decimal'],
      ['principal', 'boolean'],
    ],
  },
  // Pre-sales (CRM ⇄ Vimob). GUESS: the manual names the facts (main occurrence, BPO status), not the names.
  {
    name: 'RetornoOcorrenciaProspect',
    fields: [
      ['status', 'string'],
      ['codigo', 'int'],
      ['mensagem', 'string'],
      ['id_crm', 'string'],
      ['id_integracao_ocorrencia', 'string'],
      ['situacao', 'string'],
    ],
  },
  {
    name: 'RetornoStatusBPO',
    fields: [
      ['status', 'string'],
      ['codigo', 'int'],
      ['mensagem', 'string'],
      ['id_crm', 'string'],
      ['etapa', 'string'],
      ['situacao', 'string'],
      ['data_conclusao', 'string'],
    ],
  },
] as const satisfies readonly StructDef[];

export type StructName = (typeof STRUCTS)[number]['name'];

/** GUESS: the name of the one part of every `…Response` message (NuSOAP's default for a returned value). */
export const RESPONSE_PART = 'return';

export const OPERATIONS = {
  validateCnpj: { name: 'ValidarCNPJ', doc: 'Valida o CNPJ de integração cadastrado no Portal do CRM', input: [], output: 'RetornoIntegracao' },
  upsertClient: {
    name: 'IncluirAlterarCliente',
    doc: 'Inclui ou altera um cliente pelo id de integração',
    input: [
      ['id_integracao', 'string'],
      ['tipo_pessoa', 'string'],
      ['nome', 'string'],
      ['nome_fantasia', 'string'],
      ['cpf_cnpj', 'string'],
      ['email', 'string'],
      ['telefones', 'string'],
      ['tipo_logradouro', 'string'],
      ['logradouro', 'string'],
      ['numero', 'string'],
      ['complemento', 'string'],
      ['bairro', 'string'],
      ['cidade', 'string'],
      ['uf', 'string'],
      ['cep', 'string'],
      ['estado_civil', 'string'],
      ['data_nascimento', 'string'],
      ['nome_conjuge', 'string'],
      ['id_integracao_conjuge', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  upsertSpouse: {
    name: 'IncluirAlterarConjuge',
    doc: 'Inclui ou altera o cônjuge de um cliente',
    input: [
      ['id_integracao', 'string'],
      ['id_integracao_cliente', 'string'],
      ['nome', 'string'],
      ['cpf', 'string'],
      ['rg', 'string'],
      ['data_nascimento', 'string'],
      ['profissao', 'string'],
      ['nacionalidade', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  upsertContract: {
    name: 'IncluirAlterarContrato',
    doc: 'Inclui ou altera um contrato com seus compradores, unidade e empreendimento',
    input: [
      ['id_integracao', 'string'],
      ['numero', 'string'],
      ['tipo', 'string'],
      ['situacao', 'string'],
      ['data_cadastro', 'string'],
      ['data_assinatura', 'string'],
      ['data_situacao', 'string'],
      ['valor', 'decimal'],
      ['compradores', { arrayOf: 'Comprador' }],
      ['id_empreendimento', 'string'],
      ['codigo_empreendimento', 'string'],
      ['nome_empreendimento', 'string'],
      ['etapa', 'string'],
      ['bloco', 'string'],
      ['id_unidade', 'string'],
      ['codigo_unidade', 'string'],
      ['nome_unidade', 'string'],
      ['garagens', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  upsertOccurrence: {
    name: 'IncluirAlterarOcorrencia',
    doc: 'Inclui ou altera uma ocorrência de contrato, aberta ou fechada',
    input: [
      ['id_integracao', 'string'],
      ['id_integracao_contrato', 'string'],
      ['codigo_tipo', 'int'],
      ['descricao_tipo', 'string'],
      ['texto', 'string'],
      ['data_abertura', 'string'],
      ['situacao', 'string'],
      ['data_encerramento', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  addNarrative: {
    name: 'IncluirNarrativa',
    doc: 'Inclui uma narrativa em uma ocorrência',
    input: [
      ['id_integracao_ocorrencia', 'string'],
      ['texto', 'string'],
      ['data', 'string'],
      // GUESS: the narrative's integration id, like every other record's; the CRM keeps one narrative
      // per id (a repeat answers with the first one's id). Empty: no such check (post-sales narratives).
      ['id_integracao_narrativa', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  closeOccurrence: {
    name: 'EncerrarOcorrencia',
    doc: 'Encerra uma ocorrência e, se pedido, o fluxo do CRM',
    input: [
      ['id_integracao_ocorrencia', 'string'],
      ['motivo', 'string'],
      ['encerrar_fluxo', 'boolean'],
    ],
    output: 'RetornoIntegracao',
  },
  occurrenceOrigin: {
    name: 'ConsultarOrigemOcorrencia',
    doc: 'Informa se a ocorrência foi criada no CRM ou pela integração do Mega',
    input: [['id_integracao_ocorrencia', 'string']],
    output: 'RetornoOrigem',
  },
  integrationLog: {
    name: 'ConsultarLogIntegracao',
    doc: 'Lista o log de integração do CRM para um id de integração',
    input: [
      ['id_integracao', 'string'],
      ['entidade', 'string'],
    ],
    output: 'RetornoLog',
  },
  // Pre-sales (CRM ⇄ Vimob). GUESS: names; MANUAL: a prospect carries one id from creation to conversion
  // into a client, and the CRM refuses duplicate CPFs (across prospects and clients).
  upsertProspect: {
    name: 'IncluirAlterarProspect',
    doc: 'Inclui ou altera um prospect pelo id compartilhado com o Vimob',
    input: [
      ['id_integracao', 'string'],
      ['tipo_pessoa', 'string'],
      ['nome', 'string'],
      ['cpf_cnpj', 'string'],
      ['email', 'string'],
      ['telefones', 'string'],
      ['origem', 'string'],
    ],
    output: 'RetornoIntegracao',
  },
  prospectMainOccurrence: {
    name: 'ConsultarOcorrenciaPrincipalProspect',
    doc: 'Informa a ocorrência principal de um prospect (a que abre o Vimob)',
    input: [['id_integracao_prospect', 'string']],
    output: 'RetornoOcorrenciaProspect',
  },
  bpoStatus: {
    name: 'ConsultarStatusBPO',
    doc: 'Informa a situação de uma etapa de BPO de uma ocorrência',
    input: [
      ['id_integracao_ocorrencia', 'string'],
      ['etapa', 'string'],
    ],
    output: 'RetornoStatusBPO',
  },
} as const satisfies Record<string, OperationDef>;

export type OperationKey = keyof typeof OPERATIONS;

/**
 * What a sync cannot do without (the engine's CrmSink delivers through these). The others (validation,
 * narratives, closing, queries, pre-sales) may be absent from a live WSDL: `connect` reports them and a
 * call to one fails with PROFILE_MISMATCH.
 */
export const REQUIRED_OPERATIONS = ['upsertClient', 'upsertSpouse', 'upsertContract', 'upsertOccurrence'] as const satisfies readonly OperationKey[];

/** Result fields shared by every return struct. */
export const RESULT_FIELDS = { status: 'status', code: 'codigo', message: 'mensagem', crmId: 'id_crm' } as const;
export const RESULT_OK = 'OK';

/** CRM labels for domain values. GUESS: the CRM's accepted values are not public. */
export const LABELS = {
  marital: { single: 'SOLTEIRO', married: 'CASADO', divorced: 'DIVORCIADO', widowed: 'VIUVO', separated: 'SEPARADO', 'stable-union': 'UNIAO ESTAVEL' },
  contractType: { sale: 'VENDA', swap: 'PERMUTA', rent: 'LOCACAO' },
  contractStatus: {
    active: 'ATIVO',
    defaulting: 'INADIMPLENTE',
    cancelled: 'DISTRATADO',
    transferred: 'TRANSFERIDO',
    assigned: 'CESSAO DE DIREITOS',
    'paid-off': 'QUITADO',
  },
  /** MANUAL: occurrences go to the CRM "Aberta" or "Fechada". */
  occurrenceStatus: { open: 'ABERTA', closed: 'FECHADA' },
  /** GUESS: values of RetornoOrigem.origem. */
  origin: { crm: 'CRM', integration: 'INTEGRACAO' },
} as const;

/**
 * How a record that left Mega (deleted, or out of the integration's scope) is taken out of the CRM's
 * active records, per entity. MANUAL: an occurrence can be closed (EncerrarOcorrencia). The profile has
 * no operation to deactivate a client or a contract, nor to unlink a spouse: those are reported by the
 * engine instead. GUESS: the closing reasons' wording.
 */
export const REMOVALS = {
  occurrence: {
    operation: 'closeOccurrence',
    action: 'closed',
    reason: { deleted: 'ENCERRADA PELA INTEGRACAO: EXCLUIDA NO MEGA', 'out-of-scope': 'ENCERRADA PELA INTEGRACAO: FORA DO ESCOPO NO MEGA' },
  },
} as const satisfies Partial<
  Record<'spouse' | 'client' | 'contract' | 'occurrence' | 'prospect', { operation: OperationKey; action: 'closed' | 'deactivated'; reason: unknown }>
>;

/**
 * A pattern that survives wrong accents and case: each accented letter also matches its bare letter,
 * `?` (NuSOAP's stand-in for what its charset lacks), U+FFFD, and the two-character mojibake of UTF-8
 * read as ISO-8859-1 ("NÃ£o"), so a message sent in one charset and declared in another is still recognised.
 */
export function loose(source: string): RegExp {
  const letter = (ch: string) => `(?:${ch}|${ch.normalize('NFD').replace(/\p{M}/gu, '')}|[ÃÂ].|\\?|\uFFFD)`;
  return new RegExp(source.replace(/[À-ÿ]/g, letter), 'iu');
}

/** How the CRM's texts are recognised. MANUAL = quoted in the source manual; others are sandbox conventions. */
export const MESSAGE_PATTERNS = {
  /** MANUAL: "Cliente XX Erro Número X: Esse IP: XX Não está permitido o acesso a essa função". */
  ipNotAllowed: loose(String.raw`Cliente\s+(?<client>.*?)\s+Erro\s+Número\s+(?<number>\S+?):\s*Esse\s+IP:\s*(?<ip>\S+)\s+Não\s+está\s+permitido`),
  /** MANUAL: "CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::". */
  spouseWithoutId: loose(String.raw`CÔNJUGE\s+SEM\s+ID\s+INTEGRAÇÃO`),
  duplicateDocument: loose(String.raw`(CPF|CNPJ).*(JÁ\s+CADASTRADO|DUPLICAD)`),
  authFailed: loose(String.raw`USUÁRIO\s+OU\s+SENHA\s+INVÁLID`),
  cnpjInvalid: loose('CNPJ.*INVÁLIDO'),
  missingField: loose(String.raw`CAMPO\s+OBRIGATÓRIO\s+NÃO\s+INFORMADO:\s*(?<field>\w+)`),
  /** A record the CRM needs first (the contract's client, the occurrence's contract) is not there yet. */
  dependencyNotFound: loose(String.raw`(CLIENTE|CONTRATO)\s+NÃO\s+ENCONTRADO:\s*(?<key>\S+)`),
} as const;

/** GUESS: pre-sales labels (prospect origin, BPO step states) as the CRM would spell them. */
export const PRESALES_LABELS = {
  prospectOrigin: { crm: 'CRM', vimob: 'VIMOB' },
  bpoState: { pending: 'PENDENTE', 'in-progress': 'EM ANDAMENTO', concluded: 'CONCLUIDO' },
} as const;
