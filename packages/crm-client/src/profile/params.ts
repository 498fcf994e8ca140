/** Domain records → the profile's parameter values. Field names here must match OPERATIONS in profile.ts. */
import type { Client, CloseOccurrence, Contract, Narrative, Occurrence, Spouse } from '@mega-crm/core';
import { LABELS } from './profile.js';
import type { ParamValues } from './types.js';

const opt = (value: string | undefined): string => value ?? '';

export function clientParams(client: Client): ParamValues {
  const a = client.address;
  return {
    id_integracao: client.key,
    tipo_pessoa: client.personType,
    nome: client.name,
    nome_fantasia: opt(client.tradeName),
    cpf_cnpj: client.document,
    email: client.emails.join(';'),
    telefones: client.phones.join(';'),
    tipo_logradouro: opt(a.streetType),
    logradouro: opt(a.street),
    numero: opt(a.number),
    complemento: opt(a.complement),
    bairro: opt(a.district),
    cidade: opt(a.city),
    uf: opt(a.state),
    cep: opt(a.zip),
    estado_civil: client.maritalStatus ? LABELS.marital[client.maritalStatus] : '',
    data_nascimento: opt(client.birthDate),
    nome_conjuge: opt(client.spouseName),
    id_integracao_conjuge: opt(client.spouseKey),
  };
}

export function spouseParams(spouse: Spouse): ParamValues {
  return {
    id_integracao: spouse.key,
    id_integracao_cliente: spouse.clientKey,
    nome: spouse.name,
    cpf: opt(spouse.document),
    rg: opt(spouse.idCard),
    data_nascimento: opt(spouse.birthDate),
    profissao: opt(spouse.profession),
    nacionalidade: opt(spouse.nationality),
  };
}

export function contractParams(contract: Contract): ParamValues {
  return {
    id_integracao: contract.key,
    numero: contract.number,
    tipo: LABELS.contractType[contract.type],
    situacao: LABELS.contractStatus[contract.status],
    data_cadastro: opt(contract.registeredAt),
    data_assinatura: opt(contract.signedAt),
    data_situacao: opt(contract.statusAt),
    valor: contract.value.toFixed(2),
    compradores: contract.buyers.map((b) => ({
      id_integracao_cliente: b.clientKey,
      percentual: b.share === undefined ? '' : b.share.toFixed(2),
      principal: String(b.main),
    })),
    id_empreendimento: contract.enterprise.key,
    codigo_empreendimento: contract.enterprise.code,
    nome_empreendimento: contract.enterprise.name,
    etapa: opt(contract.stage?.name),
    bloco: opt(contract.block?.name),
    id_unidade: opt(contract.unit?.key),
    codigo_unidade: opt(contract.unit?.code),
    nome_unidade: opt(contract.unit?.name),
    garagens: contract.garages.map((g) => g.code).join(';'),
  };
}

export function occurrenceParams(occurrence: Occurrence): ParamValues {
  return {
    id_integracao: occurrence.key,
    id_integracao_contrato: occurrence.contractKey,
    codigo_tipo: String(occurrence.typeCode),
    descricao_tipo: occurrence.typeDescription,
    texto: occurrence.text,
    data_abertura: occurrence.openedAt,
    situacao: LABELS.occurrenceStatus[occurrence.status],
    data_encerramento: opt(occurrence.closedAt),
  };
}

export function narrativeParams(narrative: Narrative): ParamValues {
  return { id_integracao_ocorrencia: narrative.occurrenceKey, texto: narrative.text, data: narrative.at, id_integracao_narrativa: narrative.key ?? '' };
}

export function closeOccurrenceParams(close: CloseOccurrence): ParamValues {
  return { id_integracao_ocorrencia: close.occurrenceKey, motivo: close.reason, encerrar_fluxo: String(close.closeFlow) };
}
