import type { Logger } from '../logger.js';
import type { ChangeSource, CrmSink, SyncStore } from '../ports.js';
import type { Clock } from './clock.js';
import type { CallFlow } from './flow.js';
import type { RemovalPolicy } from './removals.js';

export interface RetryOptions {
  /** Retries after the first attempt, for retryable errors only. */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export interface HoldOptions {
  /** Times a held record's dependency is looked for (once per run) before the record is parked. Default 3. */
  readonly maxTries: number;
  /** How long a record may stay held before it is parked, whatever the tries. Default 24 h. */
  readonly maxWaitMs: number;
}

export interface SyncProgress {
  readonly phase: 'capture' | 'deliver';
  /** Records read (capture) or delivered, failed, held or deferred (deliver) so far in this run. */
  readonly processed: number;
  /** Known only in the deliver phase: the queue size when delivery started. */
  readonly total?: number;
}

/** What the parts of a run share: the ports, the settled options, the clock and this engine's identity. */
export interface EngineContext {
  readonly source: ChangeSource;
  readonly sink: CrmSink;
  readonly store: SyncStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** `host:pid:random[:label]`: in locks, claims and logs. */
  readonly owner: string;
  readonly batchSize: number;
  /** The concurrency limit and the circuit breaker in front of the CRM, kept across runs. */
  readonly flow: CallFlow;
  readonly retry: RetryOptions;
  readonly claimLeaseMs: number;
  readonly holds: HoldOptions;
  /** Per entity, what a record deleted in Mega or out of scope becomes in the CRM. */
  readonly removals: RemovalPolicy;
  readonly onProgress?: ((progress: SyncProgress) => void) | undefined;
}
