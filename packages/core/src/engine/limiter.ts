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
 * (AIMD), bounded by min/max. `rttNoLoad` is the lowest latency of the last two windows of samples
 * (a windowed minimum, as BBR keeps its min RTT), so a CRM that became slower for good (a longer
 * network path) is re-measured instead of shrinking the limit forever.
 */

export interface ConcurrencyLimit {
  /** Calls allowed in flight now. */
  readonly limit: number;
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
  /** Window of the no-load latency, in samples: `probeEvery × limit`. */
  readonly probeEvery?: number;
}

export const ADAPTIVE_DEFAULTS = { initial: 8, min: 2, max: 64, smoothing: 1, backoff: 0.7, probeEvery: 30 } as const;

export function fixedLimit(limit: number): ConcurrencyLimit {
  return { limit, onSample: () => undefined };
}

const log10 = (n: number) => Math.max(1, Math.log10(n));

export class AdaptiveLimit implements ConcurrencyLimit {
  readonly #min: number;
  readonly #max: number;
  readonly #smoothing: number;
  readonly #backoff: number;
  readonly #probeEvery: number;
  #estimate: number;
  #windowMin = Number.POSITIVE_INFINITY;
  #previousWindowMin = Number.POSITIVE_INFINITY;
  #samplesInWindow = 0;
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
    return Math.max(this.#min, Math.min(this.#max, Math.floor(this.#estimate)));
  }

  /** The latency floor the limit is judged against (for reports). */
  get rttNoLoadMs(): number {
    return Math.min(this.#windowMin, this.#previousWindowMin);
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
    if (latencyMs < this.#windowMin) this.#windowMin = latencyMs;
    if (++this.#samplesInWindow >= this.#probeEvery * current) {
      this.#samplesInWindow = 0;
      this.#previousWindowMin = this.#windowMin;
      this.#windowMin = Number.POSITIVE_INFINITY;
    }
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
