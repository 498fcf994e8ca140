import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { EntityName, EntityRef } from '../domain/records.js';
import type {
  CaptureInput,
  CaptureOutcome,
  DeliveryReceipt,
  FailureInfo,
  OutboxItem,
  ParkedFilter,
  ParkedRecord,
  QueueCounts,
  RunRecord,
  SyncStore,
} from '../ports.js';

const migrations = (s: string): string[] => [
  `CREATE TABLE ${s}.cursors (source TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now());
   CREATE TABLE ${s}.delivered (entity TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, crm_id TEXT NOT NULL, delivered_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (entity, key));
   CREATE TABLE ${s}.outbox (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     entity TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, payload JSONB NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'held')),
     attempts INTEGER NOT NULL DEFAULT 0, last_error_code TEXT, last_error TEXT,
     run_id TEXT, lease_until BIGINT, waiting_entity TEXT, waiting_key TEXT,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now());
   CREATE INDEX outbox_by_key ON ${s}.outbox (entity, key, seq);
   CREATE INDEX outbox_claimable ON ${s}.outbox (state, seq);
   CREATE INDEX outbox_by_waiting ON ${s}.outbox (waiting_entity, waiting_key) WHERE state = 'held';
   CREATE TABLE ${s}.parked (entity TEXT NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL,
     first_seen TIMESTAMPTZ NOT NULL DEFAULT now(), last_seen TIMESTAMPTZ NOT NULL DEFAULT now(), payload JSONB, hash TEXT, PRIMARY KEY (entity, key));
   CREATE TABLE ${s}.locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE TABLE ${s}.runs (id TEXT PRIMARY KEY, trigger TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ NOT NULL, summary JSONB NOT NULL);`,
  // Dependency rank stored, so a claim walks an index instead of sorting the whole queue.
  `ALTER TABLE ${s}.outbox ADD COLUMN rank SMALLINT GENERATED ALWAYS AS (CASE entity WHEN 'spouse' THEN 0 WHEN 'client' THEN 1 WHEN 'contract' THEN 2 ELSE 3 END) STORED;
   CREATE INDEX outbox_claim_order ON ${s}.outbox (rank, seq) WHERE state IN ('pending', 'inflight');`,
];

const ORDER: Record<string, number> = { spouse: 0, client: 1, contract: 2, occurrence: 3 };

export interface PostgresStoreOptions {
  /** A pg Pool, or its configuration. */
  readonly pool: Pool | PoolConfig;
  /** Schema of the store's tables (created if missing). Default `megacrm`. */
  readonly schema?: string;
}

interface OutboxRow {
  seq: string;
  entity: EntityName;
  key: string;
  hash: string;
  payload: unknown;
  state: string;
  attempts: number;
}

/**
 * The multi-instance store: several processes share one PostgreSQL schema. Capture is single-flight
 * (the run lock, a lease row); delivery can be spread over workers, which claim outbox items with
 * `FOR UPDATE SKIP LOCKED` and a lease, so no item goes to two workers at once.
 */
export class PostgresStore implements SyncStore {
  readonly concurrentDelivery = true;
  readonly #pool: Pool;
  readonly #owned: boolean;
  readonly #s: string;

  private constructor(pool: Pool, owned: boolean, schema: string) {
    this.#pool = pool;
    this.#owned = owned;
    this.#s = schema;
  }

