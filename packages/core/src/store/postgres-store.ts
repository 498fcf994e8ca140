import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { EntityName, EntityRef } from '../domain/records.js';
import { ConfigurationError, driverMissing, type ErrorCode, RunLockLostError } from '../errors.js';
import type {
  CaptureInput,
  CaptureOutcome,
  ClaimRequest,
  DeliveredRecord,
  DeliveryReceipt,
  FailureInfo,
  HoldSettlement,
  LoggedRunSummary,
  OutboxItem,
  ParkedFilter,
  ParkedRecord,
  QueueCounts,
  RunLockHolder,
  RunRecord,
  StrandedHold,
  SyncStore,
} from '../ports.js';
import { byClaimOrder, isUnchanged, MAX_KEYS_PAGE, REMOVED_HASH, RunUse, toParked } from './policy.js';

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
  // Fencing (a claim token per claim), the claiming process (to recover a dead one's claims at once),
  // and the bounds of a hold (first held, tries); a record parked for a dependency names it.
  `ALTER TABLE ${s}.outbox ADD COLUMN claim_token TEXT, ADD COLUMN claimed_by TEXT, ADD COLUMN held_at BIGINT, ADD COLUMN hold_tries INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE ${s}.parked ADD COLUMN waiting_entity TEXT, ADD COLUMN waiting_key TEXT;`,
  // What the CRM last received per key (a dry run's diff), and since when the run lock is held (status).
  `ALTER TABLE ${s}.delivered ADD COLUMN payload JSONB;
   ALTER TABLE ${s}.locks ADD COLUMN since BIGINT;`,
];

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
  readonly #use = new RunUse();

  private constructor(pool: Pool, owned: boolean, schema: string) {
    this.#pool = pool;
    this.#owned = owned;
    this.#s = schema;
  }

  /** Connects, creates the schema and applies pending migrations (one process at a time). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'megacrm';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new ConfigurationError(`Invalid schema name ${JSON.stringify(schema)}.`, {
        code: 'CONFIG_INVALID',
        fix: { en: 'Use lower-case letters, digits and _ only.', pt: 'Use apenas letras minúsculas, dígitos e _.' },
      });
    const pg = await import('pg').catch((error: unknown) => {
      throw driverMissing('pg', error);
    });
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
      if (input.fence !== undefined) {
        // FOR SHARE: the lock cannot change hands until this capture commits.
        const { rows } = await c.query<{ owner: string }>(`SELECT owner FROM ${s}.locks WHERE name = 'run' FOR SHARE`);
        if (rows[0]?.owner !== input.fence) throw new RunLockLostError({ owner: input.fence });
      }
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
          if (isUnchanged(record.hash, { queuedHash: q?.hash, queuedInFlight: q?.state === 'inflight', deliveredHash: deliveredBy.get(id) }, input.force)) {
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
    const result = await this.#pool.query(`UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight'`);
    return result.rowCount ?? 0;
  }

  async claim(request: ClaimRequest): Promise<OutboxItem[]> {
    const { limit, runId, leaseMs, owner, now } = request;
    const token = randomUUID();
    const { rows } = await this.#pool.query<OutboxRow>(
      `WITH candidates AS (
         SELECT o.seq FROM ${this.#s}.outbox o
          WHERE ((o.state = 'pending' AND (o.run_id IS NULL OR o.run_id <> $1)) OR (o.state = 'inflight' AND o.lease_until < $2))
            AND NOT EXISTS (SELECT 1 FROM ${this.#s}.outbox e WHERE e.entity = o.entity AND e.key = o.key AND e.seq < o.seq)
          ORDER BY o.rank, o.seq
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE ${this.#s}.outbox o SET state = 'inflight', run_id = $1, lease_until = $4, claim_token = $5, claimed_by = $6, updated_at = now()
         FROM candidates c WHERE o.seq = c.seq
       RETURNING o.seq, o.entity, o.key, o.hash, o.payload, o.state, o.attempts`,
      [runId, now, limit, now + leaseMs, token, owner],
    );
    if (rows.length > 0) this.#use.claimed(runId);
    return rows
      .map((r) => ({ seq: Number(r.seq), entity: r.entity, key: r.key, hash: r.hash, payload: r.payload, attempts: r.attempts, token }))
      .sort(byClaimOrder);
  }

  async renewClaims(runId: string, leaseMs: number, now: number): Promise<number> {
    const result = await this.#pool.query(`UPDATE ${this.#s}.outbox SET lease_until = $1 WHERE state = 'inflight' AND run_id = $2`, [now + leaseMs, runId]);
    return result.rowCount ?? 0;
  }

  async releaseClaims(runId: string): Promise<number> {
    this.#use.released(runId);
    const result = await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight' AND run_id = $1`,
      [runId],
    );
    return result.rowCount ?? 0;
  }

  async claimOwners(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ claimed_by: string }>(
      `SELECT DISTINCT claimed_by FROM ${this.#s}.outbox WHERE state = 'inflight' AND claimed_by IS NOT NULL`,
    );
    return rows.map((r) => r.claimed_by);
  }

  async releaseOwner(owner: string): Promise<number> {
    const result = await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight' AND claimed_by = $1`,
      [owner],
    );
    return result.rowCount ?? 0;
  }

  async completeMany(done: ReadonlyArray<readonly [OutboxItem, DeliveryReceipt]>): Promise<OutboxItem[]> {
    if (done.length === 0) return [];
    const s = this.#s;
    const col = <T>(f: (d: readonly [OutboxItem, DeliveryReceipt]) => T) => done.map(f);
    const { rows } = await this.#pool.query<{ seq: string }>(
      `WITH t AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(seq, entity, key, hash, crm_id, token)),
              removed AS (DELETE FROM ${s}.outbox o USING t WHERE o.seq = t.seq AND o.claim_token = t.token AND o.state = 'inflight' RETURNING o.seq, o.payload),
              a AS (SELECT t.*, r.payload FROM t JOIN removed r ON r.seq = t.seq),
              stored AS (INSERT INTO ${s}.delivered (entity, key, hash, crm_id, payload) SELECT DISTINCT ON (entity, key) entity, key, hash, crm_id, payload FROM a ORDER BY entity, key, seq DESC
                         ON CONFLICT (entity, key) DO UPDATE SET hash = excluded.hash, crm_id = excluded.crm_id, payload = excluded.payload, delivered_at = now()),
              unparked AS (DELETE FROM ${s}.parked p USING a WHERE p.entity = a.entity AND p.key = a.key),
              woken AS (UPDATE ${s}.outbox o SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, updated_at = now()
                        FROM a WHERE o.state = 'held' AND o.waiting_entity = a.entity AND o.waiting_key = a.key)
         SELECT seq FROM removed`,
      [col(([i]) => i.seq), col(([i]) => i.entity), col(([i]) => i.key), col(([i]) => i.hash), col(([, r]) => r.crmId), col(([i]) => i.token)],
    );
    const accepted = new Set(rows.map((r) => Number(r.seq)));
    return done.filter(([item]) => !accepted.has(item.seq)).map(([item]) => item);
  }

  async park(item: OutboxItem, failure: FailureInfo): Promise<boolean> {
    const s = this.#s;
    const { rows } = await this.#pool.query(
      `WITH removed AS (DELETE FROM ${s}.outbox WHERE seq = $1 AND claim_token = $9 AND state = 'inflight' RETURNING seq)
       INSERT INTO ${s}.parked (entity, key, code, reason, attempts, payload, hash) SELECT $2, $3, $4, $5, $6, $7::jsonb, $8 FROM removed
       ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, payload = excluded.payload, hash = excluded.hash,
         attempts = ${s}.parked.attempts + excluded.attempts, last_seen = now(), waiting_entity = NULL, waiting_key = NULL
       RETURNING 1`,
      [item.seq, item.entity, item.key, failure.code, failure.message, item.attempts + 1, JSON.stringify(item.payload), item.hash, item.token],
    );
    return rows.length === 1;
  }

  async retryLater(item: OutboxItem, failure: FailureInfo): Promise<boolean> {
    const result = await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'pending', lease_until = NULL, claim_token = NULL, attempts = attempts + 1, last_error_code = $1, last_error = $2, updated_at = now()
        WHERE seq = $3 AND claim_token = $4 AND state = 'inflight'`,
      [failure.code, failure.message, item.seq, item.token],
    );
    return result.rowCount === 1;
  }

  async hold(item: OutboxItem, waitingFor: EntityRef, failure: FailureInfo, now: number): Promise<boolean> {
    const held = await this.#pool.query(
      `UPDATE ${this.#s}.outbox SET state = 'held', lease_until = NULL, claim_token = NULL, attempts = attempts + 1, waiting_entity = $1, waiting_key = $2,
         held_at = COALESCE(held_at, $3), last_error_code = $4, last_error = $5, updated_at = now() WHERE seq = $6 AND claim_token = $7 AND state = 'inflight'`,
      [waitingFor.entity, waitingFor.key, now, failure.code, failure.message, item.seq, item.token],
    );
    return held.rowCount === 1;
  }

  async strandedHolds(limit: number): Promise<StrandedHold[]> {
    const s = this.#s;
    const { rows } = await this.#pool.query<{
      seq: string;
      entity: EntityName;
      key: string;
      waiting_entity: EntityName;
      waiting_key: string;
      held_at: string | null;
      hold_tries: number;
      delivered: boolean;
      parked_code: string | null;
    }>(
      `SELECT h.seq, h.entity, h.key, h.waiting_entity, h.waiting_key, h.held_at, h.hold_tries,
              EXISTS (SELECT 1 FROM ${s}.delivered d WHERE d.entity = h.waiting_entity AND d.key = h.waiting_key) AS delivered,
              (SELECT p.code FROM ${s}.parked p WHERE p.entity = h.waiting_entity AND p.key = h.waiting_key) AS parked_code
         FROM ${s}.outbox h
        WHERE h.state = 'held' AND NOT EXISTS (SELECT 1 FROM ${s}.outbox d WHERE d.entity = h.waiting_entity AND d.key = h.waiting_key)
        ORDER BY h.seq LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      entity: r.entity,
      key: r.key,
      waitingFor: { entity: r.waiting_entity, key: r.waiting_key },
      heldAt: Number(r.held_at ?? 0),
      tries: r.hold_tries,
      dependency: r.delivered ? 'delivered' : r.parked_code !== null ? 'parked' : 'absent',
      ...(r.parked_code !== null ? { dependencyCode: r.parked_code as ErrorCode } : {}),
    }));
  }

  async settleHolds(settlement: HoldSettlement): Promise<void> {
    const s = this.#s;
    await this.#tx(async (c) => {
      if (settlement.wake.length > 0)
        await c.query(
          `UPDATE ${s}.outbox SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, hold_tries = hold_tries + 1, updated_at = now()
            WHERE seq = ANY($1::bigint[]) AND state = 'held'`,
          [settlement.wake],
        );
      if (settlement.tried.length > 0)
        await c.query(`UPDATE ${s}.outbox SET hold_tries = hold_tries + 1 WHERE seq = ANY($1::bigint[]) AND state = 'held'`, [settlement.tried]);
      if (settlement.park.length > 0)
        await c.query(
          `WITH t AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(seq, code, reason)),
                removed AS (DELETE FROM ${s}.outbox o USING t WHERE o.seq = t.seq AND o.state = 'held'
                            RETURNING o.entity, o.key, t.code, t.reason, o.attempts, o.payload, o.hash, o.waiting_entity, o.waiting_key)
           INSERT INTO ${s}.parked (entity, key, code, reason, attempts, payload, hash, waiting_entity, waiting_key) SELECT * FROM removed
           ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, payload = excluded.payload, hash = excluded.hash,
             attempts = ${s}.parked.attempts + excluded.attempts, last_seen = now(), waiting_entity = excluded.waiting_entity, waiting_key = excluded.waiting_key`,
          [settlement.park.map((p) => p.seq), settlement.park.map((p) => p.failure.code), settlement.park.map((p) => p.failure.message)],
        );
    });
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

  async lastDelivered(refs: readonly EntityRef[]): Promise<DeliveredRecord[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.#pool.query<{ entity: EntityName; key: string; hash: string; crm_id: string; delivered_at: Date; payload: unknown }>(
      `SELECT d.entity, d.key, d.hash, d.crm_id, d.delivered_at, d.payload FROM ${this.#s}.delivered d
         JOIN unnest($1::text[], $2::text[]) AS k(entity, key) ON d.entity = k.entity AND d.key = k.key`,
      [refs.map((r) => r.entity), refs.map((r) => r.key)],
    );
    return rows.map((r) => ({
      entity: r.entity,
      key: r.key,
      hash: r.hash,
      crmId: r.crm_id,
      deliveredAt: r.delivered_at.toISOString(),
      ...(r.payload == null ? {} : { payload: r.payload }),
    }));
  }

  async deliveredKeys(entity: EntityName, after: string | null, limit: number): Promise<string[]> {
    // Keyset pagination on the primary key (entity, key): each page is an index range, however large the table.
    const { rows } = await this.#pool.query<{ key: string }>(
      `SELECT key FROM ${this.#s}.delivered WHERE entity = $1 AND key > $2 AND hash <> $3 ORDER BY key LIMIT $4`,
      [entity, after ?? '', REMOVED_HASH, Math.max(1, Math.min(limit, MAX_KEYS_PAGE))],
    );
    return rows.map((r) => r.key);
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
    return rows.map(fromRow);
  }

  async unpark(filter: ParkedFilter = {}): Promise<ParkedRecord[]> {
    const { rows } = await this.#pool.query(
      `DELETE FROM ${this.#s}.parked WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR key = $2) AND ($3::text IS NULL OR code = $3) RETURNING *`,
      [filter.entity ?? null, filter.key ?? null, filter.code ?? null],
    );
    return rows.map(fromRow);
  }

  async acquireRunLock(owner: string, ttlMs: number, takeOver?: (holder: string) => boolean): Promise<boolean> {
    const now = Date.now();
    const { rows } = await this.#pool.query<{ owner: string; taken: boolean }>(
      `WITH current AS (SELECT owner FROM ${this.#s}.locks WHERE name = 'run'),
            taken AS (INSERT INTO ${this.#s}.locks (name, owner, expires_at, since) VALUES ('run', $1, $2, $3)
                      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
                        since = CASE WHEN ${this.#s}.locks.owner = excluded.owner THEN ${this.#s}.locks.since ELSE excluded.since END
                        WHERE ${this.#s}.locks.owner = excluded.owner OR ${this.#s}.locks.expires_at < $3
                      RETURNING owner)
       SELECT (SELECT owner FROM taken) IS NOT NULL AS taken, (SELECT owner FROM current) AS owner`,
      [owner, now + ttlMs, now],
    );
    let taken = rows[0]?.taken === true;
    const holder = rows[0]?.owner;
    if (!taken && holder && takeOver?.(holder)) {
      // Compare-and-set: only if the dead holder still has it.
      const result = await this.#pool.query(`UPDATE ${this.#s}.locks SET owner = $1, expires_at = $2, since = $4 WHERE name = 'run' AND owner = $3`, [
        owner,
        now + ttlMs,
        holder,
        now,
      ]);
      taken = result.rowCount === 1;
    }
    if (taken) this.#use.locked(owner);
    return taken;
  }

  async renewRunLock(owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.#pool.query(`UPDATE ${this.#s}.locks SET expires_at = $1 WHERE name = 'run' AND owner = $2`, [Date.now() + ttlMs, owner]);
    return result.rowCount === 1;
  }

  async releaseRunLock(owner: string): Promise<void> {
    this.#use.unlocked(owner);
    await this.#pool.query(`DELETE FROM ${this.#s}.locks WHERE name = 'run' AND owner = $1`, [owner]);
  }

  async runLockHolder(): Promise<RunLockHolder | undefined> {
    const { rows } = await this.#pool.query<{ owner: string; expires_at: string; since: string | null }>(
      `SELECT owner, expires_at, since FROM ${this.#s}.locks WHERE name = 'run'`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      owner: row.owner,
      expiresAt: new Date(Number(row.expires_at)).toISOString(),
      ...(row.since === null ? {} : { since: new Date(Number(row.since)).toISOString() }),
    };
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
    const { rows } = await this.#pool.query<{ id: string; trigger: string; started_at: Date; ended_at: Date; summary: LoggedRunSummary }>(
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
    this.#use.assertIdle();
    if (this.#owned) await this.#pool.end();
  }
}

function fromRow(r: Record<string, unknown>): ParkedRecord {
  return toParked({
    entity: String(r.entity),
    key: String(r.key),
    code: String(r.code),
    reason: String(r.reason),
    attempts: Number(r.attempts),
    firstSeen: (r.first_seen as Date).toISOString(),
    lastSeen: (r.last_seen as Date).toISOString(),
    payload: r.payload,
    hash: r.hash == null ? null : String(r.hash),
    waitingEntity: r.waiting_entity == null ? null : String(r.waiting_entity),
    waitingKey: r.waiting_key == null ? null : String(r.waiting_key),
  });
}
