/**
 * The adaptive limit and the circuit breaker on simulated series, not on the wall clock: a
 * discrete-event model of a CRM with N workers, a service time, a queue and a network round trip.
 */
import { describe, expect, it } from 'vitest';
import { type BreakerTimer, CircuitBreaker } from '../src/engine/breaker.js';
import { AdaptiveLimit, type ConcurrencyLimit, fixedLimit } from '../src/engine/limiter.js';
import { seededRandom } from '../src/random.js';

interface Model {
  workers: number;
  serviceMs: number;
  rttMs: number;
}

interface Result {
  throughput: number;
  timeouts: number;
  p99: number;
  limits: number[];
}

/**
 * Simulates `durationMs` of a client that keeps `limit.limit` calls in flight against the model.
 * `change(at)` may return a new model mid-run (capacity halved). Calls slower than `timeoutMs` are drops.
 */
function simulate(
  limit: ConcurrencyLimit,
  model: Model,
  durationMs: number,
  options: { timeoutMs?: number; change?: (at: number) => Model | undefined; from?: number } = {},
): Result {
  const random = seededRandom(7);
  const timeoutMs = options.timeoutMs ?? 1_000;
  let now = 0;
  let current = model;
  const events: Array<{ at: number; kind: 'arrive' | 'done' | 'back'; id: number }> = [];
  const push = (e: (typeof events)[number]) => {
    let i = events.length;
    events.push(e);
    while (i > 0 && (events[i - 1] as (typeof events)[number]).at > e.at) {
      events[i] = events[i - 1] as (typeof events)[number];
      i--;
    }
    events[i] = e;
  };
  const started = new Map<number, { at: number; inflight: number }>();
  const queue: number[] = [];
  let busy = 0;
  let inflight = 0;
  let nextId = 0;
  const latencies: number[] = [];
  let timeouts = 0;
  let done = 0;
  const limits: number[] = [];
  const from = options.from ?? 0;
  const service = () => current.serviceMs * (0.9 + random() * 0.2);
  const startCalls = () => {
    while (inflight < limit.limit) {
      const id = nextId++;
      inflight++;
      started.set(id, { at: now, inflight });
      push({ at: now + current.rttMs / 2, kind: 'arrive', id });
    }
  };
  const serve = () => {
    while (busy < current.workers && queue.length > 0) {
      const id = queue.shift() as number;
      busy++;
      push({ at: now + service(), kind: 'done', id });
    }
  };
  startCalls();
  let nextLimitSample = 0;
  while (events.length > 0 && now < durationMs) {
    const e = events.shift() as (typeof events)[number];
    now = e.at;
    const changed = options.change?.(now);
    if (changed) current = changed;
    if (e.kind === 'arrive') {
      queue.push(e.id);
      serve();
      continue;
    }
    if (e.kind === 'done') {
      busy--;
      serve();
      push({ at: now + current.rttMs / 2, kind: 'back', id: e.id });
      continue;
    }
    const call = started.get(e.id) as { at: number; inflight: number };
    started.delete(e.id);
    const latency = now - call.at;
    const dropped = latency > timeoutMs;
    inflight--;
    limit.onSample({ latencyMs: dropped ? timeoutMs : latency, dropped, inflight: call.inflight });
    if (now >= from) {
      if (dropped) timeouts++;
      else {
        done++;
        latencies.push(latency);
      }
    }
    if (now >= nextLimitSample) {
      limits.push(limit.limit);
      nextLimitSample += 100;
    }
    startCalls();
  }
  latencies.sort((a, b) => a - b);
  return { throughput: done / ((durationMs - from) / 1000), timeouts, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, limits };
}

const MODEL: Model = { workers: 8, serviceMs: 25, rttMs: 30 }; // capacity 320 calls/s
const capacity = (m: Model) => (m.workers * 1000) / m.serviceMs;

