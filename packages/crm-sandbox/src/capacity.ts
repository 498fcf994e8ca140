/**
 * A capacity model of a real CRM, for throughput tests and the remote benchmark: a PHP (NuSOAP)
 * service behind a WAN has a fixed number of workers (PHP-FPM `max_children`), a service time per
 * call, a bounded accept queue in front of them, and a network round trip. Changeable at run time
 * (a test halves the capacity mid-run, or takes the CRM down).
 */

export interface CapacityOptions {
  /** Calls served at once (PHP-FPM max_children). */
  readonly workers: number;
  /** Service time of one call, in ms. */
  readonly serviceMs: number;
  /** ± share of the service time, uniformly (0.1: ±10 %). */
  readonly jitter?: number;
  /** Calls waiting for a worker beyond which new calls are refused (HTTP 503), like a full listen backlog. */
  readonly queueLimit?: number;
  /** Network round trip, in ms: half before the call reaches the CRM, half after it answers. */
  readonly rttMs?: number;
  /** While true, every call is refused at once (connection dropped), as a CRM that is down. */
  readonly down?: boolean;
}

/** A period the model was down, with the calls it refused meanwhile (epoch ms). */
export interface Outage {
  readonly from: number;
  /** When it came back up (undefined while still down). */
  readonly to: number | undefined;
  /** Arrival times of the calls refused while down (the first 10,000). */
  readonly calls: readonly number[];
  readonly callCount: number;
  /** When the first call was served after it came back up. */
  readonly resumedAt: number | undefined;
}

export interface CapacityStats {
  /** Calls in service now, waiting for a worker now. */
  readonly busy: number;
  readonly waiting: number;
  /** Most calls in service at once so far. */
  readonly peakBusy: number;
  readonly served: number;
  /** Refused: queue full or down. */
  readonly refused: number;
  readonly refusedQueueFull: number;
  readonly refusedDown: number;
  readonly outages: readonly Outage[];
}

const MAX_OUTAGES = 100;
const MAX_OUTAGE_CALLS = 10_000;

