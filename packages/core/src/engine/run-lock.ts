import { RunLockLostError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SyncStore } from '../ports.js';
import type { Clock } from './clock.js';
import { isDeadOnThisHost } from './owner.js';

/**
 * The store's run lock held for one run: a lease renewed every third of its length. `valid` is what
 * the delivery loop asks before each CRM call: false once a renewal failed or the lease ran out
 * without one (the process was paused or starved), so a run that may be fenced out writes nothing;
 * `confirm()` then asks the store, which renews the lease only if nobody took it meanwhile.
 */
export class RunLock {
  readonly #store: SyncStore;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #validUntil = 0;
  #lost = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: SyncStore, owner: string, ttlMs: number, clock: Clock, logger: Logger) {
    this.#store = store;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
    this.#logger = logger;
  }

  get owner(): string {
    return this.#owner;
  }

  async acquire(): Promise<boolean> {
    const started = this.#clock.now();
    const taken = await this.#store.acquireRunLock(this.#owner, this.#ttlMs, (holder) => {
      const dead = isDeadOnThisHost(holder);
      if (dead) this.#logger.warn({ holder }, 'the run lock belonged to a process that died on this host: taken over');
      return dead;
    });
    if (!taken) return false;
    this.#validUntil = started + this.#ttlMs;
    this.#timer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
    return true;
  }

  async #renew(): Promise<boolean> {
    if (this.#lost) return false;
    const started = this.#clock.now();
    const ok = await this.#store.renewRunLock(this.#owner, this.#ttlMs).catch(() => false);
    if (ok) this.#validUntil = Math.max(this.#validUntil, started + this.#ttlMs);
    else this.#lost = true;
    return ok;
  }

  get valid(): boolean {
    return !this.#lost && this.#clock.now() < this.#validUntil;
  }

  /** True when the lock is still this run's (renewed now if its lease ran out locally). */
  async confirm(): Promise<boolean> {
    return this.valid || this.#renew();
  }

  lostError(): RunLockLostError {
    return new RunLockLostError({ owner: this.#owner });
  }

  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#store.releaseRunLock(this.#owner).catch(() => undefined);
  }
}
