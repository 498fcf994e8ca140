import { completeCnpj, completeCpf, pick, seededRandom } from '@mega-crm/core/internal';
import type { Pool } from 'pg';
import { feedDdl } from '../schema/feed.js';
import { createTablesDdl, NO_SCHEMAS, type SchemaMapping, TABLES, type TableName, tableNames } from '../schema/tables.js';
import { type DirtyStats, dirtyWriter } from './dirty.js';
import { CITIES, COMPANY_NAMES, COMPANY_WORDS, DISTRICTS, EMAIL_DOMAINS, FIRST_NAMES_F, FIRST_NAMES_M, STREET_TYPES, STREETS, SURNAMES } from './vocabulary.js';
import { postgresWriter, type RowWriter, sqliteWriter } from './writer.js';

export interface DemoOptions {
  /** Client agents to create. Default 1000. */
  readonly clients?: number;
  /** Same seed, same data. Default 42. */
  readonly seed?: number;
  /** Share of clients that are companies (PJ). Default 0.1. */
  readonly companyShare?: number;
  /** Share of people who are married (and get a spouse row). Default 0.4. */
  readonly marriedShare?: number;
  /** Share of married people whose spouse has a CPF in Mega. Default 0.85. */
  readonly spouseCpfShare?: number;
  /** Share of enterprises not flagged for the CRM. Default 0.2 (at least one enterprise stays flagged). */
  readonly unflaggedEnterpriseShare?: number;
  /** Share of clients without any contract. Default 0.1. */
  readonly clientsWithoutContractShare?: number;
  /** Share of contracts with co-buyers (2 or 3 buyers). Default 0.15. */
  readonly coBuyerShare?: number;
  /** Occurrences per contract, on average. Default 1. */
  readonly occurrencesPerContract?: number;
  /** Installments per contract. Default 4 (some overdue). */
  readonly installmentsPerContract?: number;
  /** Share (0–1) of rows made dirty, for each kind in DIRTY_KINDS (`pnpm demo --dirty`: 0.05). Default 0. */
  readonly dirtyShare?: number;
  /** Pre-sales prospects (CMR_PROSPECT rows, each on an agent of its own, not a client yet). Default 0. */
  readonly prospects?: number;
}

export interface DemoStats {
  readonly clients: number;
  readonly companies: number;
  readonly married: number;
  readonly spousesWithCpf: number;
  readonly otherAgents: number;
  readonly enterprises: number;
  readonly flaggedEnterprises: number;
  readonly units: number;
  readonly garages: number;
  readonly garagesWithoutRow: number;
  readonly contracts: number;
  readonly buyers: number;
  readonly occurrences: number;
  readonly installments: number;
  readonly prospects: number;
  /** With `dirtyShare`: the agent codes each kind of dirt touched. */
  readonly dirty?: DirtyStats;
}

/** First agent code of the demo data; agent i has AGN_IN_CODIGO = FIRST_AGENT_CODE + i. */
export const FIRST_AGENT_CODE = 1000;
/** The one organisation of the demo data. */
export const DEMO_ORG = { ORG_TAB_IN_CODIGO: 1, ORG_PAD_IN_CODIGO: 1, ORG_IN_CODIGO: 1, ORG_TAU_ST_CODIGO: 'O' } as const;

/** Occurrence types of the demo: two integrated open, one integrated closed, one not integrated. */
export const DEMO_OCCURRENCE_TYPES = [
  { OCS_IN_MODULO: 1, OCS_IN_CODIGO: 10, OCS_ST_DESCRICAO: 'Fale Conosco', OCS_BO_INTEGRACRM: 'S', OCS_CH_SITUACAOCRM: 'A' },
  { OCS_IN_MODULO: 1, OCS_IN_CODIGO: 20, OCS_ST_DESCRICAO: 'Solicitação de 2ª via de boleto', OCS_BO_INTEGRACRM: 'S', OCS_CH_SITUACAOCRM: 'A' },
  { OCS_IN_MODULO: 1, OCS_IN_CODIGO: 44, OCS_ST_DESCRICAO: 'Alteração cadastral', OCS_BO_INTEGRACRM: 'S', OCS_CH_SITUACAOCRM: 'F' },
  { OCS_IN_MODULO: 1, OCS_IN_CODIGO: 90, OCS_ST_DESCRICAO: 'Anotação interna', OCS_BO_INTEGRACRM: 'N', OCS_CH_SITUACAOCRM: null },
] as const;

