import type Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { type ColumnType, TABLES, type TableDef, type TableName } from '../schema/tables.js';

/** Where the demo generator puts rows: buffered per table, flushed in large batches. */
export interface RowWriter {
  add(table: TableName, row: Readonly<Record<string, unknown>>): void;
  /** Writes the buffers if they are large (call often) or always (`force`). */
  flush(force?: boolean): Promise<void>;
}

export function sqliteWriter(db: Database.Database, qualify: (t: TableName) => string): RowWriter {
  const statements = new Map<string, { stmt: Database.Statement; columns: string[] }>();
  const pending: Array<[TableName, Readonly<Record<string, unknown>>]> = [];
  const write = db.transaction((rows: typeof pending) => {
    for (const [table, row] of rows) {
      const columns = Object.keys(row);
      const id = `${table}:${columns.join(',')}`;
      let entry = statements.get(id);
      if (!entry) {
        entry = { stmt: db.prepare(`INSERT INTO ${qualify(table)} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`), columns };
        statements.set(id, entry);
      }
      entry.stmt.run(...columns.map((c) => row[c] ?? null));
    }
  });
  return {
    add(table, row) {
      pending.push([table, row]);
    },
    async flush(force = false) {
      if (!force && pending.length < 50_000) return;
      write(pending.splice(0));
    },
  };
}

const PG_ARRAY_TYPES: Record<ColumnType, string> = {
  int: 'integer[]',
  money: 'numeric[]',
  date: 'date[]',
  timestamp: 'timestamp[]',
  char: 'text[]',
  text: 'text[]',
};

/**
 * PostgreSQL writer: one `INSERT … SELECT * FROM unnest($1::type[], …)` per table and batch, so the
 * server parses one short statement instead of a VALUES list of thousands of rows.
 */
export function postgresWriter(pool: Pool, qualify: (t: TableName) => string): RowWriter {
  const buffers = new Map<TableName, Array<Readonly<Record<string, unknown>>>>();
  let buffered = 0;
  const writeTable = async (table: TableName, rows: Array<Readonly<Record<string, unknown>>>) => {
    const columns = Object.keys(rows[0] ?? {});
    const types = new Map<string, ColumnType>((TABLES[table] as TableDef).columns.map(([name, type]) => [name, type]));
    const arrays = columns.map((c) => rows.map((row) => row[c] ?? null));
    const casts = columns.map((c, i) => `$${i + 1}::${PG_ARRAY_TYPES[types.get(c) ?? 'text']}`);
    await pool.query(`INSERT INTO ${qualify(table)} (${columns.join(', ')}) SELECT * FROM unnest(${casts.join(', ')})`, arrays);
  };
  return {
    add(table, row) {
      const list = buffers.get(table) ?? [];
      list.push(row);
      buffers.set(table, list);
      buffered++;
    },
    async flush(force = false) {
      if (!force && buffered < 50_000) return;
      for (const [table, rows] of buffers) if (rows.length > 0) await writeTable(table, rows.splice(0));
      buffered = 0;
    },
  };
}
