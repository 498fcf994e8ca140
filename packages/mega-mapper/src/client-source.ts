import type { CapturedItem, ChangeBatch, ChangeSource } from '@mega-crm/core';
import { keyOfRow, type MegaClientRow, type MegaPhoneRow, mapClient } from './client-mapper.js';
import { type AgentKey, agentKeyString, CLIENT_ROLE } from './schema.js';
import type { SqlDriver } from './sql/driver.js';

type Cursor = { v: 1; mode: 'scan'; after: [number, number, number] | null; feedFrom: number } | { v: 1; mode: 'feed'; seq: number };

const CLIENT_SELECT = `
SELECT a.AGN_TAB_IN_CODIGO, a.AGN_PAD_IN_CODIGO, a.AGN_IN_CODIGO, a.AGN_ST_NOME, a.AGN_ST_FANTASIA,
       a.AGN_CH_TIPOPESSOAFJ, a.AGN_ST_CGC, a.TPL_ST_SIGLA, a.AGN_ST_LOGRADOURO, a.AGN_ST_NUMERO,
       a.AGN_ST_COMPLEMENTO, a.AGN_ST_BAIRRO, a.AGN_ST_MUNICIPIO, a.UF_ST_SIGLA, a.AGN_ST_CEP,
       a.AGN_ST_EMAIL, a.AGN_ST_OUTROSEMAILS,
       p.AGN_ST_CPF, p.AGN_CH_ESTCIVIL, p.AGN_DT_NASCIMENTO, p.AGN_ST_CONJUGE
  FROM GLO_AGENTES a
  JOIN GLO_AGENTES_ID r
    ON r.AGN_TAB_IN_CODIGO = a.AGN_TAB_IN_CODIGO AND r.AGN_PAD_IN_CODIGO = a.AGN_PAD_IN_CODIGO
   AND r.AGN_IN_CODIGO = a.AGN_IN_CODIGO AND r.AGN_TAU_ST_CODIGO = '${CLIENT_ROLE}'
  LEFT JOIN GLO_PESSOA_FISICA p
    ON p.AGN_TAB_IN_CODIGO = a.AGN_TAB_IN_CODIGO AND p.AGN_PAD_IN_CODIGO = a.AGN_PAD_IN_CODIGO
   AND p.AGN_IN_CODIGO = a.AGN_IN_CODIGO AND p.AGN_CH_TIPO = 'P'`;

const KEY_COLUMNS = 'a.AGN_TAB_IN_CODIGO, a.AGN_PAD_IN_CODIGO, a.AGN_IN_CODIGO';
const KEY = `(${KEY_COLUMNS})`;

/**
 * Clients (agents with role "C") of a Mega database as a ChangeSource. The first read (no cursor)
 * is a full scan in key order; it remembers the feed position taken before the scan started, then
 * follows MEGACRM_FEED by sequence, so a change made during the scan is read again, never missed.
 */
export class MegaClientSource implements ChangeSource {
  readonly id = 'mega:clients';
  readonly #sql: SqlDriver;

  constructor(sql: SqlDriver) {
    this.#sql = sql;
  }

  async read(cursorText: string | null, { limit }: { readonly limit: number }): Promise<ChangeBatch> {
    const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { v: 1, mode: 'scan', after: null, feedFrom: await this.#feedHead() };
    return cursor.mode === 'scan' ? this.#scan(cursor, limit) : this.#follow(cursor, limit);
  }

  async #feedHead(): Promise<number> {
    const [row] = await this.#sql.all<{ seq: number | null }>('SELECT MAX(FEED_IN_SEQ) AS seq FROM MEGACRM_FEED');
    return row?.seq ?? 0;
  }

