/**
 * The SQL seam between feeds/loaders and a Mega database. Statements are written once with `?`
 * placeholders and portable SQL; each driver translates placeholders and row-limit syntax for its
 * dialect and returns rows keyed by UPPER-CASE column names (as Oracle does).
 */
export type Dialect = 'sqlite' | 'postgres' | 'oracle';

export interface SqlDriver {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs statements that return nothing (DDL, DML), in order. */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  close?(): Promise<void>;
}

/** Rewrites `?` placeholders (outside quoted text) as `$1…` (PostgreSQL) or `:1…` (Oracle). */
export function translatePlaceholders(sql: string, dialect: Dialect): string {
  if (dialect === 'sqlite') return sql;
  let n = 0;
  let out = '';
  let quoted = false;
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    if (ch === '?' && !quoted) {
      n++;
      out += dialect === 'postgres' ? `$${n}` : `:${n}`;
    } else out += ch;
  }
  return out;
}

/** The clause that limits a query to `?` rows (the count is bound as the last parameter). */
export function limitClause(dialect: Dialect): string {
  return dialect === 'oracle' ? 'FETCH FIRST ? ROWS ONLY' : 'LIMIT ?';
}

/**
 * Keyset predicate "key columns after the given values". SQLite and PostgreSQL get a row-value
 * comparison, which their indexes serve as a range; Oracle has none, so it gets the AND/OR form.
 */
export function keysetAfter(columns: readonly string[], values: readonly unknown[], dialect: Dialect = 'oracle'): { sql: string; params: unknown[] } {
  if (columns.length === 0) return { sql: '1 = 0', params: [] };
  if (dialect !== 'oracle' && columns.length > 1) return { sql: `(${columns.join(', ')}) > (${columns.map(() => '?').join(', ')})`, params: [...values] };
  const [head, ...rest] = columns;
  const [value, ...others] = values;
  if (rest.length === 0) return { sql: `${head} > ?`, params: [value] };
  const inner = keysetAfter(rest, others, dialect);
  return { sql: `(${head} > ? OR (${head} = ? AND ${inner.sql}))`, params: [value, value, ...inner.params] };
}

/** `(a, b) IN ((?, ?), (?, ?))` for a list of composite keys; every supported dialect accepts it. */
export function keysIn(columns: readonly string[], keys: ReadonlyArray<readonly unknown[]>): { sql: string; params: unknown[] } {
  if (keys.length === 0) return { sql: '1 = 0', params: [] };
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return { sql: `(${columns.join(', ')}) IN (${keys.map(() => tuple).join(', ')})`, params: keys.flat() };
}

export function upperKeys<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k.toUpperCase()] = v;
  return out as T;
}