export type Admission =
  | { readonly admitted: true; readonly serviceMs: number; release(): void }
  | { readonly admitted: false; readonly reason: 'queue-full' | 'down' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CapacityModel {
  #options: Required<CapacityOptions>;
  #busy = 0;
  #waiting: Array<() => void> = [];
  #peakBusy = 0;
  #refusedQueueFull = 0;
  #refusedDown = 0;
  #served = 0;
  #outages: Array<{ from: number; to: number | undefined; calls: number[]; callCount: number; resumedAt: number | undefined }> = [];
  #upTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CapacityOptions) {
    this.#options = CapacityModel.#resolve(options);
    if (this.#options.down) this.#outages.push({ from: Date.now(), to: undefined, calls: [], callCount: 0, resumedAt: undefined });
  }

  static #resolve(o: CapacityOptions): Required<CapacityOptions> {
    if (!(Number.isInteger(o.workers) && o.workers >= 1)) throw new RangeError('capacity.workers must be a positive integer');
    if (!(o.serviceMs >= 0 && o.serviceMs <= 600_000)) throw new RangeError('capacity.serviceMs must be from 0 to 600000');
    if (o.jitter !== undefined && !(o.jitter >= 0 && o.jitter <= 1)) throw new RangeError('capacity.jitter must be from 0 to 1');
    if (o.queueLimit !== undefined && !(Number.isInteger(o.queueLimit) && o.queueLimit >= 0))
      throw new RangeError('capacity.queueLimit must be an integer ≥ 0');
    if (o.rttMs !== undefined && !(o.rttMs >= 0 && o.rttMs <= 600_000)) throw new RangeError('capacity.rttMs must be from 0 to 600000');
    return { jitter: 0.1, queueLimit: 1024, rttMs: 0, down: false, ...o };
  }

  get options(): Required<CapacityOptions> {
    return this.#options;
  }

  /** Calls per second the model serves at most. */
  get capacity(): number {
    return this.#options.serviceMs > 0 ? (this.#options.workers * 1000) / this.#options.serviceMs : Number.POSITIVE_INFINITY;
  }

  get stats(): CapacityStats {
    return {
      busy: this.#busy,
      waiting: this.#waiting.length,
      peakBusy: this.#peakBusy,
      served: this.#served,
      refused: this.#refusedQueueFull + this.#refusedDown,
      refusedQueueFull: this.#refusedQueueFull,
      refusedDown: this.#refusedDown,
      outages: this.#outages.map((o) => ({ ...o, calls: [...o.calls] })),
    };
  }

  /** Changes the model now (more or fewer workers, slower calls, down/up); waiting calls get the new workers at once. */
  update(change: Partial<CapacityOptions>): void {
    const wasDown = this.#options.down;
    this.#options = CapacityModel.#resolve({ ...this.#options, ...change });
    if ('down' in change) {
      clearTimeout(this.#upTimer);
      this.#upTimer = undefined;
    }
    if (!wasDown && this.#options.down) {
      if (this.#outages.length >= MAX_OUTAGES) this.#outages.shift();
      this.#outages.push({ from: Date.now(), to: undefined, calls: [], callCount: 0, resumedAt: undefined });
    } else if (wasDown && !this.#options.down) {
      const outage = this.#outages.at(-1);
      if (outage) outage.to = Date.now();
    }
    this.#dispatch();
  }

  /** Down now, and up again after `ms` (every call meanwhile is refused and counted in `stats.outages`). */
  takeDown(ms: number): void {
    if (!(ms > 0 && ms <= 3_600_000)) throw new RangeError('down time must be from 1 ms to 1 h');
    this.update({ down: true });
    this.#upTimer = setTimeout(() => {
      this.#upTimer = undefined;
      this.update({ down: false });
    }, ms);
    this.#upTimer.unref?.();
  }

  /** Cancels a pending `takeDown` (the sandbox stops). */
  dispose(): void {
    clearTimeout(this.#upTimer);
    this.#upTimer = undefined;
  }

  /** Refuses one call now if the model is down (counted in the current outage). */
  refuseIfDown(): boolean {
    if (!this.#options.down) return false;
    this.#refusedDown++;
    const outage = this.#outages.at(-1);
    if (outage) {
      outage.callCount++;
      if (outage.calls.length < MAX_OUTAGE_CALLS) outage.calls.push(Date.now());
    }
    return true;
  }

  /** The first half of the round trip. */
  inbound(): Promise<void> {
    return sleep(this.#options.rttMs / 2);
  }

  /** The second half of the round trip. */
  outbound(): Promise<void> {
    return sleep(this.#options.rttMs / 2);
  }

  /** Waits for a worker (or is refused); the caller holds the service time, then calls `release()`. */
  async admit(): Promise<Admission> {
    if (this.refuseIfDown()) return { admitted: false, reason: 'down' };
    if (this.#busy >= this.#options.workers) {
      if (this.#waiting.length >= this.#options.queueLimit) {
        this.#refusedQueueFull++;
        return { admitted: false, reason: 'queue-full' };
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#busy++;
    if (this.#busy > this.#peakBusy) this.#peakBusy = this.#busy;
    const outage = this.#outages.at(-1);
    if (outage && outage.to !== undefined && outage.resumedAt === undefined) outage.resumedAt = Date.now();
    const { serviceMs, jitter } = this.#options;
    let released = false;
    return {
      admitted: true,
      serviceMs: serviceMs * (1 - jitter + Math.random() * 2 * jitter),
      release: () => {
        if (released) return;
        released = true;
        this.#served++;
        this.#busy--;
        this.#dispatch();
      },
    };
  }

  #dispatch(): void {
    while (this.#busy < this.#options.workers && this.#waiting.length > 0) {
      this.#busy++;
      if (this.#busy > this.#peakBusy) this.#peakBusy = this.#busy;
      (this.#waiting.shift() as () => void)();
    }
  }
}