describe('adaptive concurrency limit (Vegas-style, AIMD on timeouts)', () => {
  it('grows while latency stays near its floor, and fills the model: ≥ 0.9 × capacity, no timeout, p99 ≤ 2 × (service + RTT)', () => {
    const limit = new AdaptiveLimit();
    const r = simulate(limit, MODEL, 60_000, { from: 10_000 });
    expect(r.limits[0]).toBe(8);
    expect(Math.max(...r.limits)).toBeGreaterThan(8);
    expect(r.throughput).toBeGreaterThanOrEqual(0.9 * capacity(MODEL));
    expect(r.timeouts).toBe(0);
    expect(r.p99).toBeLessThanOrEqual(2 * (MODEL.serviceMs + MODEL.rttMs));
  });

  it('a fixed 8 leaves capacity unused on the same model (what the adaptive limit is for)', () => {
    const r = simulate(fixedLimit(8), MODEL, 30_000, { from: 5_000 });
    expect(r.throughput).toBeLessThan(0.6 * capacity(MODEL));
  });

  it('a fixed 64 queues at the CRM: latency far above the floor', () => {
    const r = simulate(fixedLimit(64), MODEL, 30_000, { from: 5_000 });
    expect(r.p99).toBeGreaterThan(2 * (MODEL.serviceMs + MODEL.rttMs));
  });

  it('shrinks when latency rises: capacity halved mid-run, ≥ 0.85 × the new capacity within 10 s, no timeout', () => {
    const limit = new AdaptiveLimit();
    const halved = { ...MODEL, workers: 4 };
    let switched = false;
    const before = simulate(limit, MODEL, 30_000, { from: 10_000 });
    const grown = limit.limit;
    const after = simulate(limit, halved, 40_000, {
      from: 10_000,
      change: () => {
        if (switched) return undefined;
        switched = true;
        return halved;
      },
    });
    expect(before.throughput).toBeGreaterThan(0.9 * capacity(MODEL));
    expect(limit.limit).toBeLessThan(grown);
    expect(after.throughput).toBeGreaterThanOrEqual(0.85 * capacity(halved));
    expect(after.timeouts).toBe(0);
    expect(after.p99).toBeLessThanOrEqual(2 * (halved.serviceMs + halved.rttMs) * 1.5);
  });

  it('judges a round by its median: a pause that delays a few answers does not shrink it, a queue that delays most does', () => {
    const limit = new AdaptiveLimit({ initial: 10, max: 10 });
    const round = (latency: (i: number) => number) => {
      for (let i = 0; i < 10; i++) limit.onSample({ latencyMs: latency(i), dropped: false, inflight: 10 });
    };
    round(() => 50); // the floor
    expect(limit.limit).toBe(10);
    // Four of ten answers 150 ms late (this process paused): the mean (110 ms) would read 5.5 calls queued and shrink.
    round((i) => (i < 4 ? 200 : 50));
    expect(limit.limit).toBe(10);
    // Every answer late (a queue at the CRM): 10 × (1 − 50/120) ≈ 5.8 calls queued, above 4: one step down.
    round(() => 120);
    expect(limit.limit).toBe(9);
  });

  it('shrinks multiplicatively on timeouts, once per round (the calls of one round time out together)', () => {
    const limit = new AdaptiveLimit({ initial: 40 });
    limit.onSample({ latencyMs: 1000, dropped: true, inflight: 40 });
    expect(limit.limit).toBe(28);
    for (let i = 0; i < 20; i++) limit.onSample({ latencyMs: 1000, dropped: true, inflight: 40 });
    expect(limit.limit).toBe(28);
    // The round (28 answers at the new limit) ends; the next timeout backs off again.
    for (let i = 0; i < 7; i++) limit.onSample({ latencyMs: 1000, dropped: true, inflight: 28 });
    expect(limit.limit).toBe(28);
    limit.onSample({ latencyMs: 1000, dropped: true, inflight: 28 });
    expect(limit.limit).toBe(19);
  });

  it('a model whose calls time out (timeout below the queueing latency) ends with few timeouts and a smaller limit', () => {
    const limit = new AdaptiveLimit({ initial: 64 });
    const r = simulate(limit, MODEL, 30_000, { timeoutMs: 120, from: 10_000 });
    expect(limit.limit).toBeLessThan(40);
    expect(r.timeouts).toBe(0);
    expect(r.throughput).toBeGreaterThanOrEqual(0.9 * capacity(MODEL));
  });

  it('respects min and max, and ignores samples from a half-idle pool', () => {
    const limit = new AdaptiveLimit({ initial: 4, min: 3, max: 10 });
    for (let i = 0; i < 1000; i++) limit.onSample({ latencyMs: 50, dropped: false, inflight: limit.limit });
    expect(limit.limit).toBe(10);
    for (let i = 0; i < 100; i++) limit.onSample({ latencyMs: 50, dropped: true, inflight: 10 });
    expect(limit.limit).toBe(3);
    const idle = new AdaptiveLimit({ initial: 20 });
    for (let i = 0; i < 100; i++) idle.onSample({ latencyMs: 50, dropped: false, inflight: 2 });
    expect(idle.limit).toBe(20);
    expect(() => new AdaptiveLimit({ min: 10, max: 5 })).toThrow(RangeError);
  });

  it('keeps its latency floor under a queue that never drains: over two minutes the limit stays where the capacity needs it (no creep)', () => {
    // A floor taken as the minimum of recent samples rises with a standing queue, and the limit with it
    // (it reached 39 on the halved model, p99 246 ms); a probe round at half the limit re-measures it.
    const halved = { ...MODEL, workers: 4 };
    const limit = new AdaptiveLimit();
    simulate(limit, MODEL, 20_000);
    const r = simulate(limit, halved, 120_000, { from: 20_000 });
    const settled = r.limits.slice(200); // after the first 20 s
    // 160 calls/s × 55 ms = 8.8 calls in flight fill it; Vegas keeps a few more queued.
    expect(Math.max(...settled)).toBeLessThanOrEqual(16);
    expect(r.throughput).toBeGreaterThanOrEqual(0.9 * capacity(halved));
    expect(r.p99).toBeLessThanOrEqual(2 * (halved.serviceMs + halved.rttMs));
    expect(r.timeouts).toBe(0);
    const steady = new AdaptiveLimit();
    const full = simulate(steady, MODEL, 120_000, { from: 10_000 });
    expect(Math.max(...full.limits.slice(100))).toBeLessThanOrEqual(24);
    expect(full.throughput).toBeGreaterThanOrEqual(0.95 * capacity(MODEL));
    expect(full.p99).toBeLessThanOrEqual(2 * (MODEL.serviceMs + MODEL.rttMs));
  });

  it('probes only when a window of answers never came near the floor: one round at half the limit, whose lowest latency is the new floor', () => {
    const limit = new AdaptiveLimit({ initial: 20, max: 20, probeEvery: 2 });
    const answers = (n: number, latencyMs: number, inflight: number) => {
      for (let i = 0; i < n; i++) limit.onSample({ latencyMs, dropped: false, inflight });
    };
    answers(40, 50, 20); // a window (2 rounds of 20) at the floor: confirmed
    expect([limit.limit, limit.rttNoLoadMs]).toEqual([20, 50]);
    answers(40, 55, 20); // a window 10 % above it: a standing queue, or a slower CRM
    expect([limit.limit, limit.settled]).toEqual([10, 20]);
    answers(5, 60, 20); // calls started before the probe (queued behind the others) do not count
    expect(limit.limit).toBe(10);
    answers(10, 53, 10); // the probe round, the CRM's queue drained
    expect([limit.limit, limit.rttNoLoadMs]).toEqual([20, 53]);
  });

  it('a timeout during a probe round backs off below the probe: the lower limit holds', () => {
    const limit = new AdaptiveLimit({ initial: 20, max: 20, probeEvery: 2 });
    for (let i = 0; i < 40; i++) limit.onSample({ latencyMs: 50, dropped: false, inflight: 20 });
    for (let i = 0; i < 40; i++) limit.onSample({ latencyMs: 55, dropped: false, inflight: 20 });
    expect(limit.limit).toBe(10); // probing
    for (let round = 0; round < 3; round++) for (let i = 0; i < 20; i++) limit.onSample({ latencyMs: 1000, dropped: true, inflight: 10 });
    expect(limit.settled).toBeLessThan(10);
    expect(limit.limit).toBe(limit.settled);
  });

  it('re-measures its latency floor when the CRM gets slower for good (longer network path)', () => {
    const limit = new AdaptiveLimit();
    simulate(limit, MODEL, 20_000);
    const farther = { ...MODEL, rttMs: 120 };
    const r = simulate(limit, farther, 60_000, { from: 30_000 });
    expect(limit.rttNoLoadMs).toBeGreaterThan(120);
    expect(r.throughput).toBeGreaterThanOrEqual(0.85 * capacity(farther));
  });
});

