/**
 * The concurrency limit and the circuit breaker wired into delivery: what reaches the CRM while it is
 * down, how a run resumes, and what the run summary says. The sink counts calls; wide time bounds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runPool } from '../src/engine/pool.js';
import { formatSummary, SyncEngine, type SyncEngineOptions, TransportError } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

const fix = { en: 'fix', pt: 'corrija' };
const refused = () => new TransportError('upsert failed to reach the CRM: ECONNREFUSED.', { code: 'CONNECTION_FAILED', fix });
const timedOut = () => new TransportError('upsert got no answer within the timeout.', { code: 'TIMEOUT', timedOut: true, fix });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let store: SqliteStore;
afterEach(async () => store?.close());

/** A sink whose calls take `ms` and that counts how many are in flight at once and how many arrive while `down`. */
class ModelSink extends RecordingSink {
  inflight = 0;
  peak = 0;
  down = false;
  callsWhileDown: number[] = [];
  failure: () => Error = refused;
  constructor(readonly ms = 2) {
    super();
  }
  override async deliver(r: Parameters<RecordingSink['deliver']>[0]) {
    this.inflight++;
    this.peak = Math.max(this.peak, this.inflight);
    try {
      await sleep(this.ms);
      if (this.down) {
        this.callsWhileDown.push(performance.now());
        throw this.failure();
      }
      return await super.deliver(r);
    } finally {
      this.inflight--;
    }
  }
}

function setup(records: number, options: Partial<SyncEngineOptions> = {}) {
  store = new SqliteStore({ path: ':memory:' });
  const source = new ListSource();
  for (let i = 0; i < records; i++) source.push(record(`k${i}`));
  const sink = new ModelSink();
  const engine = new SyncEngine({ source, sink, store, retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 }, ...options });
  return { source, sink, engine };
}

describe('concurrency in delivery', () => {
  it('is adaptive by default, never beyond its max; the summary gives the final limit', async () => {
    const { sink, engine } = setup(300, { concurrency: { initial: 4, max: 6 } });
    const summary = await engine.run();
    expect(summary.totals.sent).toBe(300);
    expect(summary.concurrency.mode).toBe('adaptive');
    expect(summary.concurrency.limit).toBeLessThanOrEqual(6);
    expect(sink.peak).toBeLessThanOrEqual(6);
    expect(sink.peak).toBeGreaterThan(1);
    expect(formatSummary(summary)).toMatch(/CRM calls in flight: \d \(adaptive\)/);
    const { summary: defaults } = await (async () => {
      const s = setup(1);
      return { summary: await s.engine.run() };
    })();
    expect(defaults.concurrency).toEqual({ mode: 'adaptive', limit: 8 });
  });

  it('a number fixes it (as before): at most that many calls in flight', async () => {
    const { sink, engine } = setup(100, { concurrency: 3 });
    const summary = await engine.run();
    expect(summary.totals.sent).toBe(100);
    expect(sink.peak).toBe(3);
    expect(summary.concurrency).toEqual({ mode: 'fixed', limit: 3 });
  });

  it('timeouts shrink the adaptive limit (a drop signal)', async () => {
    const { sink, engine } = setup(200, { concurrency: { initial: 40, min: 2, max: 64 }, breaker: { failures: 1_000 } });
    let calls = 0;
    sink.behaviour = () => {
      if (++calls % 3 === 0) throw timedOut();
    };
    const summary = await engine.run();
    expect(summary.concurrency.limit).toBeLessThan(40);
  });

  it('rejects bounds that do not hold, and unknown breaker options', () => {
    store = new SqliteStore({ path: ':memory:' });
    const base = { source: new ListSource(), sink: new RecordingSink(), store };
    expect(() => new SyncEngine({ ...base, concurrency: { min: 10, max: 5 } })).toThrow(/min ≤ initial ≤ max/);
    expect(() => new SyncEngine({ ...base, concurrency: 0 })).toThrow(/Invalid SyncEngine options/);
    expect(() => new SyncEngine({ ...base, breaker: { initialBackoffMs: 5_000, maxBackoffMs: 1_000 } })).toThrow(/initialBackoffMs ≤ maxBackoffMs/);
    expect(() => new SyncEngine({ ...base, breaker: { tries: 3 } as never })).toThrow(/Invalid SyncEngine options/);
  });
});

