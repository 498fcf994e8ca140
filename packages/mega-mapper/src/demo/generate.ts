import { completeCnpj, completeCpf, pick, seededRandom } from '@mega-crm/core';
import Database from 'better-sqlite3';
import { SQLITE_AGENT_DDL, SQLITE_FEED_DDL, sqliteFeedTriggers } from '../schema.js';
import { CITIES, COMPANY_NAMES, COMPANY_WORDS, DISTRICTS, EMAIL_DOMAINS, FIRST_NAMES_F, FIRST_NAMES_M, STREET_TYPES, STREETS, SURNAMES } from './vocabulary.js';

export interface DemoOptions {
  /** Client agents to create. Default 1000. */
  readonly clients?: number;
  /** Same seed, same data. Default 42. */
  readonly seed?: number;
  /** Share of clients that are companies (PJ). Default 0.1. */
  readonly companyShare?: number;
  /** Share of people who are married (and get a spouse row). Default 0.4. */
  readonly marriedShare?: number;
}

export interface DemoStats {
  readonly clients: number;
  readonly companies: number;
  readonly married: number;
  readonly spousesWithCpf: number;
  readonly otherAgents: number;
}

/** First agent code of the demo data; agent i has AGN_IN_CODIGO = FIRST_AGENT_CODE + i. */
export const FIRST_AGENT_CODE = 1000;

// A multiplier coprime with 9·10^8 turns a counter into distinct, random-looking document bases.
const SPREAD = 7919;

function cpfFor(n: number): string {
  return completeCpf(String(100_000_000 + ((n * SPREAD) % 900_000_000)));
}

function cnpjFor(n: number): string {
  return completeCnpj(`${String(10_000_000 + ((n * SPREAD) % 90_000_000))}0001`);
}

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.');
}

/**
 * Creates (or replaces) a demo Mega database: client agents with accented names, valid CPFs and
 * CNPJs, addresses, e-mails, phones, married people with spouse rows, a few agents of other roles.
 * The change-feed triggers are installed after the load, so the first sync is a full scan.
 */