/** A timer the test moves by hand. */
function manualTimer(): BreakerTimer & { advance(ms: number): Promise<void> } {
  let now = 0;
  let sleepers: Array<{ until: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise((wake) => sleepers.push({ until: now + ms, wake })),
    async advance(ms) {
      const end = now + ms;
      while (now < end) {
        now = Math.min(end, now + 50);
        const due = sleepers.filter((s) => s.until <= now);
        sleepers = sleepers.filter((s) => s.until > now);
        for (const s of due) s.wake();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe('circuit breaker', () => {
  it('opens after N unavailable answers, lets one probe through per backoff interval, doubles the backoff, closes on success', async () => {
    const timer = manualTimer();
    const breaker = new CircuitBreaker({ failures: 3, initialBackoffMs: 1_000, maxBackoffMs: 4_000, timer });
    for (let i = 0; i < 2; i++) breaker.onUnavailable();
    expect(breaker.state).toBe('closed');
    breaker.onUnavailable();
    expect(breaker.state).toBe('open');

    // Ten workers want to call while the CRM is down for 20 s: count what reaches it.
    let calls = 0;
    let crmUp = false;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        await breaker.acquire(() => stop);
        if (stop) return;
        calls++;
        if (crmUp) breaker.onSuccess();
        else breaker.onUnavailable();
        await timer.sleep(10);
      }
    };
    const workers = Array.from({ length: 10 }, worker);
    await timer.advance(20_000);
    // Backoffs 1 s (+0–25 %), 2 s, 4 s, 4 s …: at most one probe per interval while down.
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(calls).toBeLessThanOrEqual(8);
    expect(breaker.probes).toBe(calls);
    expect(breaker.openedTimes).toBe(1);
    crmUp = true;
    const before = calls;
    await timer.advance(6_000);
    expect(breaker.state).toBe('closed');
    expect(calls - before).toBeGreaterThan(100); // everyone resumed
    expect(breaker.waitedMs).toBeGreaterThanOrEqual(20_000);
    stop = true;
    await timer.advance(1_000);
    await Promise.all(workers);
  });

  it('an answer (even a refusal) in between keeps it closed', () => {
    const breaker = new CircuitBreaker({ failures: 3, timer: manualTimer() });
    breaker.onUnavailable();
    breaker.onUnavailable();
    breaker.onAnswered();
    breaker.onUnavailable();
    breaker.onUnavailable();
    expect(breaker.state).toBe('closed');
  });

  it('a stopping run is not kept waiting', async () => {
    const breaker = new CircuitBreaker({ failures: 1, initialBackoffMs: 60_000, timer: manualTimer() });
    breaker.onUnavailable();
    expect(await breaker.acquire(() => true)).toBe(false);
  });
});
