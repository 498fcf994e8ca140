/**
 * The contract scenarios: one CRM call each, with what it must produce. `record-fixtures.ts` runs
 * them against the sandbox (frozen clock) and writes the request and response envelopes under
 * `test/fixtures/envelopes/`; `contract.test.ts` replays the responses with msw and checks that the
 * client builds the recorded requests byte for byte and maps each response as stated.
 */
import type { Client, Contract, Occurrence, Spouse } from '@mega-crm/core';
import type { CrmSandbox, CrmSandboxOptions } from '@mega-crm/crm-sandbox';
import type { CrmClient } from '../../src/client.js';
import type { ProspectInput } from '../../src/prospect.js';

export const FROZEN_NOW = new Date('2026-01-15T12:00:00.000Z');

export const joao: Client = {
  key: '1-1-1000',
  personType: 'F',
  name: 'João Conceição',
  document: '52998224725',
  emails: ['joao@exemplo.com.br'],
  phones: ['11987654321'],
  address: { streetType: 'R', street: 'São João & Filhos <fundos>', number: '12', city: 'São Paulo', state: 'SP', zip: '01001000' },
  maritalStatus: 'married',
  birthDate: '1975-04-30',
  spouseName: 'Ângela Gonçalves',
  spouseKey: '1-1-1000-C',
};

export const angela: Spouse = { key: '1-1-1000-C', clientKey: '1-1-1000', name: 'Ângela Gonçalves', document: '11144477735', birthDate: '1978-09-12' };

export const contract: Contract = {
  key: '1-1-1-C-77',
  number: '77',
  type: 'sale',
  status: 'active',
  registeredAt: '2025-12-01',
  signedAt: '2025-12-02',
  value: 450_000.5,
  buyers: [
    { clientKey: '1-1-1000', share: 50, main: true },
    { clientKey: '1-1-1001', share: 30, main: false },
    { clientKey: '1-1-1002', share: 20, main: false },
  ],
  enterprise: { key: 'E-1', code: 'RESAC', name: 'Residencial Araucária' },
  stage: { key: 'T-1', code: '1', name: 'Etapa Única' },
  block: { key: 'B-1', code: 'A', name: 'Torre A' },
  unit: { key: 'U-101', code: '101', name: 'Apto 101' },
  garages: [{ key: 'G-7', code: 'G7', name: 'Vaga 7' }],
};

export const occurrence: Occurrence = {
  key: '1-1-1-O-900',
  contractKey: contract.key,
  typeCode: 44,
  typeDescription: 'Alteração cadastral',
  text: 'Cliente pediu atualização de endereço',
  openedAt: '2026-01-10',
  status: 'open',
};

/** A pre-sales prospect (shared id with Vimob). */
export const maria: ProspectInput = { key: 'PRO-1', name: 'Maria Conceição', document: '246.813.579-28', email: 'maria@exemplo.com.br', phone: '11912345678' };

/** João without a spouse link, and other clients built from him. */
const { spouseKey: _spouseKey, ...single } = joao;
const other = (n: number, document: string): Client => ({ ...single, key: `1-1-${n}`, name: `Cliente ${n}`, document });

export interface Scenario {
  readonly name: string;
  readonly sandbox?: CrmSandboxOptions;
  readonly password?: string;
  /** Unrecorded calls that put the sandbox in the needed state. */
  readonly setup?: (client: CrmClient, sandbox: CrmSandbox) => Promise<void>;
  readonly call: (client: CrmClient) => Promise<unknown>;
  readonly expect: { readonly result: unknown } | { readonly error: { readonly name: string; readonly code: string; readonly [k: string]: unknown } };
}

const withBuyers = async (client: CrmClient) => {
  await client.upsertSpouse(angela);
  await client.upsertClient(joao);
  await client.upsertClient({ ...other(1001, '39053344705') });
  await client.upsertClient({ ...other(1002, '71428793860') });
};

const withContract = async (client: CrmClient) => {
  await withBuyers(client);
  await client.upsertContract(contract);
};

const withOccurrence = async (client: CrmClient) => {
  await withContract(client);
  await client.upsertOccurrence(occurrence);
};

