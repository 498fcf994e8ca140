/**
 * Safe shutdown (issue #10, defect 6): engine.stop() and run({ signal }) let the CRM calls in flight
 * finish and be recorded, put the rest back, and resolve when nothing is in flight; a schedule's
 * done/stop() wait for the run in progress; closing a store a run still uses is a typed error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { online, runOnSchedule, SyncEngine, type SyncProgress, type SyncRecord } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

let store: SqliteStore;
afterEach(async () => {
  await store?.close().catch(() => undefined);
});

/** A CRM whose calls after the first (the run's probe) wait until `open()`; `inFlight` counts calls started and not answered. */
function gatedSink() {
  const sink = new RecordingSink();
  const original = sink.deliver.bind(sink);
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const state = { started: 0, inFlight: 0, open: () => open() };
  sink.deliver = async (r: SyncRecord) => {
    state.started++;
    state.inFlight++;
    try {
      if (state.started > 1) await gate;
      return await original(r);
    } finally {
      state.inFlight--;
    }
  };
  return { sink, state };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

function setup() {
  store = new SqliteStore({ path: ':memory:' });
  const source = new ListSource();
  for (let i = 0; i < 40; i++) source.push(record(`k${i}`));
  const { sink, state } = gatedSink();
  const progress = { captured: 0 };
  const onProgress = (p: SyncProgress) => {
    if (p.phase === 'capture') progress.captured = p.processed;
  };
  const engine = new SyncEngine({ source, sink, store, concurrency: 4, batchSize: 20, onProgress });
  return { source, sink, state, engine, progress };
}

describe('shutdown', () => {
  it('engine.stop(): the calls in flight finish and are recorded, nothing new starts, the rest stays queued', async () => {
    const { sink, state, engine, progress } = setup();
    const run = engine.run();
    // Capture goes on while the four calls wait: all 40 are queued before the stop.
    await until(() => state.inFlight === 4 && progress.captured === 40);
    // The store cannot be closed under a running engine: a typed error, not a TypeError later.
    await expect(store.close()).rejects.toMatchObject({ code: 'STORE_BUSY' });
    let stopped = false;
    const stopping = engine.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false); // four calls are still in flight
    state.open();
    await stopping;
    expect(engine.running).toBe(false);
    const summary = await run;
    expect(summary).toMatchObject({ outcome: 'stopped', error: { code: 'RUN_ABORTED' } });
    expect(state.started).toBe(5); // the probe, then four at once: none started after stop()
    expect(sink.delivered).toHaveLength(5);
    for (const r of sink.delivered) expect(await store.integrationId(r)).toBe(`crm-${r.key}`);
    expect(await store.counts()).toEqual({ pending: 35, inflight: 0, held: 0, parked: 0 });
    const next = await engine.run();
    expect(next.outcome).toBe('completed');
    expect(new Set(sink.delivered.map((r) => r.key)).size).toBe(40);
    await store.close();
  });

  it('run({ signal }): aborting stops that run the same way; an aborted signal stops it before any call', async () => {
    const { state, engine } = setup();
    const controller = new AbortController();
    const run = engine.run({ signal: controller.signal });
    await until(() => state.inFlight === 4);
    controller.abort();
    state.open();
    expect(await run).toMatchObject({ outcome: 'stopped', error: { code: 'RUN_ABORTED' } });
    expect((await store.counts()).inflight).toBe(0);
    const before = state.started;
    const early = await engine.run({ signal: AbortSignal.abort() });
    expect(early).toMatchObject({ outcome: 'stopped', error: { code: 'RUN_ABORTED' } });
    expect(state.started).toBe(before);
  });

  it('a schedule stopped mid-run resolves after the run ends, with nothing in flight', async () => {
    const { state, engine } = setup();
    const controller = new AbortController();
    const summaries: string[] = [];
    const schedule = runOnSchedule(online({ every: '10ms' }), engine, { signal: controller.signal, onRun: (s) => summaries.push(s.outcome) });
    await until(() => state.inFlight === 4);
    let done = false;
    const stopping = schedule.stop().then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    state.open();
    await stopping;
    await schedule.done;
    expect(engine.running).toBe(false);
    expect(state.inFlight).toBe(0);
    expect(summaries.length).toBeGreaterThan(0);
    expect(new Set(summaries)).toEqual(new Set(['stopped'])); // the run, and the follow-up it cancelled
    await store.close(); // no TypeError, no STORE_BUSY: nothing uses it any more
  });

  it("a schedule's done (signal aborted) waits for the run in progress to finish", async () => {
    const { state, engine } = setup();
    const controller = new AbortController();
    const summaries: string[] = [];
    const schedule = runOnSchedule(online({ every: '10ms' }), engine, { signal: controller.signal, onRun: (s) => summaries.push(s.outcome) });
    await until(() => state.inFlight === 4);
    controller.abort();
    let done = false;
    const finished = schedule.done.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    state.open();
    await finished;
    expect(engine.running).toBe(false);
    expect(summaries.length).toBeGreaterThan(0);
    expect(new Set(summaries)).toEqual(new Set(['completed']));
    expect(await store.counts()).toMatchObject({ pending: 0, inflight: 0 });
  });
});