export function createDemoMegaDatabase(path: string, options: DemoOptions = {}): DemoStats {
  const clients = options.clients ?? 1000;
  const random = seededRandom(options.seed ?? 42);
  const companyShare = options.companyShare ?? 0.1;
  const marriedShare = options.marriedShare ?? 0.4;
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`DROP TABLE IF EXISTS GLO_AGENTES; DROP TABLE IF EXISTS GLO_AGENTES_ID; DROP TABLE IF EXISTS GLO_PESSOA_FISICA;
             DROP TABLE IF EXISTS GLO_AGENTES_TELEFONE; DROP TABLE IF EXISTS MEGACRM_FEED;`);
    db.exec(SQLITE_AGENT_DDL);
    const agent = db.prepare(
      `INSERT INTO GLO_AGENTES (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_ST_NOME, AGN_ST_FANTASIA, AGN_CH_TIPOPESSOAFJ,
         AGN_ST_CGC, TPL_ST_SIGLA, AGN_ST_LOGRADOURO, AGN_ST_NUMERO, AGN_ST_COMPLEMENTO, AGN_ST_BAIRRO, AGN_ST_MUNICIPIO, UF_ST_SIGLA,
         AGN_ST_CEP, AGN_ST_EMAIL, AGN_ST_OUTROSEMAILS) VALUES (1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const role = db.prepare(
      "INSERT INTO GLO_AGENTES_ID (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO, AGN_CH_STATUS, AGN_DT_INICIOMOV) VALUES (1, 1, ?, ?, 'A', ?)",
    );
    const person = db.prepare(
      `INSERT INTO GLO_PESSOA_FISICA (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_CH_TIPO, AGN_ST_CPF, AGN_ST_RG,
         AGN_ST_CARGOPROFISS, AGN_ST_NACIONALIDADE, AGN_CH_ESTCIVIL, AGN_CH_REGIMECASAMENTO, AGN_DT_NASCIMENTO, AGN_ST_CONJUGE)
       VALUES (1, 1, ?, ?, ?, ?, ?, 'Brasileira', ?, ?, ?, ?)`,
    );
    const phone = db.prepare(
      'INSERT INTO GLO_AGENTES_TELEFONE (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_IN_SEQUENCIA, TEA_ST_DDD, TEA_ST_TELEFONE) VALUES (1, 1, ?, ?, ?, ?)',
    );
    const stats = { clients, companies: 0, married: 0, spousesWithCpf: 0, otherAgents: 0 };

    db.transaction(() => {
      for (let i = 0; i < clients; i++) {
        const code = FIRST_AGENT_CODE + i;
        const [city, uf, ddd] = pick(random, CITIES);
        const isCompany = random() < companyShare;
        const female = random() < 0.5;
        const first = pick(random, female ? FIRST_NAMES_F : FIRST_NAMES_M);
        const last = `${pick(random, SURNAMES)} ${pick(random, SURNAMES)}`;
        const name = isCompany ? `${pick(random, COMPANY_WORDS)} ${pick(random, COMPANY_NAMES)} Ltda` : `${first} ${last}`;
        const email = `${ascii(isCompany ? name : `${first}.${last}`)}${i}@${pick(random, EMAIL_DOMAINS)}`;
        agent.run(
          code,
          name,
          isCompany ? pick(random, COMPANY_NAMES) : null,
          isCompany ? 'J' : 'F',
          isCompany ? cnpjFor(i) : null,
          pick(random, STREET_TYPES),
          pick(random, STREETS),
          String(1 + Math.floor(random() * 3000)),
          random() < 0.3 ? `Apto ${1 + Math.floor(random() * 200)}` : null,
          pick(random, DISTRICTS),
          city,
          uf,
          String(10_000_000 + Math.floor(random() * 89_999_999)),
          email,
          random() < 0.2 ? `alt${i}@${pick(random, EMAIL_DOMAINS)}` : null,
        );
        role.run(code, 'C', '2020-01-01');
        const phones = 1 + Math.floor(random() * 2);
        for (let p = 1; p <= phones; p++) phone.run(code, p, ddd, `9${String(10_000_000 + Math.floor(random() * 89_999_999))}`);
        if (isCompany) {
          stats.companies++;
          continue;
        }
        const married = random() < marriedShare;
        const birth = `${1950 + Math.floor(random() * 50)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
        const spouseName = married ? `${pick(random, female ? FIRST_NAMES_M : FIRST_NAMES_F)} ${last}` : null;
        person.run(
          code,
          'P',
          cpfFor(2 * i),
          String(1_000_000 + i),
          'Engenheiro(a)',
          married ? 'C' : pick(random, ['S', 'D', 'V']),
          married ? 'P' : null,
          birth,
          spouseName,
        );
        if (married) {
          stats.married++;
          const spouseHasCpf = random() < 0.85;
          if (spouseHasCpf) stats.spousesWithCpf++;
          person.run(code, 'C', spouseHasCpf ? cpfFor(2 * i + 1) : null, null, 'Professor(a)', 'C', 'P', birth, null);
        }
      }
      // Agents of other roles (suppliers) must never reach the CRM.
      const others = Math.ceil(clients / 20);
      for (let j = 0; j < others; j++) {
        const code = FIRST_AGENT_CODE + clients + j;
        agent.run(
          code,
          `Fornecedor ${pick(random, COMPANY_NAMES)} ${j}`,
          null,
          'J',
          cnpjFor(clients + j),
          'R',
          pick(random, STREETS),
          '1',
          null,
          'Centro',
          'São Paulo',
          'SP',
          '01001000',
          null,
          null,
        );
        role.run(code, 'F', '2020-01-01');
        stats.otherAgents++;
      }
    })();

    db.exec(SQLITE_FEED_DDL);
    db.exec(sqliteFeedTriggers());
    return stats;
  } finally {
    db.close();
  }
}
