/**
 * A circuit breaker in front of the CRM: when it is down (refused, reset, timing out, 5xx), calls
 * stop instead of hammering it. After `failures` unavailable answers in a row it opens; while open,
 * nobody calls; after the backoff, exactly one call goes through as a probe; its success closes the
 * breaker and every waiting call resumes at once, its failure doubles the backoff (up to the max).
 * The time spent waiting is reported in the run summary.
 */

export interface BreakerTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: BreakerTimer = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.()),
};

export interface BreakerOptions {
  /** Unavailable answers in a row that open the breaker. */
  readonly failures?: number;
  /** Wait before the first probe; doubled after each failed probe, up to `maxBackoffMs` (plus up to 25 % jitter). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly timer?: BreakerTimer;
}

/**
 * A CRM back from an outage is found within `maxBackoffMs` × 1.25 (≤ 1.9 s), at a cost of one probe
 * call per interval while it is down: nothing a CRM notices.
 */
export const BREAKER_DEFAULTS = { failures: 5, initialBackoffMs: 500, maxBackoffMs: 1_500 } as const;

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #initialBackoff: number;
  readonly #maxBackoff: number;
  readonly #timer: BreakerTimer;
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #backoff: number;
  #openUntil = 0;
  #openedAt = 0;
  #probing = false;
  #waiters: Array<() => void> = [];
  #waitedMs = 0;
  #probes = 0;
  #opened = 0;

  constructor(options: BreakerOptions = {}) {
    this.#threshold = options.failures ?? BREAKER_DEFAULTS.failures;
    this.#initialBackoff = options.initialBackoffMs ?? BREAKER_DEFAULTS.initialBackoffMs;
    this.#maxBackoff = options.maxBackoffMs ?? BREAKER_DEFAULTS.maxBackoffMs;
    this.#timer = options.timer ?? realTimer;
    this.#backoff = this.#initialBackoff;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Total time the breaker kept calls from the CRM (closed periods excluded). */
  get waitedMs(): number {
    return this.#waitedMs + (this.#state === 'closed' ? 0 : this.#timer.now() - this.#openedAt);
  }

  /** Times the breaker opened (the CRM was found down). */
  get openedTimes(): number {
    return this.#opened;
  }

  /** Calls let through while the breaker was not closed. */
  get probes(): number {
    return this.#probes;
  }

  /**
   * Resolves when this caller may call the CRM. While open, waits; the first caller after the backoff
   * is the probe (`true`); the others wait for its outcome. `isStopped` ends the wait early (a stopping run).
   */
  async acquire(isStopped: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      if (this.#state === 'closed') return false;
      if (isStopped()) return false;
      if (this.#state === 'open') {
        const wait = this.#openUntil - this.#timer.now();
        if (wait > 0) {
          await this.#timer.sleep(Math.min(wait, 250));
          continue;
        }
        this.#state = 'half-open';
      }
      if (!this.#probing) {
        this.#probing = true;
        this.#probes++;
        return true;
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        // Also wake now and then, so a stopping run is never stuck behind a probe.
        void this.#timer.sleep(250).then(resolve);
      });
    }
  }

  onSuccess(): void {
    this.#consecutive = 0;
    if (this.#state !== 'closed') {
      this.#waitedMs += this.#timer.now() - this.#openedAt;
      this.#state = 'closed';
      this.#backoff = this.#initialBackoff;
    }
    this.#release();
  }

  /** A call failed because the CRM is unavailable (not for a refusal of the record itself). */
  onUnavailable(): void {
    if (this.#state === 'half-open') {
      this.#backoff = Math.min(this.#maxBackoff, this.#backoff * 2);
      this.#open(false);
    } else if (this.#state === 'closed' && ++this.#consecutive >= this.#threshold) {
      this.#open(true);
    }
    this.#release();
  }

  /** The CRM answered, even with a refusal: it is up. */
  onAnswered(): void {
    this.onSuccess();
  }

  #open(fresh: boolean): void {
    const now = this.#timer.now();
    if (fresh) {
      this.#openedAt = now;
      this.#opened++;
    }
    this.#state = 'open';
    // Up to 25 % jitter, so several engines do not probe in step; never below the backoff.
    this.#openUntil = now + this.#backoff * (1 + Math.random() * 0.25);
  }

  #release(): void {
    this.#probing = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
