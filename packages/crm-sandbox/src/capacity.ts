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

export type Admission =
  | { readonly admitted: true; readonly serviceMs: number; release(): void }
  | { readonly admitted: false; readonly reason: 'queue-full' | 'down' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CapacityModel {
  #options: Required<CapacityOptions>;
  #busy = 0;
  #waiting: Array<() => void> = [];
  #refused = 0;
  #served = 0;

  constructor(options: CapacityOptions) {
    this.#options = CapacityModel.#resolve(options);
  }

  static #resolve(o: CapacityOptions): Required<CapacityOptions> {
    if (!(Number.isInteger(o.workers) && o.workers >= 1)) throw new RangeError('capacity.workers must be a positive integer');
    if (!(o.serviceMs >= 0)) throw new RangeError('capacity.serviceMs must be ≥ 0');
    return { jitter: 0.1, queueLimit: 1024, rttMs: 0, down: false, ...o };
  }

  get options(): Required<CapacityOptions> {
    return this.#options;
  }

  /** Calls per second the model serves at most. */
  get capacity(): number {
    return this.#options.serviceMs > 0 ? (this.#options.workers * 1000) / this.#options.serviceMs : Number.POSITIVE_INFINITY;
  }

  get stats(): { readonly busy: number; readonly waiting: number; readonly served: number; readonly refused: number } {
    return { busy: this.#busy, waiting: this.#waiting.length, served: this.#served, refused: this.#refused };
  }

  /** Changes the model now (more or fewer workers, slower calls, down/up); waiting calls get the new workers at once. */
  update(change: Partial<CapacityOptions>): void {
    this.#options = CapacityModel.#resolve({ ...this.#options, ...change });
    this.#dispatch();
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
    if (this.#options.down) {
      this.#refused++;
      return { admitted: false, reason: 'down' };
    }
    if (this.#busy >= this.#options.workers) {
      if (this.#waiting.length >= this.#options.queueLimit) {
        this.#refused++;
        return { admitted: false, reason: 'queue-full' };
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#busy++;
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
      (this.#waiting.shift() as () => void)();
    }
  }
}