  /** Connects, creates the schema and applies pending migrations (one process at a time). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'megacrm';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
    const pg = await import('pg');
    const PoolClass = pg.default?.Pool ?? pg.Pool;
    const given = 'query' in options.pool && typeof (options.pool as Pool).query === 'function';
    const pool = given ? (options.pool as Pool) : new PoolClass(options.pool as PoolConfig);
    const store = new PostgresStore(pool, !given, schema);
    await store.#migrate();
    return store;
  }

  async #migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`megacrm-migrate:${this.#s}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.#s}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#s}.migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      const { rows } = await c.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${this.#s}.migrations`);
      const all = migrations(this.#s);
      for (let i = rows[0]?.v ?? 0; i < all.length; i++) {
        await c.query(all[i] as string);
        await c.query(`INSERT INTO ${this.#s}.migrations (version) VALUES ($1)`, [i + 1]);
      }
    });
  }

  async #tx<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async getCursor(sourceId: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ value: string }>(`SELECT value FROM ${this.#s}.cursors WHERE source = $1`, [sourceId]);
    return rows[0]?.value ?? null;
  }

  async capture(input: CaptureInput): Promise<CaptureOutcome> {
    const s = this.#s;
    return this.#tx(async (c) => {
      const entities = input.records.map((r) => r.entity);
      const keys = input.records.map((r) => r.key);
      const enqueued: EntityRef[] = [];
      const unchanged: EntityRef[] = [];
      if (input.records.length > 0) {
        await c.query(`DELETE FROM ${s}.parked p USING unnest($1::text[], $2::text[]) AS k(entity, key) WHERE p.entity = k.entity AND p.key = k.key`, [
          entities,
          keys,
        ]);
        // Locked, so a worker cannot claim an item between this read and the replacement below.
        const queued = await c.query<{ entity: string; key: string; seq: string; hash: string; state: string }>(
          `SELECT o.entity, o.key, o.seq, o.hash, o.state FROM ${s}.outbox o
             JOIN unnest($1::text[], $2::text[]) AS k(entity, key) ON o.entity = k.entity AND o.key = k.key
            ORDER BY o.seq FOR UPDATE OF o`,
          [entities, keys],
        );
        const delivered = await c.query<{ entity: string; key: string; hash: string }>(
          `SELECT d.entity, d.key, d.hash FROM ${s}.delivered d JOIN unnest($1::text[], $2::text[]) AS k(entity, key) ON d.entity = k.entity AND d.key = k.key`,
          [entities, keys],
        );
        const queuedBy = new Map(queued.rows.map((r) => [`${r.entity}\u0000${r.key}`, r])); // ordered by seq: the latest version wins
        const deliveredBy = new Map(delivered.rows.map((r) => [`${r.entity}\u0000${r.key}`, r.hash]));
        const inserts: { entity: string[]; key: string[]; hash: string[]; payload: string[] } = { entity: [], key: [], hash: [], payload: [] };
        const updates: { seq: string[]; hash: string[]; payload: string[] } = { seq: [], hash: [], payload: [] };
        const last = new Map<string, (typeof input.records)[number]>();
        for (const record of input.records) last.set(`${record.entity}\u0000${record.key}`, record); // the latest version of a key in this batch wins
        for (const [id, record] of last) {
          const ref = { entity: record.entity, key: record.key };
          const q = queuedBy.get(id);
          const known = q?.hash ?? deliveredBy.get(id);
          if (known === record.hash && !(input.force && !q)) {
            unchanged.push(ref);
            continue;
          }
          const payload = JSON.stringify(record.payload);
          if (q && q.state !== 'inflight') {
            updates.seq.push(q.seq);
            updates.hash.push(record.hash);
            updates.payload.push(payload);
          } else {
            inserts.entity.push(record.entity);
            inserts.key.push(record.key);
            inserts.hash.push(record.hash);
            inserts.payload.push(payload);
          }
          enqueued.push(ref);
        }
        if (inserts.entity.length > 0) {
          await c.query(
            `INSERT INTO ${s}.outbox (entity, key, hash, payload, state) SELECT e, k, h, p::jsonb, 'pending' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(e, k, h, p)`,
            [inserts.entity, inserts.key, inserts.hash, inserts.payload],
          );
        }
        if (updates.seq.length > 0) {
          await c.query(
            `UPDATE ${s}.outbox o SET hash = t.h, payload = t.p::jsonb, updated_at = now() FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(q, h, p) WHERE o.seq = t.q`,
            [updates.seq, updates.hash, updates.payload],
          );
        }
      }
      if (input.invalid.length > 0) {
        await c.query(
          `INSERT INTO ${s}.parked (entity, key, code, reason, attempts) SELECT * , 1 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, attempts = ${s}.parked.attempts + 1, last_seen = now(), payload = NULL, hash = NULL`,
          [input.invalid.map((i) => i.entity), input.invalid.map((i) => i.key), input.invalid.map((i) => i.code), input.invalid.map((i) => i.message)],
        );
      }
      if (input.cursor !== undefined) {
        await c.query(
          `INSERT INTO ${s}.cursors (source, value) VALUES ($1, $2) ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = now()`,
          [input.sourceId, input.cursor],
        );
      }
      return { enqueued, unchanged };
    });
  }

  async recoverInFlight(): Promise<number> {
    const result = await this.#pool.query(`UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL WHERE state = 'inflight'`);
    return result.rowCount ?? 0;
  }

  async claim(limit: number, runId: string, leaseMs: number): Promise<OutboxItem[]> {
    const now = Date.now();
    const { rows } = await this.#pool.query<OutboxRow>(
      `WITH candidates AS (
         SELECT o.seq FROM ${this.#s}.outbox o
          WHERE ((o.state = 'pending' AND (o.run_id IS NULL OR o.run_id <> $1)) OR (o.state = 'inflight' AND o.lease_until < $2))
            AND NOT EXISTS (SELECT 1 FROM ${this.#s}.outbox e WHERE e.entity = o.entity AND e.key = o.key AND e.seq < o.seq)
          ORDER BY o.rank, o.seq
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE ${this.#s}.outbox o SET state = 'inflight', run_id = $1, lease_until = $4, updated_at = now()
         FROM candidates c WHERE o.seq = c.seq
       RETURNING o.seq, o.entity, o.key, o.hash, o.payload, o.state, o.attempts`,
      [runId, now, limit, now + leaseMs],
    );
    return rows
      .map((r) => ({ seq: Number(r.seq), entity: r.entity, key: r.key, hash: r.hash, payload: r.payload, attempts: r.attempts }))
      .sort((a, b) => (ORDER[a.entity] ?? 9) - (ORDER[b.entity] ?? 9) || a.seq - b.seq);
  }

  async releaseClaims(runId: string): Promise<number> {
    const result = await this.#pool.query(`UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL WHERE state = 'inflight' AND run_id = $1`, [
      runId,
    ]);
    return result.rowCount ?? 0;
  }

  async complete(item: OutboxItem, receipt: DeliveryReceipt): Promise<void> {
    const s = this.#s;
    await this.#pool.query(
      `WITH removed AS (DELETE FROM ${s}.outbox WHERE seq = $1),
            stored AS (INSERT INTO ${s}.delivered (entity, key, hash, crm_id) VALUES ($2, $3, $4, $5)
                       ON CONFLICT (entity, key) DO UPDATE SET hash = excluded.hash, crm_id = excluded.crm_id, delivered_at = now()),
            unparked AS (DELETE FROM ${s}.parked WHERE entity = $2 AND key = $3),
            woken AS (UPDATE ${s}.outbox SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, updated_at = now()
                      WHERE state = 'held' AND waiting_entity = $2 AND waiting_key = $3)
       SELECT 1`,
      [item.seq, item.entity, item.key, item.hash, receipt.crmId],
    );
  }

  async completeMany(done: ReadonlyArray<readonly [OutboxItem, DeliveryReceipt]>): Promise<void> {
    if (done.length === 0) return;
    const s = this.#s;
    const col = <T>(f: (d: readonly [OutboxItem, DeliveryReceipt]) => T) => done.map(f);
    await this.#pool.query(
      `WITH t AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(seq, entity, key, hash, crm_id)),
            removed AS (DELETE FROM ${s}.outbox o USING t WHERE o.seq = t.seq),
            stored AS (INSERT INTO ${s}.delivered (entity, key, hash, crm_id) SELECT DISTINCT ON (entity, key) entity, key, hash, crm_id FROM t ORDER BY entity, key, seq DESC
                       ON CONFLICT (entity, key) DO UPDATE SET hash = excluded.hash, crm_id = excluded.crm_id, delivered_at = now()),
            unparked AS (DELETE FROM ${s}.parked p USING t WHERE p.entity = t.entity AND p.key = t.key),
            woken AS (UPDATE ${s}.outbox o SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, updated_at = now()
                      FROM t WHERE o.state = 'held' AND o.waiting_entity = t.entity AND o.waiting_key = t.key)
       SELECT 1`,
      [col(([i]) => i.seq), col(([i]) => i.entity), col(([i]) => i.key), col(([i]) => i.hash), col(([, r]) => r.crmId)],
    );
  }

  async park(item: OutboxItem, failure: FailureInfo): Promise<void> {
    const s = this.#s;
    await this.#pool.query(
      `WITH removed AS (DELETE FROM ${s}.outbox WHERE seq = $1)
       INSERT INTO ${s}.parked (entity, key, code, reason, attempts, payload, hash) VALUES ($2, $3, $4, $5, $6, $7::jsonb, $8)
       ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, payload = excluded.payload, hash = excluded.hash,
         attempts = ${s}.parked.attempts + excluded.attempts, last_seen = now()`,
      [item.seq, item.entity, item.key, failure.code, failure.message, item.attempts + 1, JSON.stringify(item.payload), item.hash],
    );
  }

  async release(item: OutboxItem, failure: FailureInfo): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL, attempts = attempts + 1, last_error_code = $1, last_error = $2, updated_at = now() WHERE seq = $3 AND state = 'inflight'`,
      [failure.code, failure.message, item.seq],
    );
  }

  async hold(item: OutboxItem, waitingFor: EntityRef, failure: FailureInfo): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'held', lease_until = NULL, attempts = attempts + 1, waiting_entity = $1, waiting_key = $2, last_error_code = $3, last_error = $4, updated_at = now() WHERE seq = $5`,
      [waitingFor.entity, waitingFor.key, failure.code, failure.message, item.seq],
    );
  }

  async queueState(ref: EntityRef): Promise<'queued' | 'held' | 'none'> {
    const { rows } = await this.#pool.query<{ state: string }>(`SELECT state FROM ${this.#s}.outbox WHERE entity = $1 AND key = $2 ORDER BY seq DESC LIMIT 1`, [
      ref.entity,
      ref.key,
    ]);
    const state = rows[0]?.state;
    return state === undefined ? 'none' : state === 'held' ? 'held' : 'queued';
  }

  async integrationId(ref: EntityRef): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ crm_id: string }>(`SELECT crm_id FROM ${this.#s}.delivered WHERE entity = $1 AND key = $2`, [
      ref.entity,
      ref.key,
    ]);
    return rows[0]?.crm_id;
  }

  async counts(): Promise<QueueCounts> {
    const { rows } = await this.#pool.query<{ state: string; n: string }>(
      `SELECT state, COUNT(*) AS n FROM ${this.#s}.outbox GROUP BY state UNION ALL SELECT 'parked', COUNT(*) FROM ${this.#s}.parked`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return { pending: by.pending ?? 0, inflight: by.inflight ?? 0, held: by.held ?? 0, parked: by.parked ?? 0 };
  }

  async listParked(filter: ParkedFilter = {}): Promise<ParkedRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT * FROM ${this.#s}.parked WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR key = $2) AND ($3::text IS NULL OR code = $3) ORDER BY last_seen DESC, entity, key`,
      [filter.entity ?? null, filter.key ?? null, filter.code ?? null],
    );
    return rows.map(toParked);
  }

  async unpark(filter: ParkedFilter = {}): Promise<ParkedRecord[]> {
    const { rows } = await this.#pool.query(
      `DELETE FROM ${this.#s}.parked WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR key = $2) AND ($3::text IS NULL OR code = $3) RETURNING *`,
      [filter.entity ?? null, filter.key ?? null, filter.code ?? null],
    );
    return rows.map(toParked);
  }

  async acquireRunLock(owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const { rows } = await this.#pool.query(
      `INSERT INTO ${this.#s}.locks (name, owner, expires_at) VALUES ('run', $1, $2)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE ${this.#s}.locks.owner = excluded.owner OR ${this.#s}.locks.expires_at < $3
       RETURNING owner`,
      [owner, now + ttlMs, now],
    );
    return rows.length === 1;
  }

  async renewRunLock(owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.#pool.query(`UPDATE ${this.#s}.locks SET expires_at = $1 WHERE name = 'run' AND owner = $2`, [Date.now() + ttlMs, owner]);
    return result.rowCount === 1;
  }

  async releaseRunLock(owner: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#s}.locks WHERE name = 'run' AND owner = $1`, [owner]);
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.#pool.query(`INSERT INTO ${this.#s}.runs (id, trigger, started_at, ended_at, summary) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
      run.id,
      run.trigger,
      run.startedAt,
      run.endedAt,
      JSON.stringify(run.summary),
    ]);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<{ id: string; trigger: string; started_at: Date; ended_at: Date; summary: unknown }>(
      `SELECT * FROM ${this.#s}.runs ORDER BY started_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, trigger: r.trigger, startedAt: r.started_at.toISOString(), endedAt: r.ended_at.toISOString(), summary: r.summary }));
  }

  /** Drops the store's schema (tests, demos). */
  async drop(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#s} CASCADE`);
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }
}

function toParked(r: Record<string, unknown>): ParkedRecord {
  return {
    entity: r.entity as EntityName,
    key: String(r.key),
    code: r.code as ParkedRecord['code'],
    message: String(r.reason),
    attempts: Number(r.attempts),
    firstSeen: (r.first_seen as Date).toISOString(),
    lastSeen: (r.last_seen as Date).toISOString(),
    ...(r.payload == null ? {} : { payload: r.payload }),
    ...(r.hash == null ? {} : { hash: String(r.hash) }),
  };
}