describe('circuit breaker in delivery', () => {
  it('the CRM down for 1.5 s: calls stop (one probe per backoff), resume by themselves; every record lands once', async () => {
    const { sink, engine } = setup(400, { concurrency: 8, breaker: { failures: 3, initialBackoffMs: 200, maxBackoffMs: 300 } });
    let sent = 0;
    sink.behaviour = () => {
      sent++;
      if (sent === 100) {
        sink.down = true;
        setTimeout(() => {
          sink.down = false;
        }, 1_500);
      }
    };
    const first = await engine.run();
    // Before the breaker opens: the calls in flight and the failures that open it (a few per worker); after: about one per 200–375 ms.
    expect(sink.callsWhileDown.length).toBeLessThanOrEqual(8 + 3 + 1_500 / 200 + 8);
    const opened = sink.callsWhileDown.findIndex((at, i) => i > 0 && at - (sink.callsWhileDown[i - 1] as number) >= 150);
    const probes = sink.callsWhileDown.slice(Math.max(0, opened - 1));
    for (let i = 1; i < probes.length; i++) expect((probes[i] as number) - (probes[i - 1] as number)).toBeGreaterThanOrEqual(190);
    expect(first.breaker.openedTimes).toBeGreaterThanOrEqual(1);
    expect(first.breaker.waitedMs).toBeGreaterThan(500);
    expect(first.breaker.probes).toBeGreaterThanOrEqual(1);
    expect(formatSummary(first)).toMatch(/the CRM was unavailable \d+ time\(s\): calls waited \d+\.\d s in all, \d+ probe call\(s\)/);
    // Records whose retries ran out while it was down stay queued (retrying), none lost: the next run sends them.
    expect(first.totals.sent + first.totals.retrying).toBe(400);
    const second = await engine.run();
    expect(first.totals.sent + second.totals.sent).toBe(400);
    expect(new Set(sink.delivered.map((r) => r.key)).size).toBe(400);
    expect(sink.delivered).toHaveLength(400);
    expect(second.breaker).toEqual({ openedTimes: 0, waitedMs: 0, probes: 0 });
  });

  it('a CRM that stays down: the run stops after maxWaitMs with the transport error; the records stay queued', async () => {
    const { sink, engine } = setup(50, { concurrency: 4, breaker: { failures: 2, initialBackoffMs: 50, maxBackoffMs: 100, maxWaitMs: 600 } });
    sink.down = true;
    const summary = await engine.run();
    expect(summary.outcome).toBe('stopped');
    expect(summary.stoppedBy?.code).toBe('CONNECTION_FAILED');
    expect(summary.totals.sent).toBe(0);
    expect(summary.totals.retrying + summary.queue.pending).toBeGreaterThanOrEqual(50);
    expect(summary.queue.pending).toBe(50);
    // About 600 ms of probes every 50–125 ms, after the first failures: not hundreds.
    expect(sink.callsWhileDown.length).toBeLessThanOrEqual(40);
    sink.down = false;
    expect((await engine.run()).totals.sent).toBe(50);
    expect(new Set(sink.delivered.map((r) => r.key)).size).toBe(50);
  });

  it('stop() while waiting for the CRM ends the run at once, nothing lost', async () => {
    const { sink, engine } = setup(30, { concurrency: 4, breaker: { failures: 1, initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
    sink.down = true;
    const running = engine.run();
    await sleep(200);
    const t = performance.now();
    await engine.stop();
    const summary = await running;
    expect(performance.now() - t).toBeLessThan(2_000);
    expect(summary.stoppedBy?.code).toBe('RUN_ABORTED');
    expect(summary.queue.pending).toBe(30);
    // The first call found it down and opened the breaker: nothing else reached the CRM.
    expect(sink.callsWhileDown).toHaveLength(1);
    expect(summary.breaker).toMatchObject({ openedTimes: 1, probes: 0 });
  });
});

describe('the delivery pool', () => {
  it('reads the limit as it changes, refills before it drains, and lets every item through once', async () => {
    let limit = 2;
    let inflight = 0;
    let peak = 0;
    const seen: number[] = [];
    const lowBetweenBatches: number[] = [];
    const batches = [
      [10, 11, 12, 13],
      [20, 21, 22, 23],
      [30, 31],
    ];
    await runPool(
      [1, 2, 3, 4, 5, 6],
      () => limit,
      async (item) => {
        inflight++;
        peak = Math.max(peak, inflight);
        seen.push(item);
        if (item === 3) limit = 5;
        await sleep(5);
        inflight--;
      },
      () => false,
      async () => {
        lowBetweenBatches.push(inflight);
        return batches.shift() ?? [];
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31]);
    expect(peak).toBe(5);
    // Asked for more while calls were still in flight (the pool never drained between batches), and once more at the end.
    expect(lowBetweenBatches.slice(0, 3).every((n) => n > 0)).toBe(true);
    expect(lowBetweenBatches).toHaveLength(4);
  });
});