  async #scan(cursor: Extract<Cursor, { mode: 'scan' }>, limit: number): Promise<ChangeBatch> {
    const where = cursor.after ? `WHERE ${KEY} > (?, ?, ?)` : '';
    const rows = await this.#sql.all<MegaClientRow>(`${CLIENT_SELECT} ${where} ORDER BY ${KEY_COLUMNS} LIMIT ?`, [...(cursor.after ?? []), limit]);
    const items = await this.#map(rows);
    const last = rows[rows.length - 1];
    const next: Cursor =
      rows.length < limit || !last
        ? { v: 1, mode: 'feed', seq: cursor.feedFrom }
        : { v: 1, mode: 'scan', after: [last.AGN_TAB_IN_CODIGO, last.AGN_PAD_IN_CODIGO, last.AGN_IN_CODIGO], feedFrom: cursor.feedFrom };
    return { items, cursor: JSON.stringify(next), hasMore: true };
  }

  async #follow(cursor: Extract<Cursor, { mode: 'feed' }>, limit: number): Promise<ChangeBatch> {
    const feed = await this.#sql.all<{ FEED_IN_SEQ: number; AGN_TAB_IN_CODIGO: number; AGN_PAD_IN_CODIGO: number; AGN_IN_CODIGO: number }>(
      `SELECT FEED_IN_SEQ, AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO FROM MEGACRM_FEED
        WHERE FEED_IN_SEQ > ? AND FEED_ST_ENTIDADE = 'client' ORDER BY FEED_IN_SEQ LIMIT ?`,
      [cursor.seq, limit],
    );
    const keys = new Map<string, AgentKey>();
    for (const row of feed) keys.set(agentKeyString(keyOfRow(row)), keyOfRow(row));
    const rows =
      keys.size > 0
        ? await this.#sql.all<MegaClientRow>(
            `${CLIENT_SELECT} WHERE ${KEY} IN (${[...keys.values()].map(() => '(?, ?, ?)').join(', ')})`,
            [...keys.values()].flatMap((k) => [k.tab, k.pad, k.code]),
          )
        : [];
    const items = await this.#map(rows);
    const found = new Set(rows.map((r) => agentKeyString(keyOfRow(r))));
    for (const key of keys.keys()) {
      if (!found.has(key)) items.push({ kind: 'skipped', entity: 'client', key, reason: 'not a client agent in Mega (deleted or role "C" removed)' });
    }
    const seq = feed[feed.length - 1]?.FEED_IN_SEQ ?? cursor.seq;
    return { items, cursor: JSON.stringify({ v: 1, mode: 'feed', seq } satisfies Cursor), hasMore: feed.length === limit };
  }

  async #map(rows: readonly MegaClientRow[]): Promise<CapturedItem[]> {
    const phones = await this.#phones(rows);
    return rows.map((row): CapturedItem => {
      const key = agentKeyString(keyOfRow(row));
      const mapped = mapClient(row, phones.get(key));
      return mapped.ok
        ? { kind: 'record', record: { entity: 'client', key, payload: mapped.value } }
        : { kind: 'invalid', entity: 'client', key, error: mapped.error };
    });
  }

  async #phones(rows: readonly MegaClientRow[]): Promise<Map<string, MegaPhoneRow[]>> {
    const byKey = new Map<string, MegaPhoneRow[]>();
    if (rows.length === 0) return byKey;
    const phoneRows = await this.#sql.all<MegaPhoneRow & { AGN_TAB_IN_CODIGO: number; AGN_PAD_IN_CODIGO: number; AGN_IN_CODIGO: number }>(
      `SELECT AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_ST_DDD, TEA_ST_TELEFONE FROM GLO_AGENTES_TELEFONE
        WHERE (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO) IN (${rows.map(() => '(?, ?, ?)').join(', ')})
        ORDER BY AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_IN_SEQUENCIA`,
      rows.flatMap((r) => [r.AGN_TAB_IN_CODIGO, r.AGN_PAD_IN_CODIGO, r.AGN_IN_CODIGO]),
    );
    for (const p of phoneRows) {
      const key = agentKeyString(keyOfRow(p));
      const list = byKey.get(key) ?? [];
      list.push({ TEA_ST_DDD: p.TEA_ST_DDD, TEA_ST_TELEFONE: p.TEA_ST_TELEFONE });
      byKey.set(key, list);
    }
    return byKey;
  }
}
