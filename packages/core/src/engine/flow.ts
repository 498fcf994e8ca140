import type { MegaCrmError } from '../errors.js';
import { type BreakerTimer, CircuitBreaker } from './breaker.js';
import { AdaptiveLimit, type ConcurrencyLimit, fixedLimit } from './limiter.js';

/** `'adaptive'` (default), a fixed number of calls in flight, or adaptive within bounds. */
export type ConcurrencyOption =
  | 'adaptive'
  | number
  | { readonly min?: number | undefined; readonly max?: number | undefined; readonly initial?: number | undefined };

/** The adaptive bounds given, without the ones left undefined (the defaults apply to those). */
export function adaptiveBounds(option: Exclude<ConcurrencyOption, number>): { min?: number; max?: number; initial?: number } {
  if (option === 'adaptive') return {};
  return Object.fromEntries(Object.entries(option).filter(([, v]) => v !== undefined));
}

export interface BreakerSettings {
  /** Unavailable answers in a row (refused, reset, timed out, HTTP 5xx) that stop the calls. Default 5. */
  readonly failures: number;
  /** First wait before a probe call; doubled after each failed probe up to `maxBackoffMs`. Default 500 ms, 1.5 s. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long one run waits for a CRM that stays down before it stops (records stay queued). Default 5 min. */
  readonly maxWaitMs: number;
}

/** The CRM calls a run makes: how many at once (the limit) and whether at all (the breaker). */
export interface FlowSnapshot {
  readonly openedTimes: number;
  readonly waitedMs: number;
  readonly probes: number;
}

/** Thrown instead of calling when the breaker is open and the run is stopping: the record was not attempted. */
export class NotAttempted extends Error {
  override readonly name = 'NotAttempted';
}

const UNAVAILABLE = new Set(['TIMEOUT', 'CONNECTION_FAILED', 'CONNECTION_RESET']);
const OVERLOADED_STATUS = new Set([429, 503]);

/**
 * The engine's throttle in front of the CRM, kept across runs (what it learnt about the CRM holds for
 * the next run): an adaptive or fixed concurrency limit fed with each call's latency (a timeout or an
 * overload answer is a drop), and a circuit breaker fed with each call's outcome.
 */
export class CallFlow {
  readonly limiter: ConcurrencyLimit;
  readonly adaptive: boolean;
  readonly breaker: CircuitBreaker;
  readonly maxWaitMs: number;
  #inflight = 0;
  #lastUnavailable: MegaCrmError | undefined;

  constructor(concurrency: ConcurrencyOption, breaker: BreakerSettings, timer?: BreakerTimer) {
    this.adaptive = typeof concurrency !== 'number';
    this.limiter = typeof concurrency === 'number' ? fixedLimit(concurrency) : new AdaptiveLimit(adaptiveBounds(concurrency));
    this.breaker = new CircuitBreaker({ ...breaker, ...(timer ? { timer } : {}) });
    this.maxWaitMs = breaker.maxWaitMs;
  }

  get limit(): number {
    return this.limiter.limit;
  }

  snapshot(): FlowSnapshot {
    return { openedTimes: this.breaker.openedTimes, waitedMs: this.breaker.waitedMs, probes: this.breaker.probes };
  }

  /** The error that kept the breaker open, once a run waited `maxWaitMs` for it. */
  gaveUp(since: FlowSnapshot): MegaCrmError | undefined {
    return this.breaker.state !== 'closed' && this.breaker.waitedMs - since.waitedMs >= this.maxWaitMs ? this.#lastUnavailable : undefined;
  }

  /**
   * Makes one CRM call when the breaker lets it (waiting while the CRM is down, or throwing
   * NotAttempted when `isStopped()` ends the wait), then tells the limit and the breaker how it went.
   */
  async call<T>(send: () => Promise<T>, isStopped: () => boolean): Promise<T> {
    const closed = () => this.breaker.state === 'closed';
    if (!closed()) {
      const probe = await this.breaker.acquire(isStopped);
      if (!probe && !closed()) throw new NotAttempted('the CRM is unavailable and the run is stopping');
    }
    const inflight = ++this.#inflight;
    const started = performance.now();
    try {
      const answer = await send();
      this.#inflight--;
      this.limiter.onSample({ latencyMs: performance.now() - started, dropped: false, inflight });
      this.breaker.onSuccess();
      return answer;
    } catch (thrown) {
      this.#inflight--;
      const error = thrown as Partial<MegaCrmError> | undefined;
      const code = error?.code;
      if (code && UNAVAILABLE.has(code)) {
        this.#lastUnavailable = thrown as MegaCrmError;
        this.breaker.onUnavailable();
        // A timeout or an overload answer says the CRM is full; a refused or reset connection says nothing of its load.
        const status = error?.details?.status;
        if (code === 'TIMEOUT' || (typeof status === 'number' && OVERLOADED_STATUS.has(status)))
          this.limiter.onSample({ latencyMs: performance.now() - started, dropped: true, inflight });
      } else {
        this.breaker.onAnswered();
        this.limiter.onSample({ latencyMs: performance.now() - started, dropped: false, inflight });
      }
      throw thrown;
    }
  }
}
