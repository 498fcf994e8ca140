import Database from 'better-sqlite3';
import type { EntityName, EntityRef } from '../domain/records.js';
import type { CaptureInput, CaptureOutcome, DeliveryReceipt, FailureInfo, OutboxItem, ParkedRecord, RunRecord, SyncStore } from '../ports.js';

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
  `ALTER TABLE outbox ADD COLUMN run_id TEXT;`,
];

/** Dependency order: a spouse before its client, a client before its contract, a contract before its occurrences. */
const ENTITY_RANK = "CASE o.entity WHEN 'spouse' THEN 0 WHEN 'client' THEN 1 WHEN 'contract' THEN 2 ELSE 3 END";

interface OutboxRow {
  seq: number;
  entity: EntityName;
  key: string;
  hash: string;
  payload: string;
  state: 'pending' | 'inflight';
  attempts: number;
}

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
}

/** The embedded default store: one SQLite file (WAL), no server to run. */
export class SqliteStore implements SyncStore {
  readonly #db: Database.Database;
  readonly #stmt;

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    const db = this.#db;
    this.#stmt = {
      getCursor: db.prepare<[string], { value: string }>('SELECT value FROM cursors WHERE source = ?'),
      setCursor: db.prepare(
        'INSERT INTO cursors (source, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      deliveredHash: db.prepare<[string, string], { hash: string; crm_id: string }>('SELECT hash, crm_id FROM delivered WHERE entity = ? AND key = ?'),
      queuedForKey: db.prepare<[string, string], OutboxRow>('SELECT * FROM outbox WHERE entity = ? AND key = ? ORDER BY seq DESC LIMIT 1'),
      enqueue: db.prepare("INSERT INTO outbox (entity, key, hash, payload, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)"),
      replacePending: db.prepare("UPDATE outbox SET hash = ?, payload = ?, updated_at = ? WHERE seq = ? AND state = 'pending'"),
      unpark: db.prepare('DELETE FROM parked WHERE entity = ? AND key = ?'),
      park: db.prepare(
        `INSERT INTO parked (entity, key, code, reason, attempts, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, key) DO UPDATE SET code = excluded.code, reason = excluded.reason,
           attempts = parked.attempts + excluded.attempts, last_seen = excluded.last_seen`,
      ),
      recover: db.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'inflight'"),
      pendingCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"),
      claimable: db.prepare<[string, number], OutboxRow>(
        `SELECT * FROM outbox o WHERE o.state = 'pending' AND (o.run_id IS NULL OR o.run_id <> ?)
           AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.entity = o.entity AND e.key = o.key AND e.seq < o.seq)
         ORDER BY ${ENTITY_RANK}, o.seq LIMIT ?`,
      ),
      markInFlight: db.prepare("UPDATE outbox SET state = 'inflight', run_id = ?, updated_at = ? WHERE seq = ?"),
      remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      delivered: db.prepare(
        `INSERT INTO delivered (entity, key, hash, crm_id, delivered_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (entity, key) DO UPDATE SET hash = excluded.hash, crm_id = excluded.crm_id, delivered_at = excluded.delivered_at`,
      ),
      release: db.prepare(
        "UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error_code = ?, last_error = ?, updated_at = ? WHERE seq = ? AND state = 'inflight'",
      ),
      crmId: db.prepare<[string, string], { crm_id: string }>('SELECT crm_id FROM delivered WHERE entity = ? AND key = ?'),
      listParked: db.prepare<[], { entity: EntityName; key: string; code: string; reason: string; attempts: number; first_seen: string; last_seen: string }>(
        'SELECT * FROM parked ORDER BY last_seen DESC',
      ),
      saveRun: db.prepare('INSERT INTO runs (id, trigger, started_at, ended_at, summary) VALUES (?, ?, ?, ?, ?)'),
    };
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[i] as string);
        this.#db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  async getCursor(sourceId: string): Promise<string | null> {
    return this.#stmt.getCursor.get(sourceId)?.value ?? null;
  }

  async capture(input: CaptureInput): Promise<CaptureOutcome> {
    const now = new Date().toISOString();
    const s = this.#stmt;
    return this.#db.transaction((): CaptureOutcome => {
      const enqueued: EntityRef[] = [];
      const unchanged: EntityRef[] = [];
      for (const record of input.records) {
        const ref = { entity: record.entity, key: record.key };
        s.unpark.run(record.entity, record.key);
        const queued = s.queuedForKey.get(record.entity, record.key);
        const latestKnownHash = queued?.hash ?? s.deliveredHash.get(record.entity, record.key)?.hash;
        if (latestKnownHash === record.hash) {
          unchanged.push(ref);
          continue;
        }
        const payload = JSON.stringify(record.payload);
        // Only the latest state matters to an upsert: a still-pending older version is replaced.
        if (queued?.state === 'pending') s.replacePending.run(record.hash, payload, now, queued.seq);
        else s.enqueue.run(record.entity, record.key, record.hash, payload, now, now);
        enqueued.push(ref);
      }
      for (const bad of input.invalid) s.park.run(bad.entity, bad.key, bad.code, bad.message, 1, now, now);
      s.setCursor.run(input.sourceId, input.cursor, now);
      return { enqueued, unchanged };
    })();
  }

  async recoverInFlight(): Promise<number> {
    return this.#stmt.recover.run().changes;
  }

  async pendingCount(): Promise<number> {
    return this.#stmt.pendingCount.get()?.n ?? 0;
  }

  async claim(limit: number, runId: string): Promise<OutboxItem[]> {
    const now = new Date().toISOString();
    return this.#db.transaction(() =>
      this.#stmt.claimable.all(runId, limit).map((row) => {
        this.#stmt.markInFlight.run(runId, now, row.seq);
        return { seq: row.seq, entity: row.entity, key: row.key, hash: row.hash, payload: JSON.parse(row.payload) as unknown, attempts: row.attempts };
      }),
    )();
  }

  async complete(item: OutboxItem, receipt: DeliveryReceipt): Promise<void> {
    const now = new Date().toISOString();
    this.#db.transaction(() => {
      this.#stmt.remove.run(item.seq);
      this.#stmt.delivered.run(item.entity, item.key, item.hash, receipt.crmId, now);
      this.#stmt.unpark.run(item.entity, item.key);
    })();
  }

  async park(item: OutboxItem, failure: FailureInfo): Promise<void> {
    const now = new Date().toISOString();
    this.#db.transaction(() => {
      this.#stmt.remove.run(item.seq);
      this.#stmt.park.run(item.entity, item.key, failure.code, failure.message, item.attempts + 1, now, now);
    })();
  }

  async release(item: OutboxItem, failure: FailureInfo): Promise<void> {
    this.#stmt.release.run(failure.code, failure.message, new Date().toISOString(), item.seq);
  }

  async integrationId(ref: EntityRef): Promise<string | undefined> {
    return this.#stmt.crmId.get(ref.entity, ref.key)?.crm_id;
  }

  async listParked(): Promise<ParkedRecord[]> {
    return this.#stmt.listParked.all().map((r) => ({
      entity: r.entity,
      key: r.key,
      code: r.code as ParkedRecord['code'],
      message: r.reason,
      attempts: r.attempts,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  }

  async saveRun(run: RunRecord): Promise<void> {
    this.#stmt.saveRun.run(run.id, run.trigger, run.startedAt, run.endedAt, JSON.stringify(run.summary));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