export const SCENARIOS: readonly Scenario[] = [
  { name: 'validate-cnpj.ok', call: (c) => c.validateCnpj(), expect: { result: { crmId: '', message: 'CNPJ VALIDO' } } },
  {
    name: 'validate-cnpj.not-registered',
    sandbox: { integrationCnpjs: ['11.444.777/0001-61'] },
    call: (c) => c.validateCnpj(),
    expect: { error: { name: 'ConfigurationError', code: 'CNPJ_INVALID', stopsRun: true } },
  },
  { name: 'upsert-spouse.ok', call: (c) => c.upsertSpouse(angela), expect: { result: { crmId: '1', message: 'CONJUGE INCLUIDO' } } },
  {
    name: 'upsert-client.ok',
    setup: async (c) => void (await c.upsertSpouse(angela)),
    call: (c) => c.upsertClient(joao),
    expect: { result: { crmId: '2', message: 'CLIENTE INCLUIDO' } },
  },
  {
    name: 'upsert-client.spouse-without-id',
    call: (c) => c.upsertClient(joao),
    expect: { error: { name: 'DependencyMissingError', code: 'SPOUSE_WITHOUT_INTEGRATION_ID', retryable: false } },
  },
  {
    name: 'upsert-client.duplicate-cpf',
    setup: async (c) => void (await c.upsertClient(other(2000, joao.document))),
    call: (c) => c.upsertClient(single),
    expect: { error: { name: 'DuplicateDocumentError', code: 'DUPLICATE_CPF', retryable: false } },
  },
  {
    name: 'upsert-client.missing-field',
    call: (c) => c.upsertClient({ ...single, name: '' }),
    expect: { error: { name: 'ValidationError', code: 'VALIDATION_FAILED' } },
  },
  {
    name: 'upsert-client.ip-not-allowed',
    sandbox: { allowedIps: ['10.0.0.1'], clientPath: 'cliente' },
    call: (c) => c.upsertClient(joao),
    expect: {
      error: {
        name: 'ConfigurationError',
        code: 'IP_NOT_ALLOWED',
        stopsRun: true,
        details: { operation: 'IncluirAlterarCliente', client: 'cliente', errorNumber: '1', ip: '127.0.0.1' },
      },
    },
  },
  {
    name: 'upsert-client.auth-failed',
    password: 'errada',
    call: (c) => c.upsertClient(joao),
    expect: { error: { name: 'ConfigurationError', code: 'AUTH_FAILED', stopsRun: true } },
  },
  {
    name: 'upsert-client.server-fault',
    sandbox: { faults: { serverFaultRate: 1 } },
    call: (c) => c.upsertClient(joao),
    expect: { error: { name: 'CrmFaultError', code: 'CRM_FAULT', retryable: true } },
  },
  {
    name: 'upsert-contract.ok',
    setup: withBuyers,
    call: (c) => c.upsertContract(contract),
    expect: { result: { crmId: '5', message: 'CONTRATO INCLUIDO' } },
  },
  {
    name: 'upsert-contract.client-not-found',
    call: (c) => c.upsertContract(contract),
    expect: {
      error: {
        name: 'DependencyMissingError',
        code: 'DEPENDENCY_MISSING',
        details: { operation: 'IncluirAlterarContrato', crmCode: 5, missingKey: '1-1-1000' },
      },
    },
  },
  {
    name: 'upsert-occurrence.open',
    setup: withContract,
    call: (c) => c.upsertOccurrence(occurrence),
    expect: { result: { crmId: '6', message: 'OCORRENCIA INCLUIDA' } },
  },
  {
    name: 'upsert-occurrence.closed',
    setup: withContract,
    call: (c) => c.upsertOccurrence({ ...occurrence, status: 'closed', closedAt: '2026-01-12' }),
    expect: { result: { crmId: '6', message: 'OCORRENCIA INCLUIDA' } },
  },
  {
    name: 'add-narrative.ok',
    setup: withOccurrence,
    call: (c) => c.addNarrative({ occurrenceKey: occurrence.key, text: 'Proposta reprovada no Vimob: análise de crédito', at: '2026-01-15T09:30:00-03:00' }),
    expect: { result: { crmId: '7', message: 'NARRATIVA INCLUIDA' } },
  },
  {
    // The narrative's own id, sent again (e.g. after a crash before its sender recorded it): the CRM keeps the first one.
    name: 'add-narrative.repeated-key',
    setup: async (client) => {
      await withOccurrence(client);
      await client.addNarrative({ occurrenceKey: occurrence.key, text: 'Vimob: proposta inserida', at: '2026-01-15T09:30:00-03:00', key: 'vimob-PPS-1-1' });
    },
    call: (c) => c.addNarrative({ occurrenceKey: occurrence.key, text: 'Vimob: proposta inserida', at: '2026-01-15T09:30:00-03:00', key: 'vimob-PPS-1-1' }),
    expect: { result: { crmId: '7', message: 'NARRATIVA JA INCLUIDA' } },
  },
  {
    name: 'add-narrative.occurrence-not-found',
    call: (c) => c.addNarrative({ occurrenceKey: 'NAO-EXISTE', text: 'x', at: '2026-01-15T09:30:00-03:00' }),
    expect: { error: { name: 'CrmFaultError', code: 'CRM_REJECTED', retryable: false, details: { crmCode: 5 } } },
  },
  {
    name: 'close-occurrence.flow',
    setup: withOccurrence,
    call: (c) => c.closeOccurrence({ occurrenceKey: occurrence.key, reason: 'Proposta cancelada', closeFlow: true }),
    expect: { result: { crmId: '6', message: 'OCORRENCIA E FLUXO ENCERRADOS' } },
  },
  {
    name: 'occurrence-origin.integration',
    setup: withOccurrence,
    call: (c) => c.occurrenceOrigin(occurrence.key),
    expect: { result: { origin: 'integration', crmId: '6' } },
  },
  {
    name: 'occurrence-origin.crm',
    setup: async (_c, sandbox) => void sandbox.createCrmOccurrence({ key: 'CRM-1', text: 'Aberta por um operador' }),
    call: (c) => c.occurrenceOrigin('CRM-1'),
    expect: { result: { origin: 'crm', crmId: '1' } },
  },
  {
    name: 'integration-log.ok',
    setup: async (c) => {
      await c.upsertClient(joao).catch(() => undefined);
      await c.upsertSpouse(angela);
      await c.upsertClient(joao);
    },
    call: (c) => c.integrationLog(joao.key),
    expect: {
      result: [
        {
          at: FROZEN_NOW.toISOString(),
          entity: 'cliente',
          key: '1-1-1000',
          operation: 'IncluirAlterarCliente',
          status: 'error',
          message: 'CONJUGE SEM ID INTEGRACAO:: ACAO:: Verificar com o Mega::',
        },
        { at: FROZEN_NOW.toISOString(), entity: 'cliente', key: '1-1-1000', operation: 'IncluirAlterarCliente', status: 'ok', message: 'CLIENTE INCLUIDO' },
      ],
    },
  },
  // Pre-sales (CRM ⇄ Vimob).
  { name: 'upsert-prospect.ok', call: (c) => c.upsertProspect(maria), expect: { result: { crmId: '1', message: 'PROSPECT INCLUIDO' } } },
  {
    name: 'upsert-prospect.duplicate-cpf',
    setup: async (c) => void (await c.upsertClient(other(3000, '24681357928'))),
    call: (c) => c.upsertProspect(maria),
    expect: { error: { name: 'DuplicateDocumentError', code: 'DUPLICATE_CPF', retryable: false } },
  },
  {
    name: 'prospect-main-occurrence.ok',
    setup: async (c) => void (await c.upsertProspect(maria)),
    call: (c) => c.prospectMainOccurrence(maria.key),
    expect: { result: { occurrenceKey: 'PRO-1-OC', crmId: '2', status: 'open' } },
  },
  {
    name: 'prospect-main-occurrence.not-found',
    call: (c) => c.prospectMainOccurrence('PRO-9'),
    expect: { error: { name: 'CrmFaultError', code: 'CRM_REJECTED', retryable: false, details: { crmCode: 5 } } },
  },
  {
    name: 'bpo-status.concluded',
    setup: async (c, sandbox) => {
      await c.upsertProspect(maria);
      sandbox.setBpoStep('PRO-1-OC', 'Análise de Crédito', 'concluded');
    },
    call: (c) => c.bpoStatus('PRO-1-OC', 'Análise de Crédito'),
    expect: { result: { occurrenceKey: 'PRO-1-OC', step: 'Análise de Crédito', state: 'concluded', concludedAt: FROZEN_NOW.toISOString() } },
  },
  {
    name: 'bpo-status.pending',
    setup: async (c) => void (await c.upsertProspect(maria)),
    call: (c) => c.bpoStatus('PRO-1-OC', 'Análise de Crédito'),
    expect: { result: { occurrenceKey: 'PRO-1-OC', step: 'Análise de Crédito', state: 'pending' } },
  },
];
