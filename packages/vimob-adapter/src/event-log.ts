/**
 * Where the webhook handler remembers what it has done: which event ids were handled (idempotency)
 * and, per proposal, the last status sequence applied (ordering) and whether the CRM flow was
 * closed (close once). Its own small port, with in-memory, SQLite and PostgreSQL implementations on
 * the drivers the SDK already uses; it can move into core's SyncStore once that port settles.
 */
import { optionsInvalid } from './errors.js';

export interface ProposalPosition {
  readonly lastSequence: number;
  readonly flowClosed: boolean;
}

export interface HandledEvent {
  readonly eventId: string;
  readonly proposalId?: string;
  /** For status events: the proposal's sequence this event brought it to. */
  readonly sequence?: number;
  readonly flowClosed?: boolean;
  readonly outcome: string;
}

/**
 * Contract: `record` stores the event id and, in the same transaction, moves the proposal's
 * position forward (never back: a lower sequence leaves it as it is; `flowClosed` never reverts).
 * It returns false, changing nothing, when the event id was already recorded.
 */
export interface EventLog {
  has(eventId: string): Promise<boolean>;
  position(proposalId: string): Promise<ProposalPosition>;
  record(event: HandledEvent): Promise<boolean>;
  close?(): Promise<void> | void;
}

const START: ProposalPosition = { lastSequence: 0, flowClosed: false };
const MEMORY_LIMIT = 1_000_000;

/** In-process event log (tests, single-process hosts that accept forgetting on restart). Bounded. */
export class MemoryEventLog implements EventLog {
  readonly #events = new Map<string, HandledEvent>();
  readonly #positions = new Map<string, ProposalPosition>();

  async has(eventId: string): Promise<boolean> {
    return this.#events.has(eventId);
  }

  async position(proposalId: string): Promise<ProposalPosition> {
    return this.#positions.get(proposalId) ?? START;
  }

  async record(event: HandledEvent): Promise<boolean> {
    if (this.#events.has(event.eventId)) return false;
    if (this.#events.size >= MEMORY_LIMIT) this.#events.delete(this.#events.keys().next().value as string);
    this.#events.set(event.eventId, event);
    if (event.proposalId !== undefined) {
      const current = this.#positions.get(event.proposalId) ?? START;
      this.#positions.set(event.proposalId, {
        lastSequence: Math.max(current.lastSequence, event.sequence ?? 0),
        flowClosed: current.flowClosed || (event.flowClosed ?? false),
      });
    }
    return true;
  }
}

/** The part of a better-sqlite3 `Database` the SQLite event log uses. */
export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): { changes: number }; get(...params: unknown[]): unknown };
  transaction(fn: (event: HandledEvent) => boolean): (event: HandledEvent) => boolean;
}

/** SQLite event log on a better-sqlite3 database you open (`new Database('presales.db')`); its own tables. */
export class SqliteEventLog implements EventLog {
  readonly #has: ReturnType<SqliteDatabaseLike['prepare']>;
  readonly #position: ReturnType<SqliteDatabaseLike['prepare']>;
  readonly #record: (event: HandledEvent) => boolean;

  constructor(db: SqliteDatabaseLike, options: { tablePrefix?: string } = {}) {
    const p = safePrefix(options.tablePrefix);
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${p}events (event_id TEXT PRIMARY KEY, proposal_id TEXT, sequence INTEGER, outcome TEXT NOT NULL, handled_at TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS ${p}proposals (proposal_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, flow_closed INTEGER NOT NULL);`,
    );
    this.#has = db.prepare(`SELECT 1 AS x FROM ${p}events WHERE event_id = ?`);
    this.#position = db.prepare(`SELECT last_sequence AS lastSequence, flow_closed AS flowClosed FROM ${p}proposals WHERE proposal_id = ?`);
    const insert = db.prepare(
      `INSERT INTO ${p}events (event_id, proposal_id, sequence, outcome, handled_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    );
    const advance = db.prepare(
      `INSERT INTO ${p}proposals (proposal_id, last_sequence, flow_closed) VALUES (?, ?, ?)
       ON CONFLICT (proposal_id) DO UPDATE SET last_sequence = MAX(last_sequence, excluded.last_sequence), flow_closed = MAX(flow_closed, excluded.flow_closed)`,
    );
    this.#record = db.transaction((event: HandledEvent) => {
      const inserted = insert.run(event.eventId, event.proposalId ?? null, event.sequence ?? null, event.outcome, new Date().toISOString()).changes === 1;
      if (inserted && event.proposalId !== undefined) advance.run(event.proposalId, event.sequence ?? 0, event.flowClosed ? 1 : 0);
      return inserted;
    });
  }

  async has(eventId: string): Promise<boolean> {
    return this.#has.get(eventId) !== undefined;
  }

  async position(proposalId: string): Promise<ProposalPosition> {
    const row = this.#position.get(proposalId) as { lastSequence: number; flowClosed: number } | undefined;
    return row ? { lastSequence: row.lastSequence, flowClosed: row.flowClosed === 1 } : START;
  }

  async record(event: HandledEvent): Promise<boolean> {
    return this.#record(event);
  }
}

