/** Pre-sales records → the profile's parameter values. Field names here must match OPERATIONS in profile.ts. */
import type { Prospect } from '../prospect.js';
import { PRESALES_LABELS } from './profile.js';
import type { ParamValues } from './types.js';

export function prospectParams(prospect: Prospect): ParamValues {
  return {
    id_integracao: prospect.key,
    tipo_pessoa: prospect.personType,
    nome: prospect.name,
    cpf_cnpj: prospect.document,
    email: prospect.email ?? '',
    telefones: prospect.phone ?? '',
    origem: PRESALES_LABELS.prospectOrigin[prospect.origin],
  };
}
