import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { EntityName, EntityRef } from '../domain/records.js';
import { type ErrorCode, RunLockLostError } from '../errors.js';
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

/** Versioned migrations; `PRAGMA user_version` holds how many have been applied. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE cursors (
     source TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE delivered (
     entity TEXT NOT NULL,
     key TEXT NOT NULL,
     hash TEXT NOT NULL,
     crm_id TEXT NOT NULL,
     delivered_at TEXT NOT NULL,
     PRIMARY KEY (entity, key)
   ) WITHOUT ROWID;
   CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     entity TEXT NOT NULL,
     key TEXT NOT NULL,
     hash TEXT NOT NULL,
     payload TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'inflight')),
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error_code TEXT,
     last_error TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX outbox_by_key ON outbox (entity, key);
   CREATE INDEX outbox_by_state ON outbox (state, seq);
   CREATE TABLE parked (
     entity TEXT NOT NULL,
     key TEXT NOT NULL,
     code TEXT NOT NULL,
     reason TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen TEXT NOT NULL,
     PRIMARY KEY (entity, key)
   ) WITHOUT ROWID;
   CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     trigger TEXT NOT NULL,
     started_at TEXT NOT NULL,
     ended_at TEXT NOT NULL,
     summary TEXT NOT NULL
   );`,
  // Items claimed by a run carry its id, so a run never claims twice what it released.
  'ALTER TABLE outbox ADD COLUMN run_id TEXT;',
  // Held items (waiting for a dependency), claim leases, parked payloads, the run lock.
  `CREATE TABLE outbox_v3 (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     entity TEXT NOT NULL,
     key TEXT NOT NULL,
     hash TEXT NOT NULL,
     payload TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'held')),
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error_code TEXT,
     last_error TEXT,
     run_id TEXT,
     lease_until INTEGER,
     waiting_entity TEXT,
     waiting_key TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   INSERT INTO outbox_v3 (seq, entity, key, hash, payload, state, attempts, last_error_code, last_error, run_id, created_at, updated_at)
     SELECT seq, entity, key, hash, payload, state, attempts, last_error_code, last_error, run_id, created_at, updated_at FROM outbox;
   DROP TABLE outbox;
   ALTER TABLE outbox_v3 RENAME TO outbox;
   CREATE INDEX outbox_by_key ON outbox (entity, key);
   CREATE INDEX outbox_by_state ON outbox (state, seq);
   CREATE INDEX outbox_by_waiting ON outbox (waiting_entity, waiting_key) WHERE state = 'held';
   ALTER TABLE parked ADD COLUMN payload TEXT;
   ALTER TABLE parked ADD COLUMN hash TEXT;
   CREATE TABLE locks (
     name TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // Claims walk an index in dependency order instead of sorting the whole queue each time.
  `ALTER TABLE outbox ADD COLUMN rank INTEGER GENERATED ALWAYS AS (CASE entity WHEN 'spouse' THEN 0 WHEN 'client' THEN 1 WHEN 'contract' THEN 2 ELSE 3 END) VIRTUAL;
   CREATE INDEX outbox_claim_order ON outbox (state, rank, seq);
   CREATE INDEX outbox_by_lease ON outbox (state, lease_until);`,
  // Fewer indexes to keep up on every insert, claim and delete: (state, rank, seq) serves every lookup by
  // state, expired leases included (in-flight rows are at most a few claimed batches).
  `DROP INDEX outbox_by_state;
   DROP INDEX outbox_by_lease;`,
  // Fencing (a claim token per claim), the claiming process (to recover a dead one's claims at once),
  // and the bounds of a hold (first held, tries); a record parked for a dependency names it.
  `ALTER TABLE outbox ADD COLUMN claim_token TEXT;
   ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
   ALTER TABLE outbox ADD COLUMN held_at INTEGER;
   ALTER TABLE outbox ADD COLUMN hold_tries INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE parked ADD COLUMN waiting_entity TEXT;
   ALTER TABLE parked ADD COLUMN waiting_key TEXT;`,
  // What the CRM last received per key (a dry run's diff), and since when the run lock is held (status).
  `ALTER TABLE delivered ADD COLUMN payload TEXT;
   ALTER TABLE locks ADD COLUMN since INTEGER;`,
];

const RUN_LOCK = 'run';

interface OutboxRow {
  seq: number;
  entity: EntityName;
  key: string;
  hash: string;
  payload: string;
  state: 'pending' | 'inflight' | 'held';
  attempts: number;
}

interface ParkedRow {
  entity: EntityName;
  key: string;
  code: string;
  reason: string;
  attempts: number;
  first_seen: string;
  last_seen: string;
  payload: string | null;
  hash: string | null;
  waiting_entity: string | null;
  waiting_key: string | null;
}

interface StrandedRow {
  seq: number;
  entity: EntityName;
  key: string;
  waiting_entity: EntityName;
  waiting_key: string;
  held_at: number | null;
  hold_tries: number;
  delivered: number;
  parked_code: string | null;
}

/** WAL pages between two automatic checkpoints (SQLite's default: 1,000). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
}

/**
 * The embedded default store: one SQLite file (WAL), no server to run. One process delivers at a
 * time (the run lock); several processes may share the file and are told "already running".
 */