/** The part of a `pg.Pool` the PostgreSQL event log uses. */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

/**
 * PostgreSQL event log on a pool you own (`new pg.Pool(...)`), in its own tables, so several
 * webhook instances share one memory. `record` is one statement: an INSERT of the event and, only
 * when it was new, the forward-only move of the proposal's position.
 */
export class PostgresEventLog implements EventLog {
  readonly #pool: PgPoolLike;
  readonly #t: { events: string; proposals: string };

  private constructor(pool: PgPoolLike, schema: string, prefix: string) {
    this.#pool = pool;
    this.#t = { events: `"${schema}".${prefix}events`, proposals: `"${schema}".${prefix}proposals` };
  }

  static async open(pool: PgPoolLike, options: { schema?: string; tablePrefix?: string } = {}): Promise<PostgresEventLog> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw optionsInvalid('PostgresEventLog', `schema "${schema}" must be a plain lower-case identifier`);
    const log = new PostgresEventLog(pool, schema, safePrefix(options.tablePrefix));
    await pool.query(
      `CREATE SCHEMA IF NOT EXISTS "${schema}";
       CREATE TABLE IF NOT EXISTS ${log.#t.events} (event_id TEXT PRIMARY KEY, proposal_id TEXT, sequence INTEGER, outcome TEXT NOT NULL, handled_at TIMESTAMPTZ NOT NULL DEFAULT now());
       CREATE TABLE IF NOT EXISTS ${log.#t.proposals} (proposal_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, flow_closed BOOLEAN NOT NULL);`,
    );
    return log;
  }

  async has(eventId: string): Promise<boolean> {
    return ((await this.#pool.query(`SELECT 1 FROM ${this.#t.events} WHERE event_id = $1`, [eventId])).rowCount ?? 0) > 0;
  }

  async position(proposalId: string): Promise<ProposalPosition> {
    const { rows } = await this.#pool.query(`SELECT last_sequence, flow_closed FROM ${this.#t.proposals} WHERE proposal_id = $1`, [proposalId]);
    const row = rows[0];
    return row ? { lastSequence: Number(row.last_sequence), flowClosed: row.flow_closed === true } : START;
  }

  async record(event: HandledEvent): Promise<boolean> {
    const { rows } = await this.#pool.query(
      `WITH inserted AS (
         INSERT INTO ${this.#t.events} (event_id, proposal_id, sequence, outcome) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event_id) DO NOTHING RETURNING proposal_id),
       moved AS (
         INSERT INTO ${this.#t.proposals} (proposal_id, last_sequence, flow_closed)
         SELECT proposal_id, $5, $6 FROM inserted WHERE proposal_id IS NOT NULL
         ON CONFLICT (proposal_id) DO UPDATE SET last_sequence = GREATEST(${this.#t.proposals}.last_sequence, excluded.last_sequence),
           flow_closed = ${this.#t.proposals}.flow_closed OR excluded.flow_closed
         RETURNING 1)
       SELECT (SELECT count(*) FROM inserted) AS inserted`,
      [event.eventId, event.proposalId ?? null, event.sequence ?? null, event.outcome, event.sequence ?? 0, event.flowClosed ?? false],
    );
    return Number(rows[0]?.inserted ?? 0) === 1;
  }

  /** Drops this log's tables (tests). */
  async drop(): Promise<void> {
    await this.#pool.query(`DROP TABLE IF EXISTS ${this.#t.events}; DROP TABLE IF EXISTS ${this.#t.proposals};`);
  }
}

function safePrefix(prefix = 'vimob_'): string {
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix)) throw optionsInvalid('event log', `table prefix "${prefix}" must be a plain lower-case identifier`);
  return prefix;
}
