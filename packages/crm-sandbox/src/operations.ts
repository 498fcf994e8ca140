/**
 * RECONSTRUCTION. The CRM's live WSDL is not public (domain/reference.md §1.2, §6). These are the
 * operations as this project models them, registered the way a NuSOAP server registers its
 * functions; the WSDL is generated from this table, as NuSOAP does. crm-client's recorded fixture
 * (`test/fixtures/WebServicesMultidados.wsdl`) must match what this produces: a contract test checks it.
 */

export type XsdType = 'xsd:string' | 'xsd:int' | 'xsd:boolean';

export interface OperationDef {
  readonly name: string;
  readonly doc: string;
  readonly input: ReadonlyArray<readonly [name: string, type: XsdType]>;
  readonly output: string;
}

/** Sent first by every operation: the fields of Mega's "Configuração Integração CRM" screen. */
export const AUTH_PARTS = [
  ['usuario', 'xsd:string'],
  ['senha', 'xsd:string'],
  ['conexao_aberta_por', 'xsd:string'],
  ['conexao_aberta_para', 'xsd:string'],
  ['cnpj_empresa', 'xsd:string'],
] as const;

export const RESULT_TYPE = {
  name: 'RetornoIntegracao',
  fields: [
    ['status', 'xsd:string'],
    ['codigo', 'xsd:int'],
    ['mensagem', 'xsd:string'],
    ['id_crm', 'xsd:string'],
  ],
} as const;

export const OPERATIONS: readonly OperationDef[] = [
  {
    name: 'ValidarCNPJ',
    doc: 'Valida o CNPJ de integração cadastrado no Portal do CRM',
    input: [...AUTH_PARTS],
    output: RESULT_TYPE.name,
  },
  {
    name: 'IncluirAlterarCliente',
    doc: 'Inclui ou altera um cliente pelo id de integração',
    input: [
      ...AUTH_PARTS,
      ['id_integracao', 'xsd:string'],
      ['tipo_pessoa', 'xsd:string'],
      ['nome', 'xsd:string'],
      ['nome_fantasia', 'xsd:string'],
      ['cpf_cnpj', 'xsd:string'],
      ['email', 'xsd:string'],
      ['telefones', 'xsd:string'],
      ['tipo_logradouro', 'xsd:string'],
      ['logradouro', 'xsd:string'],
      ['numero', 'xsd:string'],
      ['complemento', 'xsd:string'],
      ['bairro', 'xsd:string'],
      ['cidade', 'xsd:string'],
      ['uf', 'xsd:string'],
      ['cep', 'xsd:string'],
      ['estado_civil', 'xsd:string'],
      ['data_nascimento', 'xsd:string'],
      ['nome_conjuge', 'xsd:string'],
    ],
    output: RESULT_TYPE.name,
  },
];