// A multiplier coprime with 9·10^8 turns a counter into distinct, random-looking document bases.
const SPREAD = 7919;
const cpfFor = (n: number) => completeCpf(String(100_000_000 + ((n * SPREAD) % 900_000_000)));
const cnpjFor = (n: number) => completeCnpj(`${String(10_000_000 + ((n * SPREAD) % 90_000_000))}0001`);
const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.');
const date = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/**
 * Writes a realistic, deterministic Mega: enterprises (E → T → B → U, garages, a few garages
 * without their DBM_GARAGEM row, as in the manual's "CLGaragem" incident), client agents with
 * accented names, valid CPFs/CNPJs, married couples, contracts with one to three buyers,
 * installments (some overdue) and occurrences of integrated and non-integrated types.
 */
export async function writeDemoData(target: RowWriter, options: DemoOptions = {}): Promise<DemoStats> {
  const share = options.dirtyShare ?? 0;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`dirtyShare must be between 0 and 1, got ${share}`);
  const dirt = share > 0 ? dirtyWriter(target, share) : undefined;
  const writer = dirt?.writer ?? target;
  const random = seededRandom(options.seed ?? 42);
  const clients = options.clients ?? 1000;
  const o = {
    companyShare: options.companyShare ?? 0.1,
    marriedShare: options.marriedShare ?? 0.4,
    spouseCpfShare: options.spouseCpfShare ?? 0.85,
    unflagged: options.unflaggedEnterpriseShare ?? 0.2,
    noContract: options.clientsWithoutContractShare ?? 0.1,
    coBuyers: options.coBuyerShare ?? 0.15,
    occurrences: options.occurrencesPerContract ?? 1,
    installments: options.installmentsPerContract ?? 4,
  };
  const stats = {
    clients,
    companies: 0,
    married: 0,
    spousesWithCpf: 0,
    otherAgents: 0,
    enterprises: 0,
    flaggedEnterprises: 0,
    units: 0,
    garages: 0,
    garagesWithoutRow: 0,
    contracts: 0,
    buyers: 0,
    occurrences: 0,
    installments: 0,
    prospects: 0,
  };
  for (const type of DEMO_OCCURRENCE_TYPES) writer.add('DBM_TIPOOCORRENCIA', type);

  // Structure: enough units for every contract.
  let est = 1;
  const units: Array<{ unit: number; enterprise: number; block: number; garage?: number }> = [];
  const enterpriseCount = Math.max(3, Math.ceil(clients / 400));
  for (let e = 0; e < enterpriseCount; e++) {
    // The first enterprise is always flagged and, when any may be unflagged, the last one is not.
    const roll = random();
    const flagged = e === 0 || (!(e === enterpriseCount - 1 && o.unflagged > 0) && roll >= o.unflagged);
    const enterprise = est++;
    stats.enterprises++;
    if (flagged) stats.flaggedEnterprises++;
    const name = `Residencial ${pick(random, COMPANY_NAMES)} ${e + 1}`;
    writer.add('DBM_ESTRUTURA', {
      ...DEMO_ORG,
      EST_IN_CODIGO: enterprise,
      EST_ST_CODIGO: `EMP${e + 1}`,
      EST_ST_NOME: name,
      EST_CH_TIPOESTRUTURA: 'E',
      PAI_EST_IN_CODIGO: null,
      FIL_IN_CODIGO: 1,
      EST_DT_CADASTRO: '2019-01-10',
      EST_BO_INTEGRACRM: flagged ? 'S' : 'N',
    });
    const stages = 1 + Math.floor(random() * 2);
    for (let s = 0; s < stages; s++) {
      const stage = est++;
      writer.add('DBM_ESTRUTURA', {
        ...DEMO_ORG,
        EST_IN_CODIGO: stage,
        EST_ST_CODIGO: `${s + 1}`,
        EST_ST_NOME: `Etapa ${s + 1}`,
        EST_CH_TIPOESTRUTURA: 'T',
        PAI_EST_IN_CODIGO: enterprise,
        FIL_IN_CODIGO: 1,
        EST_DT_CADASTRO: '2019-01-10',
        EST_BO_INTEGRACRM: null,
      });
      for (let b = 0; b < 2; b++) {
        const block = est++;
        writer.add('DBM_ESTRUTURA', {
          ...DEMO_ORG,
          EST_IN_CODIGO: block,
          EST_ST_CODIGO: String.fromCharCode(65 + b + 2 * s),
          EST_ST_NOME: `Torre ${String.fromCharCode(65 + b + 2 * s)}`,
          EST_CH_TIPOESTRUTURA: 'B',
          PAI_EST_IN_CODIGO: stage,
          FIL_IN_CODIGO: 1,
          EST_DT_CADASTRO: '2019-01-10',
          EST_BO_INTEGRACRM: null,
        });
        const perBlock = Math.ceil((clients * 1.1) / (enterpriseCount * stages * 2)) + 2;
        for (let u = 0; u < perBlock; u++) {
          const unit = est++;
          const floor = 1 + Math.floor(u / 4);
          writer.add('DBM_ESTRUTURA', {
            ...DEMO_ORG,
            EST_IN_CODIGO: unit,
            EST_ST_CODIGO: `${floor}0${(u % 4) + 1}`,
            EST_ST_NOME: `Apto ${floor}0${(u % 4) + 1}`,
            EST_CH_TIPOESTRUTURA: 'U',
            PAI_EST_IN_CODIGO: block,
            FIL_IN_CODIGO: 1,
            EST_DT_CADASTRO: '2019-02-01',
            EST_BO_INTEGRACRM: null,
          });
          writer.add('DBM_UNIDADE', {
            ...DEMO_ORG,
            EST_IN_CODIGO: unit,
            UND_CH_STATUS: 'V',
            UND_RE_AREAPRIVATIVA: 45 + Math.floor(random() * 90),
            EMP_EST_IN_CODIGO: enterprise,
            BLO_EST_IN_CODIGO: block,
          });
          stats.units++;
          const entry: (typeof units)[number] = { unit, enterprise, block };
          if (u % 2 === 0) {
            const garage = est++;
            writer.add('DBM_ESTRUTURA', {
              ...DEMO_ORG,
              EST_IN_CODIGO: garage,
              EST_ST_CODIGO: `G${unit}`,
              EST_ST_NOME: `Vaga ${unit}`,
              EST_CH_TIPOESTRUTURA: 'G',
              PAI_EST_IN_CODIGO: block,
              FIL_IN_CODIGO: 1,
              EST_DT_CADASTRO: '2019-02-01',
              EST_BO_INTEGRACRM: null,
            });
            stats.garages++;
            // The manual's CLGaragem incident: a garage structure without its DBM_GARAGEM row.
            if (stats.garages % 200 === 7) stats.garagesWithoutRow++;
            else
              writer.add('DBM_GARAGEM', {
                ...DEMO_ORG,
                EST_IN_CODIGO: garage,
                GAR_CH_STATUS: 'V',
                EMP_EST_IN_CODIGO: enterprise,
                BLO_EST_IN_CODIGO: block,
                UND_EST_IN_CODIGO: unit,
              });
            entry.garage = garage;
          }
          units.push(entry);
        }
      }
    }
  }

  let nextUnit = 0;
  let contractCode = 1;
  let occurrenceCode = 1;
  for (let i = 0; i < clients; i++) {
    const code = FIRST_AGENT_CODE + i;
    const [city, uf, ddd] = pick(random, CITIES);
    const isCompany = random() < o.companyShare;
    const female = random() < 0.5;
    const first = pick(random, female ? FIRST_NAMES_F : FIRST_NAMES_M);
    const last = `${pick(random, SURNAMES)} ${pick(random, SURNAMES)}`;
    const name = isCompany ? `${pick(random, COMPANY_WORDS)} ${pick(random, COMPANY_NAMES)} Ltda` : `${first} ${last}`;
    writer.add('GLO_AGENTES', {
      AGN_TAB_IN_CODIGO: 1,
      AGN_PAD_IN_CODIGO: 1,
      AGN_IN_CODIGO: code,
      AGN_ST_NOME: name,
      AGN_ST_FANTASIA: isCompany ? pick(random, COMPANY_NAMES) : null,
      AGN_CH_TIPOPESSOAFJ: isCompany ? 'J' : 'F',
      AGN_ST_CGC: isCompany ? cnpjFor(i) : null,
      TPL_ST_SIGLA: pick(random, STREET_TYPES),
      AGN_ST_LOGRADOURO: pick(random, STREETS),
      AGN_ST_NUMERO: String(1 + Math.floor(random() * 3000)),
      AGN_ST_COMPLEMENTO: random() < 0.3 ? `Apto ${1 + Math.floor(random() * 200)}` : null,
      AGN_ST_BAIRRO: pick(random, DISTRICTS),
      AGN_ST_MUNICIPIO: city,
      UF_ST_SIGLA: uf,
      AGN_ST_CEP: String(10_000_000 + Math.floor(random() * 89_999_999)),
      AGN_ST_EMAIL: `${ascii(isCompany ? name : `${first}.${last}`)}${i}@${pick(random, EMAIL_DOMAINS)}`,
      AGN_ST_OUTROSEMAILS: random() < 0.2 ? `alt${i}@${pick(random, EMAIL_DOMAINS)}` : null,
      AGN_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    writer.add('GLO_AGENTES_ID', {
      AGN_TAB_IN_CODIGO: 1,
      AGN_PAD_IN_CODIGO: 1,
      AGN_IN_CODIGO: code,
      AGN_TAU_ST_CODIGO: 'C',
      AGN_CH_STATUS: 'A',
      AGN_DT_INICIOMOV: '2020-01-01',
    });
    const phones = 1 + Math.floor(random() * 2);
    for (let p = 1; p <= phones; p++) {
      writer.add('GLO_AGENTES_TELEFONE', {
        AGN_TAB_IN_CODIGO: 1,
        AGN_PAD_IN_CODIGO: 1,
        AGN_IN_CODIGO: code,
        TEA_IN_SEQUENCIA: p,
        TEA_ST_DDD: ddd,
        TEA_ST_TELEFONE: `9${String(10_000_000 + Math.floor(random() * 89_999_999))}`,
      });
    }
    if (isCompany) stats.companies++;
    else {
      const married = random() < o.marriedShare;
      const birth = date(1950 + Math.floor(random() * 50), 1 + Math.floor(random() * 12), 1 + Math.floor(random() * 28));
      const spouseName = married ? `${pick(random, female ? FIRST_NAMES_M : FIRST_NAMES_F)} ${last}` : null;
      const person = {
        AGN_TAB_IN_CODIGO: 1,
        AGN_PAD_IN_CODIGO: 1,
        AGN_IN_CODIGO: code,
        AGN_ST_NACIONALIDADE: 'Brasileira',
        AGN_DT_ALTERACAO: '2026-01-01 08:00:00.000',
      };
      writer.add('GLO_PESSOA_FISICA', {
        ...person,
        AGN_CH_TIPO: 'P',
        AGN_ST_CPF: cpfFor(2 * i),
        AGN_ST_RG: String(1_000_000 + i),
        AGN_ST_CARGOPROFISS: 'Engenheiro(a)',
        AGN_CH_ESTCIVIL: married ? 'C' : pick(random, ['S', 'D', 'V']),
        AGN_CH_REGIMECASAMENTO: married ? 'P' : null,
        AGN_DT_NASCIMENTO: birth,
        AGN_ST_CONJUGE: spouseName,
      });
      if (married) {
        stats.married++;
        const withCpf = random() < o.spouseCpfShare;
        if (withCpf) stats.spousesWithCpf++;
        writer.add('GLO_PESSOA_FISICA', {
          ...person,
          AGN_CH_TIPO: 'C',
          AGN_ST_CPF: withCpf ? cpfFor(2 * i + 1) : null,
          AGN_ST_RG: null,
          AGN_ST_CARGOPROFISS: 'Professor(a)',
          AGN_CH_ESTCIVIL: 'C',
          AGN_CH_REGIMECASAMENTO: 'P',
          AGN_DT_NASCIMENTO: birth,
          AGN_ST_CONJUGE: null,
        });
      }
    }

    // The client's contract, on the next free unit; some with co-buyers among earlier clients.
    const place = units[nextUnit];
    if (random() < o.noContract || !place) continue;
    nextUnit++;
    const cto = contractCode++;
    const contract = { ...DEMO_ORG, CTO_IN_CODIGO: cto };
    const value = 150_000 + Math.round(random() * 850_000_00) / 100;
    const signed = date(2020 + Math.floor(random() * 6), 1 + Math.floor(random() * 12), 1 + Math.floor(random() * 28));
    const statusRoll = random();
    const status = statusRoll < 0.7 ? 'A' : statusRoll < 0.8 ? 'U' : statusRoll < 0.9 ? 'Q' : statusRoll < 0.95 ? 'D' : statusRoll < 0.98 ? 'T' : 'C';
    const typeRoll = random();
    writer.add('CAR_CONTRATO', {
      ...contract,
      FIL_IN_CODIGO: 1,
      CTO_CH_TIPO: typeRoll < 0.9 ? 'V' : typeRoll < 0.95 ? 'P' : 'M',
      CTO_CH_STATUS: status,
      CTO_DT_STATUS: signed,
      CTO_DT_CADASTRO: signed,
      CTO_DT_ASSINATURA: signed,
      CTO_RE_VALORCONTRATO: value,
      CTO_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    stats.contracts++;
    const coBuyers = i > 3 && random() < o.coBuyers ? 1 + Math.floor(random() * 2) : 0;
    const buyerCodes = [code, ...Array.from({ length: coBuyers }, (_, k) => FIRST_AGENT_CODE + Math.max(0, i - 1 - k * 2))];
    const share = Math.round(10_000 / buyerCodes.length) / 100;
    buyerCodes.forEach((b, k) => {
      writer.add('CAR_CONTRATO_CLIENTE', {
        ...contract,
        AGN_TAB_IN_CODIGO: 1,
        AGN_PAD_IN_CODIGO: 1,
        AGN_IN_CODIGO: b,
        AGN_TAU_ST_CODIGO: 'C',
        CTC_RE_PERCENTUAL: share,
        CTC_BO_PRINCIPAL: k === 0 ? 'S' : 'N',
      });
      stats.buyers++;
    });
    writer.add('CAR_CONTRATO_ENVOLVIDO', { ...contract, EST_IN_CODIGO: place.unit, CTOENV_CH_ORIGEM: 'U' });
    if (place.garage && random() < 0.5) writer.add('CAR_CONTRATO_ENVOLVIDO', { ...contract, EST_IN_CODIGO: place.garage, CTOENV_CH_ORIGEM: 'G' });
    for (let p = 1; p <= o.installments; p++) {
      const due = date(2025 + Math.floor((p + 9) / 12), ((p + 9) % 12) + 1, 10);
      const paid = due < '2026-06-01' && random() < 0.85;
      writer.add('CAR_PARCELA', {
        ...contract,
        PAR_IN_CODIGO: p,
        PAR_DT_VENCIMENTO: due,
        PAR_DT_BAIXA: paid ? due : null,
        PAR_CH_STATUS: 'A',
        PAR_RE_VALORORIGINAL: Math.round((value / 120) * 100) / 100,
        PAR_RE_VALORPAGO: paid ? Math.round((value / 120) * 100) / 100 : null,
      });
      stats.installments++;
    }
    const occurrences = Math.floor(random() * (2 * o.occurrences + 1));
    for (let k = 0; k < occurrences; k++) {
      const oco = occurrenceCode++;
      const type = pick(random, DEMO_OCCURRENCE_TYPES);
      writer.add('DBM_GERAOCORRENCIA', {
        ...DEMO_ORG,
        OCO_IN_CODIGO: oco,
        OCS_IN_MODULO: type.OCS_IN_MODULO,
        OCS_IN_CODIGO: type.OCS_IN_CODIGO,
        OCO_DT_CADASTRO: date(2025, 1 + Math.floor(random() * 12), 1 + Math.floor(random() * 28)),
        OCO_ST_OCORRENCIA: `${type.OCS_ST_DESCRICAO}: solicitação nº ${oco}`,
        OCO_ST_COMPLEMENTO: random() < 0.5 ? 'Cliente atendido pelo Portal de Clientes' : null,
        OCO_DT_ENCERRAMENTO: null,
        OCO_DT_ALTERACAO: '2026-01-01 08:00:00.000',
      });
      writer.add('DBM_OCORRENCIACONTRATO', { ...contract, OCO_IN_CODIGO: oco });
      stats.occurrences++;
    }
    await writer.flush();
  }
  // Agents of other roles (suppliers) must never reach the CRM.
  const others = Math.ceil(clients / 20);
  for (let j = 0; j < others; j++) {
    const code = FIRST_AGENT_CODE + clients + j;
    writer.add('GLO_AGENTES', {
      AGN_TAB_IN_CODIGO: 1,
      AGN_PAD_IN_CODIGO: 1,
      AGN_IN_CODIGO: code,
      AGN_ST_NOME: `Fornecedor ${pick(random, COMPANY_NAMES)} ${j}`,
      AGN_ST_FANTASIA: null,
      AGN_CH_TIPOPESSOAFJ: 'J',
      AGN_ST_CGC: cnpjFor(clients + j),
      TPL_ST_SIGLA: 'R',
      AGN_ST_LOGRADOURO: pick(random, STREETS),
      AGN_ST_NUMERO: '1',
      AGN_ST_COMPLEMENTO: null,
      AGN_ST_BAIRRO: 'Centro',
      AGN_ST_MUNICIPIO: 'São Paulo',
      UF_ST_SIGLA: 'SP',
      AGN_ST_CEP: '01001000',
      AGN_ST_EMAIL: null,
      AGN_ST_OUTROSEMAILS: null,
      AGN_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    writer.add('GLO_AGENTES_ID', {
      AGN_TAB_IN_CODIGO: 1,
      AGN_PAD_IN_CODIGO: 1,
      AGN_IN_CODIGO: code,
      AGN_TAU_ST_CODIGO: 'F',
      AGN_CH_STATUS: 'A',
      AGN_DT_INICIOMOV: '2020-01-01',
    });
    stats.otherAgents++;
  }
  // Pre-sales: prospects on agents of their own (after the other agents), CPFs unlike any client's.
  for (let j = 0; j < (options.prospects ?? 0); j++) {
    const code = FIRST_AGENT_CODE + clients + others + j;
    const first = pick(random, random() < 0.5 ? FIRST_NAMES_F : FIRST_NAMES_M);
    const last = `${pick(random, SURNAMES)} ${pick(random, SURNAMES)}`;
    const agent = { AGN_TAB_IN_CODIGO: 1, AGN_PAD_IN_CODIGO: 1, AGN_IN_CODIGO: code };
    writer.add('GLO_AGENTES', {
      ...agent,
      AGN_ST_NOME: `${first} ${last}`,
      AGN_ST_FANTASIA: null,
      AGN_CH_TIPOPESSOAFJ: 'F',
      AGN_ST_CGC: null,
      TPL_ST_SIGLA: null,
      AGN_ST_LOGRADOURO: null,
      AGN_ST_NUMERO: null,
      AGN_ST_COMPLEMENTO: null,
      AGN_ST_BAIRRO: null,
      AGN_ST_MUNICIPIO: null,
      UF_ST_SIGLA: null,
      AGN_ST_CEP: null,
      AGN_ST_EMAIL: null,
      AGN_ST_OUTROSEMAILS: null,
      AGN_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    // The agent holds the document too: what the client record reads once the prospect converts.
    writer.add('GLO_PESSOA_FISICA', {
      ...agent,
      AGN_CH_TIPO: 'P',
      AGN_ST_CPF: cpfFor(2 * clients + j),
      AGN_ST_RG: null,
      AGN_ST_CARGOPROFISS: null,
      AGN_ST_NACIONALIDADE: 'Brasileira',
      AGN_CH_ESTCIVIL: null,
      AGN_CH_REGIMECASAMENTO: null,
      AGN_DT_NASCIMENTO: null,
      AGN_ST_CONJUGE: null,
      AGN_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    writer.add('CMR_PROSPECT', {
      ...agent,
      PRO_ST_NOME: `${first} ${last}`,
      PRO_CH_TIPOPESSOAFJ: 'F',
      PRO_ST_CPFCNPJ: cpfFor(2 * clients + j),
      PRO_ST_EMAIL: random() < 0.7 ? `${ascii(`${first}.${last}`)}.p${j}@${pick(random, EMAIL_DOMAINS)}` : null,
      PRO_ST_TELEFONE: random() < 0.7 ? `11 9${String(10_000_000 + Math.floor(random() * 89_999_999))}` : null,
      PRO_CH_ORIGEM: random() < 0.8 ? 'C' : 'V',
      PRO_DT_ALTERACAO: '2026-01-01 08:00:00.000',
    });
    stats.prospects++;
  }
  await writer.flush(true);
  return dirt ? { ...stats, dirty: dirt.stats } : stats;
}

/**
 * Creates (or replaces) a demo Mega SQLite database with the change-feed triggers installed after the
 * load, so the first sync is a full scan.
 */
export async function createDemoMegaDatabase(path: string, options: DemoOptions = {}): Promise<DemoStats> {
  // Loaded here, not at the top: better-sqlite3 is an optional peer, and PostgreSQL hosts use this entry too.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const names = tableNames(NO_SCHEMAS);
    const existing = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    for (const { name } of existing) db.exec(`DROP TABLE ${name}`);
    for (const ddl of createTablesDdl('sqlite', NO_SCHEMAS)) db.exec(ddl);
    const stats = await writeDemoData(sqliteWriter(db, names), options);
    for (const ddl of feedDdl('sqlite', NO_SCHEMAS)) db.exec(ddl);
    // Statistics, as a real database has: without them SQLite may pick a key prefix over the right index.
    db.exec('ANALYZE');
    db.pragma('synchronous = NORMAL');
    return stats;
  } finally {
    db.close();
  }
}

/**
 * Creates the demo Mega in PostgreSQL under the given schemas (created if missing; the SDK's tables
 * in them are dropped first), then installs the feed.
 */
export async function createDemoMegaPostgres(pool: Pool, schemas: SchemaMapping, options: DemoOptions = {}): Promise<DemoStats> {
  const names = tableNames(schemas);
  for (const schema of new Set(Object.values(schemas))) if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  for (const table of [...(Object.keys(TABLES) as TableName[]), 'MEGACRM_FEED' as const]) await pool.query(`DROP TABLE IF EXISTS ${names(table)} CASCADE`);
  for (const ddl of createTablesDdl('postgres', schemas)) await pool.query(ddl);
  const stats = await writeDemoData(postgresWriter(pool, names), options);
  for (const ddl of feedDdl('postgres', schemas)) await pool.query(ddl);
  for (const table of Object.keys(TABLES) as TableName[]) await pool.query(`ANALYZE ${names(table)}`);
  return stats;
}
