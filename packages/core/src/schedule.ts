/**
 * The two schedules of Mega's "Agendamento de integração CRM", as pure policies, and a small loop for
 * hosts without a scheduler. Runs never overlap whatever the interval: the engine folds a trigger
 * that arrives during a run into one follow-up run.
 */

import type { RunSummary } from './engine/summary.js';
import { ConfigurationError, type MegaCrmError } from './errors.js';

export interface SchedulePolicy {
  /** Used as the run's trigger in the run log. */
  readonly name: string;
  /** The first run time strictly after `now`. */
  next(now: Date): Date;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `'500ms'`, `'20s'`, `'30m'`, `'1h'`, or a number of milliseconds. */
export function parseInterval(value: string | number, option = 'every'): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(value) : null;
  if (!match) {
    throw new ConfigurationError(`Invalid ${option} interval ${JSON.stringify(value)}.`, {
      code: 'CONFIG_INVALID',
      fix: {
        en: "Write it as '500ms', '20s', '30m' or '1h', or as a number of milliseconds.",
        pt: "Escreva como '500ms', '20s', '30m' ou '1h', ou em milissegundos.",
      },
    });
  }
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

function parseClock(value: string, option: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) {
    throw new ConfigurationError(`Invalid ${option} time ${JSON.stringify(value)}.`, {
      code: 'CONFIG_INVALID',
      fix: { en: "Write it as 'HH:MM', e.g. '08:00'.", pt: "Escreva como 'HH:MM', por exemplo '08:00'." },
    });
  }
  return (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

export const DAILY_MINIMUM_MS = 30 * 60_000;

/**
 * "Diária": every day from `start` (local time), then every `every` (at least 30 minutes, as the
 * manual requires), until `end` (default 23:59).
 */
export function daily(options: { readonly start: string; readonly every: string | number; readonly end?: string }): SchedulePolicy {
  const start = parseClock(options.start, 'start');
  const end = parseClock(options.end ?? '23:59', 'end');
  const every = parseInterval(options.every);
  if (every < DAILY_MINIMUM_MS) {
    throw new ConfigurationError(`A daily schedule runs at most every 30 minutes; ${JSON.stringify(options.every)} is shorter.`, {
      code: 'CONFIG_INVALID',
      details: { every: options.every },
      fix: {
        en: "The manual's minimum interval for 'Diária' is 30 minutes; use online({ every }) for frequent runs (safe here: runs never overlap).",
        pt: "O intervalo mínimo da agenda 'Diária' é de 30 minutos; use online({ every }) para execuções frequentes (seguro aqui: execuções nunca se sobrepõem).",
      },
    });
  }
  if (end < start)
    throw new ConfigurationError('The end time of a daily schedule is before its start.', {
      code: 'CONFIG_INVALID',
      fix: { en: 'Give an end after the start.', pt: 'Informe um fim depois do início.' },
    });
  return {
    name: `daily ${options.start} every ${typeof options.every === 'number' ? `${options.every}ms` : options.every}`,
    next(now) {
      const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
      const offset = now.getTime() - midnight;
      if (offset < start) return new Date(midnight + start);
      const slot = start + (Math.floor((offset - start) / every) + 1) * every;
      if (slot <= end) return new Date(midnight + slot);
      const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
      return new Date(tomorrow + start);
    },
  };
}

/** "Online": every `every` (the manual's is 20 s); any interval is safe because runs never overlap. */
export function online(options: { readonly every: string | number } = { every: '20s' }): SchedulePolicy {
  const every = parseInterval(options.every);
  return { name: `online every ${typeof options.every === 'number' ? `${options.every}ms` : options.every}`, next: (now) => new Date(now.getTime() + every) };
}

export interface Runnable {
  run(options: { readonly trigger?: string }): Promise<RunSummary>;
  /** Stops the run in progress, letting its calls in flight finish (SyncEngine.stop). */
  stop?(): Promise<void>;
}

export interface ScheduleController {
  /** Stops triggering runs (a run in progress finishes). */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /**
   * Set while runs are spaced out because the last one stopped on an error that retrying cannot fix
   * (not `retryable`: a configuration error, wrong credentials, a Mega schema that differs): the error
   * and when the schedule tries again. Cleared by the next run that does not stop so.
   */
  readonly backoff: { readonly error: MegaCrmError; readonly until: Date; readonly stops: number } | undefined;
  /** Triggers a run now ("Executar Agora"); coalesced if one is in progress. */
  runNow(): Promise<RunSummary>;
  /**
   * Stops the schedule and the run in progress (its CRM calls in flight finish, the rest stays
   * queued); resolves when nothing is running. Then the store and the CRM client can be closed.
   */
  stop(): Promise<void>;
  /** Resolves when the loop has stopped (the signal aborted, or stop()) and the runs it started have ended. */
  readonly done: Promise<void>;
}

/** After a run stops on a non-retryable error the next tick waits 1, 2, 4 … minutes, at most an hour. */
export const NON_RETRYABLE_BACKOFF = { firstMs: 60_000, maxMs: 3_600_000 } as const;

/**
 * Triggers `engine.run()` at the policy's times until `signal` aborts. Runs are not awaited before the
 * next tick: a tick during a run is coalesced by the engine, so a slow CRM never stacks runs. A run that
 * stops on an error retrying cannot fix (`retryable: false`, e.g. MEGA_SCHEMA_MISMATCH, AUTH_FAILED) is
 * not repeated every tick: the schedule backs off (NON_RETRYABLE_BACKOFF) until a run ends without it;
 * `runNow()` still runs at once, e.g. right after the fix.
 */
export function runOnSchedule(
  policy: SchedulePolicy,
  engine: Runnable,
  options: {
    readonly signal: AbortSignal;
    readonly onRun?: (summary: RunSummary) => void;
    readonly onError?: (error: unknown) => void;
    readonly now?: () => Date;
  },
): ScheduleController {
  const now = options.now ?? (() => new Date());
  const stopper = new AbortController();
  const signal = AbortSignal.any([options.signal, stopper.signal]);
  let paused = false;
  const started = new Set<Promise<RunSummary>>();
  let backoff: ScheduleController['backoff'];
  let wake: (() => void) | undefined;
  const noteOutcome = (summary: RunSummary) => {
    const error = summary.error;
    if (!error || error.retryable || error.code === 'RUN_ABORTED' || error.code === 'ALREADY_RUNNING') {
      // Fixed (e.g. by a runNow() after the fix): the loop, asleep for the backoff, wakes to the policy's time.
      if (backoff) wake?.();
      backoff = undefined;
      return;
    }
    const stops = (backoff?.stops ?? 0) + 1;
    const waitMs = Math.min(NON_RETRYABLE_BACKOFF.firstMs * 2 ** (stops - 1), NON_RETRYABLE_BACKOFF.maxMs);
    backoff = { error, stops, until: new Date(now().getTime() + waitMs) };
  };
  const trigger = (name: string) => {
    const run = engine.run({ trigger: name });
    started.add(run);
    run
      .then(
        (summary) => {
          noteOutcome(summary);
          options.onRun?.(summary);
        },
        options.onError ?? (() => undefined),
      )
      .finally(() => started.delete(run));
    return run;
  };
  const loop = async () => {
    while (!signal.aborted) {
      const from = new Date(Math.max(now().getTime(), backoff?.until.getTime() ?? 0));
      const wait = Math.max(0, policy.next(from).getTime() - now().getTime());
      // One abort listener per wait, removed when the timer fires: a long-lived signal must not collect them.
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        signal.addEventListener('abort', onAbort, { once: true });
        wake = () => {
          signal.removeEventListener('abort', onAbort);
          onAbort();
        };
      });
      wake = undefined;
      // A run that ended during the wait may have started a backoff: the loop then waits again.
      if (backoff && backoff.until.getTime() > now().getTime()) continue;
      if (!signal.aborted && !paused) trigger(policy.name).catch(() => undefined);
    }
  };
  const done = loop().then(async () => {
    while (started.size > 0) await Promise.allSettled([...started]);
  });
  return {
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    get paused() {
      return paused;
    },
    get backoff() {
      return backoff;
    },
    runNow: () => trigger('run now'),
    stop: async () => {
      stopper.abort();
      await engine.stop?.();
      await done;
    },
    done,
  };
}
