/**
 * How many CRM calls may be in flight. A real CRM is a PHP service with a fixed number of workers
 * behind a queue: below its capacity, latency stays at its floor; above it, calls wait in the queue
 * and latency grows, then they time out. The adaptive limit follows TCP Vegas, as Netflix's
 * concurrency-limits `VegasLimit` does: it estimates how many of our calls are queued at the CRM,
 *
 *   queued ≈ limit × (1 − rttNoLoad / rtt)
 *
 * (rtt: the median latency of a round of `limit` answers, robust to a pause of this process),
 * grows while that is small, shrinks when it is large, and backs off multiplicatively on a timeout
 * (AIMD), bounded by min/max. `rttNoLoad` is the lowest latency seen. It never creeps up with a queue
 * that does not drain (a minimum over recent samples would: the limit would then grow with the queue,
 * as it did to 39 in the halved model over two minutes): when a window of samples (`probeEvery`
 * rounds) saw nothing near the floor, the limit is halved for one round so the CRM's queue drains,
 * and the lowest latency of that round becomes the floor — BBR's ProbeRTT. So a CRM that became
 * slower for good (a longer network path) is re-measured instead of shrinking the limit forever.
 */

export interface ConcurrencyLimit {
  /** Calls allowed in flight now. */
  readonly limit: number;
  /** The limit outside a probe round: where it settled (reports). */
  readonly settled: number;
  /** One finished call: its latency, whether it timed out (or was refused for overload), and how many were in flight when it started. */
  onSample(sample: { readonly latencyMs: number; readonly dropped: boolean; readonly inflight: number }): void;
}

export interface AdaptiveLimitOptions {
  readonly initial?: number;
  readonly min?: number;
  readonly max?: number;
  /** Share of the new estimate taken at each sample (1: no smoothing). */
  readonly smoothing?: number;
  /** Factor applied on a timeout. */
  readonly backoff?: number;
  /** Rounds of samples after which a floor not seen again is re-measured (a probe round at half the limit). */
  readonly probeEvery?: number;
}

/** A window's lowest latency within this share above the floor confirms the floor (service-time jitter). */
const FLOOR_TOLERANCE = 0.05;

export const ADAPTIVE_DEFAULTS = { initial: 8, min: 2, max: 64, smoothing: 1, backoff: 0.7, probeEvery: 30 } as const;

export function fixedLimit(limit: number): ConcurrencyLimit {
  return { limit, settled: limit, onSample: () => undefined };
}

const log10 = (n: number) => Math.max(1, Math.log10(n));

export class AdaptiveLimit implements ConcurrencyLimit {
  readonly #min: number;
  readonly #max: number;
  readonly #smoothing: number;
  readonly #backoff: number;
  readonly #probeEvery: number;
  #estimate: number;
  #floor = Number.POSITIVE_INFINITY;
  #windowMin = Number.POSITIVE_INFINITY;
  #samplesInWindow = 0;
  /** While re-measuring the floor: the limit of the probe round, the answers it still needs, their lowest latency. */
  #probe: { limit: number; answers: number; min: number } | undefined;
  #roundAnswers = 0;
  #roundLatencies: number[] = [];
  #droppedThisRound = false;

  constructor(options: AdaptiveLimitOptions = {}) {
    const o = { ...ADAPTIVE_DEFAULTS, ...options };
    if (!(o.min >= 1 && o.max >= o.min && o.initial >= o.min && o.initial <= o.max)) {
      throw new RangeError(`adaptive concurrency needs 1 ≤ min ≤ initial ≤ max (got min ${o.min}, initial ${o.initial}, max ${o.max})`);
    }
    this.#min = o.min;
    this.#max = o.max;
    this.#smoothing = o.smoothing;
    this.#backoff = o.backoff;
    this.#probeEvery = o.probeEvery;
    this.#estimate = o.initial;
  }

  get limit(): number {
    // A timeout during a probe round backs the limit off below the probe's half: the lower one holds.
    return Math.min(this.#probe?.limit ?? Number.POSITIVE_INFINITY, this.settled);
  }

  get settled(): number {
    return this.#bounded(this.#estimate);
  }

  /** The latency floor the limit is judged against (for reports). */
  get rttNoLoadMs(): number {
    return this.#floor;
  }

  #bounded(value: number): number {
    return Math.max(this.#min, Math.min(this.#max, Math.floor(value)));
  }

  onSample({ latencyMs, dropped, inflight }: { readonly latencyMs: number; readonly dropped: boolean; readonly inflight: number }): void {
    const current = this.#estimate;
    if (dropped) {
      // One backoff per round: the calls of one round time out together.
      if (!this.#droppedThisRound) this.#set(current * this.#backoff);
      this.#droppedThisRound = true;
      if (this.#endRoundAfter(current)) this.#newRound();
      return;
    }
    if (!(latencyMs > 0)) return;
    if (this.#measureFloor(latencyMs, inflight, current)) return;
    // A sample from a call that started with few calls in flight says nothing about a larger limit.
    if (inflight * 2 < current) return;
    this.#roundLatencies.push(latencyMs);
    if (!this.#endRoundAfter(current)) return;
    // Once per round (about one round trip: `limit` answers), as TCP Vegas adjusts once per RTT; never up in a round with a timeout.
    // The round's median, not its mean: a queue at the CRM delays most calls of a round, while a pause of
    // this process (a capture batch, a busy machine) delays the few that complete during it.
    const median = this.#roundLatencies.sort((a, b) => a - b)[this.#roundLatencies.length >> 1];
    const hadDrop = this.#droppedThisRound;
    this.#newRound();
    if (hadDrop || median === undefined) return;
    const queued = current * (1 - this.rttNoLoadMs / median);
    const step = log10(current);
    let next = current;
    if (queued <= step) next = current + 3 * step;
    else if (queued < 2 * step) next = current + step;
    else if (queued > 4 * step) next = current - step;
    this.#set(current * (1 - this.#smoothing) + next * this.#smoothing);
  }

  /** Keeps the floor, starts or ends a probe round; true while probing (the sample is the probe's, not a round's). */
  #measureFloor(latencyMs: number, inflight: number, current: number): boolean {
    const probe = this.#probe;
    if (probe) {
      // Calls started at the probe's limit or below see the CRM's queue drained.
      if (inflight <= probe.limit) {
        probe.min = Math.min(probe.min, latencyMs);
        if (--probe.answers <= 0) {
          this.#floor = probe.min;
          this.#probe = undefined;
          this.#windowMin = Number.POSITIVE_INFINITY;
          this.#samplesInWindow = 0;
          this.#newRound();
        }
      }
      return true;
    }
    this.#windowMin = Math.min(this.#windowMin, latencyMs);
    this.#floor = Math.min(this.#floor, latencyMs);
    if (++this.#samplesInWindow < this.#probeEvery * current) return false;
    const confirmed = this.#windowMin <= this.#floor * (1 + FLOOR_TOLERANCE);
    this.#samplesInWindow = 0;
    this.#windowMin = Number.POSITIVE_INFINITY;
    if (!confirmed) {
      const limit = this.#bounded(current / 2);
      this.#probe = { limit, answers: limit, min: Number.POSITIVE_INFINITY };
    }
    return false;
  }

  #newRound(): void {
    this.#roundLatencies = [];
    this.#droppedThisRound = false;
  }

  /** Counts an answer into the round; true when the round is complete. */
  #endRoundAfter(current: number): boolean {
    if (++this.#roundAnswers < current) return false;
    this.#roundAnswers = 0;
    return true;
  }

  #set(value: number): void {
    this.#estimate = Math.max(this.#min, Math.min(this.#max, value));
  }
}
