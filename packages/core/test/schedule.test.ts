import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, daily, online, type RunSummary, runOnSchedule, SyncEngine } from '../src/index.js';
import { parseInterval } from '../src/schedule.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

const at = (hhmm: string, day = 10) => new Date(2026, 0, day, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), 0, 0);

describe('schedule policies', () => {
  it('daily: from the start time, every interval, then the next day', () => {
    const policy = daily({ start: '08:00', every: '30m', end: '18:00' });
    expect(policy.next(at('06:15'))).toEqual(at('08:00'));
    expect(policy.next(at('08:00'))).toEqual(at('08:30'));
    expect(policy.next(at('08:10'))).toEqual(at('08:30'));
    expect(policy.next(at('17:45'))).toEqual(at('18:00'));
    expect(policy.next(at('18:00'))).toEqual(at('08:00', 11));
    expect(policy.next(at('23:59'))).toEqual(at('08:00', 11));
  });

  it('daily rejects an interval under 30 minutes, saying why and what to use', () => {
    expect(() => daily({ start: '08:00', every: '20m' })).toThrow(/at most every 30 minutes/);
    expect(() => daily({ start: '08:00', every: '20m' })).toThrow(/use online\(\{ every \}\)/);
    expect(() => daily({ start: '8h', every: '30m' })).toThrow(/'HH:MM'/);
  });

  it('online: any interval, parsed strictly', () => {
    expect(online({ every: '20s' }).next(at('10:00')).getTime() - at('10:00').getTime()).toBe(20_000);
    expect(online().name).toBe('online every 20s');
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(() => parseInterval('20 seconds')).toThrow(/Invalid every interval/);
  });
});

describe('runOnSchedule', () => {
  let store: SqliteStore;
  afterEach(async () => store?.close());

  it('an online schedule every 200 ms with runs of ~1 s never runs two at once; the ticks between are coalesced', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    for (let i = 0; i < 5; i++) source.push(record(`k${i}`));
    const sink = new RecordingSink();
    const original = sink.deliver.bind(sink);
    let active = 0;
    let maxActive = 0;
    const events: string[] = [];
    const logger = {
      debug() {},
      warn() {},
      error() {},
      info(_o: object, msg?: string) {
        if (msg === 'sync run started') maxActive = Math.max(maxActive, ++active);
        if (msg === 'sync run finished') active--;
        if (msg?.startsWith('trigger arrived')) events.push(msg);
      },
    };
    // Each run takes about a second, whatever it has to send.
    source.read = async function (this: ListSource, cursor, options) {
      await new Promise((r) => setTimeout(r, 1_000));
      return ListSource.prototype.read.call(this, cursor, options);
    };
    sink.deliver = original;
    const engine = new SyncEngine({ source, sink, store, logger, concurrency: 1 });
    const controller = new AbortController();
    const summaries: Array<{ runId: string; coalesced: number }> = [];
    const schedule = runOnSchedule(online({ every: '200ms' }), engine, { signal: controller.signal, onRun: (s) => summaries.push(s) });
    await new Promise((r) => setTimeout(r, 3_300));
    controller.abort();
    await schedule.done;
    while (engine.running) await new Promise((r) => setTimeout(r, 50));
    expect(maxActive).toBe(1);
    // Every coalesced tick gets its follow-up run's summary: distinct runs are few.
    const runs = new Set(summaries.map((s) => s.runId));
    expect(runs.size).toBeGreaterThanOrEqual(2);
    expect(runs.size).toBeLessThanOrEqual(6); // ~16 ticks in 3.3 s, runs of ~1 s
    expect(summaries.length).toBeGreaterThan(runs.size + 5);
    expect(summaries.some((s) => s.coalesced >= 3)).toBe(true);
    expect(events.length).toBeGreaterThan(3);
    expect(sink.delivered).toHaveLength(5); // every record once, however many ticks
  });

  it('pause, resume and run now', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    source.push(record('a'));
    const engine = new SyncEngine({ source, sink: new RecordingSink(), store });
    const controller = new AbortController();
    const runs: string[] = [];
    const schedule = runOnSchedule(online({ every: '50ms' }), engine, { signal: controller.signal, onRun: (s) => runs.push(s.trigger) });
    schedule.pause();
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toEqual([]);
    expect((await schedule.runNow()).trigger).toBe('run now');
    schedule.resume();
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await schedule.done;
    expect(runs.filter((t) => t.startsWith('online')).length).toBeGreaterThan(0);
  });

  it('a long-lived signal does not collect an abort listener per tick', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const engine = new SyncEngine({ source: new ListSource(), sink: new RecordingSink(), store });
    const controller = new AbortController();
    let ticks = 0;
    const schedule = runOnSchedule(online({ every: '10ms' }), engine, { signal: controller.signal, onRun: () => ticks++ });
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks).toBeGreaterThan(10);
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    controller.abort();
    await schedule.done;
  });

  it('a run stopped by a non-retryable error is not repeated every tick: the schedule backs off until a run ends without it', async () => {
    let broken = true;
    const triggers: string[] = [];
    const engine = {
      run: async (options: { readonly trigger?: string }): Promise<RunSummary> => {
        triggers.push(options.trigger ?? '');
        const error = broken ? new ConfigurationError('Mega has no table X.', { code: 'CONFIG_INVALID', fix: { en: 'f', pt: 'f' } }) : undefined;
        return { trigger: options.trigger, ...(error ? { error } : {}) } as unknown as RunSummary;
      },
    };
    const controller = new AbortController();
    const schedule = runOnSchedule(online({ every: '10ms' }), engine, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    // Every 10 ms would be ~30 runs; after the first stop the next one waits a minute.
    expect(triggers.length).toBe(1);
    expect(schedule.backoff?.error.code).toBe('CONFIG_INVALID');
    expect((schedule.backoff?.until.getTime() ?? 0) - Date.now()).toBeGreaterThan(50_000);
    broken = false;
    await schedule.runNow();
    expect(schedule.backoff).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(triggers.length).toBeGreaterThan(5);
    controller.abort();
    await schedule.done;
  });
});