export class SqliteStore implements SyncStore {
  readonly concurrentDelivery = false;
  readonly #db: Database.Database;
  readonly #stmt;
  readonly #use = new RunUse();

  /**
   * Opens (creating it if missing) the store file and applies pending migrations: the same call as
   * `PostgresStore.open()`, so a host switches stores by changing one line.
   */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    return new SqliteStore(options);
  }

  /** @deprecated Use `await SqliteStore.open(options)`, the one construction style of every store. */
  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    // A checkpoint runs inside the commit that crosses this many WAL pages, on the event loop, with its
    // fsyncs: at SQLite's 1,000 it came every ~300 records of a backfill and stalled the CRM calls in
    // flight (10–40 ms each). The outbox is a small set of pages rewritten over and over, so a larger
    // interval checkpoints each page once for many writes: fewer, no longer, stalls. The WAL file is
    // cut back to 64 MB after a checkpoint.
    this.#db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.#db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    const db = this.#db;
    this.#stmt = {
      getCursor: db.prepare<[string], { value: string }>('SELECT value FROM cursors WHERE source = ?'),
      setCursor: db.prepare(
        'INSERT INTO cursors (source, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      deliveredHash: db.prepare<[string, string], { hash: string }>('SELECT hash FROM delivered WHERE entity = ? AND key = ?'),
      anyParked: db.prepare<[], { n: number }>('SELECT EXISTS (SELECT 1 FROM parked) AS n'),
      anyHeld: db.prepare<[], { n: number }>("SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'held') AS n"),
      queuedForKey: db.prepare<[string, string], Pick<OutboxRow, 'seq' | 'state' | 'hash'>>(
        'SELECT seq, state, hash FROM outbox WHERE entity = ? AND key = ? ORDER BY seq DESC LIMIT 1',
      ),
      enqueue: db.prepare("INSERT INTO outbox (entity, key, hash, payload, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)"),
      replaceWaiting: db.prepare("UPDATE outbox SET hash = ?, payload = ?, updated_at = ? WHERE seq = ? AND state IN ('pending', 'held')"),
      unparkOne: db.prepare('DELETE FROM parked WHERE entity = ? AND key = ?'),
      park: db.prepare(
        `INSERT INTO parked (entity, key, code, reason, attempts, first_seen, last_seen, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, payload = excluded.payload, hash = excluded.hash,
           attempts = parked.attempts + excluded.attempts, last_seen = excluded.last_seen, waiting_entity = NULL, waiting_key = NULL`,
      ),
      recover: db.prepare("UPDATE outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight'"),
      releaseClaims: db.prepare("UPDATE outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight' AND run_id = ?"),
      renewClaims: db.prepare("UPDATE outbox SET lease_until = ? WHERE state = 'inflight' AND run_id = ?"),
      claimOwners: db.prepare<[], { claimed_by: string }>("SELECT DISTINCT claimed_by FROM outbox WHERE state = 'inflight' AND claimed_by IS NOT NULL"),
      releaseOwner: db.prepare("UPDATE outbox SET state = 'pending', lease_until = NULL, claim_token = NULL WHERE state = 'inflight' AND claimed_by = ?"),
      // Dependency order (rank: spouse, client, contract, occurrence), then sequence.
      claimablePending: db.prepare<[string, number], OutboxRow>(
        `SELECT * FROM outbox o INDEXED BY outbox_claim_order
          WHERE o.state = 'pending' AND (o.run_id IS NULL OR o.run_id <> ?)
            AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.entity = o.entity AND e.key = o.key AND e.seq < o.seq)
          ORDER BY o.rank, o.seq LIMIT ?`,
      ),
      claimableExpired: db.prepare<[number, number], OutboxRow>(
        `SELECT * FROM outbox o WHERE o.state = 'inflight' AND o.lease_until < ?
            AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.entity = o.entity AND e.key = o.key AND e.seq < o.seq)
          ORDER BY o.rank, o.seq LIMIT ?`,
      ),
      // Batches go to SQLite as one JSON array and one statement: far cheaper than a statement per row.
      markInFlight: db.prepare(
        "UPDATE outbox SET state = 'inflight', run_id = ?, lease_until = ?, claim_token = ?, claimed_by = ?, updated_at = ? WHERE seq IN (SELECT value FROM json_each(?))",
      ),
      // Fenced: only rows still claimed under the caller's token.
      removeClaimed: db.prepare("DELETE FROM outbox WHERE seq = ? AND claim_token = ? AND state = 'inflight'"),
      removeManyClaimed: db.prepare<[string], { seq: number }>(
        "DELETE FROM outbox WHERE state = 'inflight' AND (seq, claim_token) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) RETURNING seq",
      ),
      // Before the claimed rows are removed, from those rows (fenced alike): the payload is copied in SQL, not serialized
      // again. CROSS JOIN keeps json_each the outer loop, so each row is found by its primary key.
      deliveredMany: db.prepare(
        `INSERT INTO delivered (entity, key, hash, crm_id, delivered_at, payload)
           SELECT o.entity, o.key, o.hash, j.value ->> 2, ?, o.payload
             FROM json_each(?) j CROSS JOIN outbox o ON o.seq = j.value ->> 0 AND o.claim_token = j.value ->> 1 AND o.state = 'inflight' WHERE true
         ON CONFLICT (entity, key) DO UPDATE SET hash = excluded.hash, crm_id = excluded.crm_id, delivered_at = excluded.delivered_at, payload = excluded.payload`,
      ),
      wakeWaiters: db.prepare(
        "UPDATE outbox SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, updated_at = ? WHERE state = 'held' AND waiting_entity = ? AND waiting_key = ?",
      ),
      retryLater: db.prepare(
        "UPDATE outbox SET state = 'pending', lease_until = NULL, claim_token = NULL, attempts = attempts + 1, last_error_code = ?, last_error = ?, updated_at = ? WHERE seq = ? AND claim_token = ? AND state = 'inflight'",
      ),
      hold: db.prepare(
        "UPDATE outbox SET state = 'held', lease_until = NULL, claim_token = NULL, attempts = attempts + 1, waiting_entity = ?, waiting_key = ?, held_at = COALESCE(held_at, ?), last_error_code = ?, last_error = ?, updated_at = ? WHERE seq = ? AND claim_token = ? AND state = 'inflight'",
      ),
      stranded: db.prepare<[number], StrandedRow>(
        `SELECT h.seq, h.entity, h.key, h.waiting_entity, h.waiting_key, h.held_at, h.hold_tries,
                EXISTS (SELECT 1 FROM delivered d WHERE d.entity = h.waiting_entity AND d.key = h.waiting_key) AS delivered,
                (SELECT p.code FROM parked p WHERE p.entity = h.waiting_entity AND p.key = h.waiting_key) AS parked_code
           FROM outbox h
          WHERE h.state = 'held' AND NOT EXISTS (SELECT 1 FROM outbox d WHERE d.entity = h.waiting_entity AND d.key = h.waiting_key)
          ORDER BY h.seq LIMIT ?`,
      ),
      wakeHeld: db.prepare(
        "UPDATE outbox SET state = 'pending', run_id = NULL, waiting_entity = NULL, waiting_key = NULL, hold_tries = hold_tries + 1, updated_at = ? WHERE seq IN (SELECT value FROM json_each(?)) AND state = 'held'",
      ),
      triedHeld: db.prepare("UPDATE outbox SET hold_tries = hold_tries + 1 WHERE seq IN (SELECT value FROM json_each(?)) AND state = 'held'"),
      parkHeld: db.prepare(
        `INSERT INTO parked (entity, key, code, reason, attempts, first_seen, last_seen, payload, hash, waiting_entity, waiting_key)
           SELECT entity, key, ?, ?, attempts, ?, ?, payload, hash, waiting_entity, waiting_key FROM outbox WHERE seq = ? AND state = 'held'
         ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason, payload = excluded.payload, hash = excluded.hash,
           attempts = parked.attempts + excluded.attempts, last_seen = excluded.last_seen, waiting_entity = excluded.waiting_entity, waiting_key = excluded.waiting_key`,
      ),
      removeHeld: db.prepare("DELETE FROM outbox WHERE seq = ? AND state = 'held'"),
      queueState: db.prepare<[string, string], { state: string }>('SELECT state FROM outbox WHERE entity = ? AND key = ? ORDER BY seq DESC LIMIT 1'),
      crmId: db.prepare<[string, string], { crm_id: string }>('SELECT crm_id FROM delivered WHERE entity = ? AND key = ?'),
      lastDelivered: db.prepare<[string], { entity: EntityName; key: string; hash: string; crm_id: string; delivered_at: string; payload: string | null }>(
        'SELECT d.entity, d.key, d.hash, d.crm_id, d.delivered_at, d.payload FROM json_each(?) j JOIN delivered d ON d.entity = j.value ->> 0 AND d.key = j.value ->> 1',
      ),
      // Keyset pagination on the primary key (entity, key): each page is an index range, however large the table.
      deliveredKeys: db
        .prepare<[string, string, number], string>(`SELECT key FROM delivered WHERE entity = ? AND key > ? AND hash <> '${REMOVED_HASH}' ORDER BY key LIMIT ?`)
        .pluck(),
      counts: db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state'),
      parkedCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM parked'),
      listParked: db.prepare<[{ entity: string | null; key: string | null; code: string | null }], ParkedRow>(
        'SELECT * FROM parked WHERE (@entity IS NULL OR entity = @entity) AND (@key IS NULL OR key = @key) AND (@code IS NULL OR code = @code) ORDER BY last_seen DESC, entity, key',
      ),
      deleteParked: db.prepare('DELETE FROM parked WHERE entity = ? AND key = ?'),
      lockRow: db.prepare<[string], { owner: string; expires_at: number; since: number | null }>('SELECT owner, expires_at, since FROM locks WHERE name = ?'),
      lockUpsert: db.prepare(
        `INSERT INTO locks (name, owner, expires_at, since) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
           since = CASE WHEN locks.owner = excluded.owner THEN locks.since ELSE excluded.since END`,
      ),
      lockRenew: db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?'),
      lockRelease: db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?'),
      saveRun: db.prepare('INSERT INTO runs (id, trigger, started_at, ended_at, summary) VALUES (?, ?, ?, ?, ?)'),
      listRuns: db.prepare<[number], { id: string; trigger: string; started_at: string; ended_at: string; summary: string }>(
        'SELECT * FROM runs ORDER BY started_at DESC LIMIT ?',
      ),
    };
  }

  #migrate(): void {
    // One IMMEDIATE transaction, version read inside it: two processes opening a new file at once
    // take turns (busy_timeout) instead of both creating the tables.
    this.#db
      .transaction(() => {
        const version = this.#db.pragma('user_version', { simple: true }) as number;
        for (let i = version; i < MIGRATIONS.length; i++) {
          this.#db.exec(MIGRATIONS[i] as string);
          this.#db.pragma(`user_version = ${i + 1}`);
        }
      })
      .immediate();
  }

  async getCursor(sourceId: string): Promise<string | null> {
    return this.#stmt.getCursor.get(sourceId)?.value ?? null;
  }

  async capture(input: CaptureInput): Promise<CaptureOutcome> {
    const now = new Date().toISOString();
    const s = this.#stmt;
    return this.#db.transaction((): CaptureOutcome => {
      if (input.fence !== undefined && s.lockRow.get(RUN_LOCK)?.owner !== input.fence) throw new RunLockLostError({ owner: input.fence });
      const enqueued: EntityRef[] = [];
      const unchanged: EntityRef[] = [];
      // Most of the time nothing is parked: skip a statement per record then.
      const parked = s.anyParked.get()?.n === 1;
      for (const record of input.records) {
        const ref = { entity: record.entity, key: record.key };
        if (parked) s.unparkOne.run(record.entity, record.key);
        const queued = s.queuedForKey.get(record.entity, record.key);
        const latest = {
          queuedHash: queued?.hash,
          queuedInFlight: queued?.state === 'inflight',
          deliveredHash: queued ? undefined : s.deliveredHash.get(record.entity, record.key)?.hash,
        };
        if (isUnchanged(record.hash, latest, input.force)) {
          unchanged.push(ref);
          continue;
        }
        const payload = JSON.stringify(record.payload);
        // Only the latest state matters to an upsert: an older version still waiting is replaced.
        if (queued && queued.state !== 'inflight') s.replaceWaiting.run(record.hash, payload, now, queued.seq);
        else s.enqueue.run(record.entity, record.key, record.hash, payload, now, now);
        enqueued.push(ref);
      }
      for (const bad of input.invalid) s.park.run(bad.entity, bad.key, bad.code, bad.message, 1, now, now, null, null);
      if (input.cursor !== undefined) s.setCursor.run(input.sourceId, input.cursor, now);
      return { enqueued, unchanged };
    })();
  }

  async recoverInFlight(): Promise<number> {
    return this.#stmt.recover.run().changes;
  }

  async claim(request: ClaimRequest): Promise<OutboxItem[]> {
    const { limit, runId, leaseMs, owner, now } = request;
    const iso = new Date(now).toISOString();
    const token = randomUUID();
    const items = this.#db.transaction(() => {
      const expired = this.#stmt.claimableExpired.all(now, limit);
      const rows = expired.length < limit ? [...expired, ...this.#stmt.claimablePending.all(runId, limit - expired.length)] : expired;
      rows.sort(byClaimOrder);
      if (rows.length > 0) this.#stmt.markInFlight.run(runId, now + leaseMs, token, owner, iso, JSON.stringify(rows.map((row) => row.seq)));
      return rows.map((row) => ({
        seq: row.seq,
        entity: row.entity,
        key: row.key,
        hash: row.hash,
        payload: JSON.parse(row.payload) as unknown,
        attempts: row.attempts,
        token,
      }));
    })();
    if (items.length > 0) this.#use.claimed(runId);
    return items;
  }

  async renewClaims(runId: string, leaseMs: number, now: number): Promise<number> {
    return this.#stmt.renewClaims.run(now + leaseMs, runId).changes;
  }

  async releaseClaims(runId: string): Promise<number> {
    this.#use.released(runId);
    return this.#stmt.releaseClaims.run(runId).changes;
  }

  async claimOwners(): Promise<string[]> {
    return this.#stmt.claimOwners.all().map((r) => r.claimed_by);
  }

  async releaseOwner(owner: string): Promise<number> {
    return this.#stmt.releaseOwner.run(owner).changes;
  }

  async completeMany(done: ReadonlyArray<readonly [OutboxItem, DeliveryReceipt]>): Promise<OutboxItem[]> {
    if (done.length === 0) return [];
    const now = new Date().toISOString();
    return this.#db.transaction(() => {
      this.#stmt.deliveredMany.run(now, JSON.stringify(done.map(([item, receipt]) => [item.seq, item.token, receipt.crmId])));
      const removed = new Set(this.#stmt.removeManyClaimed.all(JSON.stringify(done.map(([item]) => [item.seq, item.token]))).map((r) => r.seq));
      const accepted = done.filter(([item]) => removed.has(item.seq));
      const parked = this.#stmt.anyParked.get()?.n === 1;
      const held = this.#stmt.anyHeld.get()?.n === 1;
      if (parked || held)
        for (const [item] of accepted) {
          if (parked) this.#stmt.unparkOne.run(item.entity, item.key);
          if (held) this.#stmt.wakeWaiters.run(now, item.entity, item.key);
        }
      return done.filter(([item]) => !removed.has(item.seq)).map(([item]) => item);
    })();
  }

  async park(item: OutboxItem, failure: FailureInfo): Promise<boolean> {
    const now = new Date().toISOString();
    return this.#db.transaction(() => {
      if (this.#stmt.removeClaimed.run(item.seq, item.token).changes === 0) return false;
      this.#stmt.park.run(item.entity, item.key, failure.code, failure.message, item.attempts + 1, now, now, JSON.stringify(item.payload), item.hash);
      return true;
    })();
  }

  async retryLater(item: OutboxItem, failure: FailureInfo): Promise<boolean> {
    return this.#stmt.retryLater.run(failure.code, failure.message, new Date().toISOString(), item.seq, item.token).changes === 1;
  }

  async hold(item: OutboxItem, waitingFor: EntityRef, failure: FailureInfo, now: number): Promise<boolean> {
    const iso = new Date().toISOString();
    return this.#stmt.hold.run(waitingFor.entity, waitingFor.key, now, failure.code, failure.message, iso, item.seq, item.token).changes === 1;
  }

  async strandedHolds(limit: number): Promise<StrandedHold[]> {
    return this.#stmt.stranded.all(limit).map((r) => ({
      seq: r.seq,
      entity: r.entity,
      key: r.key,
      waitingFor: { entity: r.waiting_entity, key: r.waiting_key },
      heldAt: r.held_at ?? 0,
      tries: r.hold_tries,
      dependency: r.delivered === 1 ? 'delivered' : r.parked_code !== null ? 'parked' : 'absent',
      ...(r.parked_code !== null ? { dependencyCode: r.parked_code as ErrorCode } : {}),
    }));
  }

  async settleHolds(settlement: HoldSettlement): Promise<void> {
    const now = new Date().toISOString();
    const s = this.#stmt;
    this.#db.transaction(() => {
      if (settlement.wake.length > 0) s.wakeHeld.run(now, JSON.stringify(settlement.wake));
      if (settlement.tried.length > 0) s.triedHeld.run(JSON.stringify(settlement.tried));
      for (const { seq, failure } of settlement.park) {
        s.parkHeld.run(failure.code, failure.message, now, now, seq);
        s.removeHeld.run(seq);
      }
    })();
  }

  async queueState(ref: EntityRef): Promise<'queued' | 'held' | 'none'> {
    const state = this.#stmt.queueState.get(ref.entity, ref.key)?.state;
    return state === undefined ? 'none' : state === 'held' ? 'held' : 'queued';
  }

  async integrationId(ref: EntityRef): Promise<string | undefined> {
    return this.#stmt.crmId.get(ref.entity, ref.key)?.crm_id;
  }

  async lastDelivered(refs: readonly EntityRef[]): Promise<DeliveredRecord[]> {
    if (refs.length === 0) return [];
    return this.#stmt.lastDelivered.all(JSON.stringify(refs.map((r) => [r.entity, r.key]))).map((r) => ({
      entity: r.entity,
      key: r.key,
      hash: r.hash,
      crmId: r.crm_id,
      deliveredAt: r.delivered_at,
      ...(r.payload === null ? {} : { payload: JSON.parse(r.payload) as unknown }),
    }));
  }

  async deliveredKeys(entity: EntityName, after: string | null, limit: number): Promise<string[]> {
    return this.#stmt.deliveredKeys.all(entity, after ?? '', Math.max(1, Math.min(limit, MAX_KEYS_PAGE)));
  }

  async counts(): Promise<QueueCounts> {
    const byState = Object.fromEntries(this.#stmt.counts.all().map((r) => [r.state, r.n]));
    return { pending: byState.pending ?? 0, inflight: byState.inflight ?? 0, held: byState.held ?? 0, parked: this.#stmt.parkedCount.get()?.n ?? 0 };
  }

  async listParked(filter: ParkedFilter = {}): Promise<ParkedRecord[]> {
    return this.#stmt.listParked.all({ entity: filter.entity ?? null, key: filter.key ?? null, code: filter.code ?? null }).map(fromRow);
  }

  async unpark(filter: ParkedFilter = {}): Promise<ParkedRecord[]> {
    return this.#db.transaction(() => {
      const rows = this.#stmt.listParked.all({ entity: filter.entity ?? null, key: filter.key ?? null, code: filter.code ?? null });
      for (const row of rows) this.#stmt.deleteParked.run(row.entity, row.key);
      return rows.map(fromRow);
    })();
  }

  async acquireRunLock(owner: string, ttlMs: number, takeOver?: (holder: string) => boolean): Promise<boolean> {
    const now = Date.now();
    // BEGIN IMMEDIATE: two processes cannot both read "free" and both take it.
    const taken = this.#db
      .transaction(() => {
        const row = this.#stmt.lockRow.get(RUN_LOCK);
        if (row && row.owner !== owner && row.expires_at > now && !takeOver?.(row.owner)) return false;
        this.#stmt.lockUpsert.run(RUN_LOCK, owner, now + ttlMs, now);
        return true;
      })
      .immediate();
    if (taken) this.#use.locked(owner);
    return taken;
  }

  async renewRunLock(owner: string, ttlMs: number): Promise<boolean> {
    return this.#stmt.lockRenew.run(Date.now() + ttlMs, RUN_LOCK, owner).changes === 1;
  }

  async releaseRunLock(owner: string): Promise<void> {
    this.#use.unlocked(owner);
    this.#stmt.lockRelease.run(RUN_LOCK, owner);
  }

  async runLockHolder(): Promise<RunLockHolder | undefined> {
    const row = this.#stmt.lockRow.get(RUN_LOCK);
    if (!row) return undefined;
    return { owner: row.owner, expiresAt: new Date(row.expires_at).toISOString(), ...(row.since === null ? {} : { since: new Date(row.since).toISOString() }) };
  }

  async saveRun(run: RunRecord): Promise<void> {
    this.#stmt.saveRun.run(run.id, run.trigger, run.startedAt, run.endedAt, JSON.stringify(run.summary));
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return this.#stmt.listRuns
      .all(limit)
      .map((r) => ({ id: r.id, trigger: r.trigger, startedAt: r.started_at, endedAt: r.ended_at, summary: JSON.parse(r.summary) as LoggedRunSummary }));
  }

  async close(): Promise<void> {
    this.#use.assertIdle();
    if (this.#db.open) this.#db.close();
  }
}

function fromRow(r: ParkedRow): ParkedRecord {
  return toParked({
    entity: r.entity,
    key: r.key,
    code: r.code,
    reason: r.reason,
    attempts: r.attempts,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown),
    hash: r.hash,
    waitingEntity: r.waiting_entity,
    waitingKey: r.waiting_key,
  });
}
