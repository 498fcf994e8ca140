/**
 * `pnpm bench --remote [--quick] [--size N]`: the SDK against a modelled remote CRM (the sandbox's
 * capacity model: N PHP workers, a service time per call, an accept queue, a network round trip),
 * where the CRM, not the SDK, is the bottleneck. Side by side on the same model: the SDK with adaptive
 * concurrency, fixed 8, fixed 64, and a naive sequential node-soap loop (time-boxed sample); then the
 * adaptive SDK with the capacity halved mid-run, and with the CRM down mid-run. Each phase is a full
 * backfill of the same demo Mega into a fresh sandbox process and a fresh store. Prints a table and
 * merges a `remote` object into bench/results/latest.json (other keys kept).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type CrmSink, type EntityName, type RunSummary, SyncEngine, type SyncEngineOptions, type SyncRecord } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { CrmClient, crmSink } from '@mega-crm/crm-client';
import type { SandboxCapacity, SandboxState } from '@mega-crm/crm-sandbox';
import { MegaSource } from '@mega-crm/mega-mapper';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import Database from 'better-sqlite3';
import { DEMO_CREDENTIALS } from '../src/wiring.js';
import { naiveCaller } from './naive.js';

export interface RemoteOptions {
  readonly quick: boolean;
  readonly size?: string | undefined;
  readonly out?: string | undefined;
}

/** The issue's model: 8 workers × 25 ms = 320 calls/s, behind a 30 ms round trip. */
const MODEL = { workers: 8, serviceMs: 25, jitter: 0.1, queueLimit: 1024, rttMs: 30 } as const;
const CAPACITY = (MODEL.workers * 1000) / MODEL.serviceMs;
/** The engine's default breaker: the smallest interval between two probes. */
const BACKOFF_MS = 500;
const FULL_BACKFILL = 428_000;

const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => console.log(`[bench remote] ${line}`);

interface Sandbox {
  readonly wsdlUrl: string;
  control(change: Record<string, number | boolean>): Promise<void>;
  capacity(): Promise<SandboxCapacity>;
  state(): Promise<SandboxState>;
  stop(): void;
}

/** A sandbox process of its own, warmed up at full speed (its JIT), then given the capacity model. */
export async function startSandbox(warmCalls = 3_000): Promise<Sandbox> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/crm-sandbox/bin/serve.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const wsdlUrl = (await new Promise<string>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve))).trim();
  const origin = new URL(wsdlUrl).origin;
  await rawCalls(wsdlUrl, 16, { calls: warmCalls });
  const control = async (change: Record<string, number | boolean>) => {
    const res = await fetch(`${origin}/__sandbox/capacity`, { method: 'POST', body: JSON.stringify(change) });
    if (res.status !== 204) throw new Error(`sandbox capacity: HTTP ${res.status} ${await res.text()}`);
  };
  await control(MODEL);
  return {
    wsdlUrl,
    control,
    capacity: async () => (await (await fetch(`${origin}/__sandbox/capacity`)).json()) as SandboxCapacity,
    state: async () => (await (await fetch(`${origin}/__sandbox/state`)).json()) as SandboxState,
    stop: () => child.kill('SIGTERM'),
  };
}

const VALIDATE =
  '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ValidarCNPJ><usuario>integra.mega</usuario><senha>sandbox</senha><cnpj_empresa>11222333000181</cnpj_empresa></ValidarCNPJ></soap:Body></soap:Envelope>';

/** Bare keep-alive POSTs of a light call, `concurrency` at a time, for a number of calls or a time: calls per second. */
async function rawCalls(wsdlUrl: string, concurrency: number, until: { calls?: number; ms?: number }): Promise<number> {
  const endpoint = wsdlUrl.replace('?wsdl', '');
  const t = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < (until.calls ?? Number.POSITIVE_INFINITY) && performance.now() - t < (until.ms ?? Number.POSITIVE_INFINITY)) {
        sent++;
        await (await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: VALIDATE })).arrayBuffer();
      }
    }),
  );
  return sent / ((performance.now() - t) / 1000);
}

const at = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

interface Phase {
  readonly label: string;
  readonly summary: RunSummary;
  readonly seconds: number;
  /** CPU time of this process (the SDK: capture and delivery) during the run. */
  readonly cpuSeconds: number;
  /** Successful calls: completion time (ms from the run's start) and latency. */
  readonly done: Array<readonly [number, number]>;
  readonly errors: Record<string, number>;
  readonly timeouts: number;
  /** Most calls in flight, per second of the run (the limit once the pool is full). */
  readonly inflightBySecond: number[];
  readonly t0Epoch: number;
  /** A second run on the same store and CRM, for what the first left queued. */
  readonly followUp?: RunSummary;
}

/** One backfill of the demo Mega into a fresh store through `sandbox`; `during(elapsedMs)` may change the model. */
export async function backfill(
  label: string,
  megaDb: Database.Database,
  dir: string,
  sandbox: Sandbox,
  concurrency: SyncEngineOptions['concurrency'],
  events: ReadonlyArray<{ atMs: number; change: Record<string, number | boolean> }> = [],
  followUp = false,
): Promise<Phase> {
  const crm = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...DEMO_CREDENTIALS });
  const storePath = join(dir, `${label.replace(/\W+/g, '-')}.db`);
  const store = new SqliteStore({ path: storePath });
  const base = crmSink(crm);
  const done: Array<readonly [number, number]> = [];
  const errors: Record<string, number> = {};
  const inflightBySecond: number[] = [];
  let inflight = 0;
  let t0 = performance.now();
  const sink: CrmSink = {
    async deliver(record: SyncRecord) {
      const started = performance.now();
      inflight++;
      const second = Math.floor((started - t0) / 1000);
      inflightBySecond[second] = Math.max(inflightBySecond[second] ?? 0, inflight);
      try {
        const receipt = await base.deliver(record);
        const end = performance.now();
        done.push([end - t0, end - started]);
        return receipt;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'OTHER';
        errors[code] = (errors[code] ?? 0) + 1;
        throw error;
      } finally {
        inflight--;
      }
    },
  };
  const engine = new SyncEngine({ source: new MegaSource({ sql: sqliteDriver(megaDb) }), sink, store, ...(concurrency === undefined ? {} : { concurrency }) });
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const t0Epoch = Date.now();
  const timers = events.map(({ atMs, change }) =>
    setTimeout(() => {
      log(`${label}: ${JSON.stringify(change)} at ${(atMs / 1000).toFixed(0)} s`);
      void sandbox.control(change);
    }, atMs),
  );
  const summary = await engine.run({ trigger: `bench remote ${label}` });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  for (const timer of timers) clearTimeout(timer);
  const second = followUp ? await engine.run({ trigger: `bench remote ${label}, follow-up` }) : undefined;
  crm.close();
  await store.close();
  rmSync(storePath, { force: true });
  const phase = {
    label,
    summary,
    seconds,
    cpuSeconds,
    done,
    errors,
    timeouts: errors.TIMEOUT ?? 0,
    inflightBySecond,
    t0Epoch,
    ...(second ? { followUp: second } : {}),
  };
  log(
    `${label}: ${summary.totals.sent} sent in ${seconds.toFixed(1)} s, ${steady(phase).rate.toFixed(0)}/s steady, limit ${summary.concurrency.limit} (${summary.concurrency.mode}), errors ${JSON.stringify(errors)}, SDK CPU ${((cpuSeconds / seconds) * 100).toFixed(0)} % of a core`,
  );
  return phase;
}

/** Throughput and latency between the 5th and the 95th percentile of completions (the limit's ramp and the run's tail left out). */
export function steady(phase: Pick<Phase, 'done'>, from = 0.05, to = 0.95): { rate: number; p50: number; p99: number } {
  const times = phase.done.map(([t]) => t).sort((a, b) => a - b);
  const start = at(times, from);
  const end = at(times, to);
  const window = phase.done.filter(([t]) => t >= start && t <= end);
  const latencies = window.map(([, ms]) => ms).sort((a, b) => a - b);
  return { rate: window.length / ((end - start) / 1000), p50: at(latencies, 0.5), p99: at(latencies, 0.99) };
}

/** Completions per second, second by second. */
export function perSecond(phase: Pick<Phase, 'done'>): number[] {
  const out: number[] = [];
  for (const [t] of phase.done) {
    const s = Math.floor(t / 1000);
    out[s] = (out[s] ?? 0) + 1;
  }
  return Array.from(out, (n) => n ?? 0);
}

export async function runRemote(options: RemoteOptions): Promise<number> {
  const P = options.quick
    ? { records: 2_000, naiveSeconds: 5, halveAtMs: 4_000, halvedRecords: 3_200, downAtMs: 3_000, downMs: 5_000, warmCalls: 500, warmBackfill: false }
    : { records: 20_000, naiveSeconds: 30, halveAtMs: 15_000, halvedRecords: 20_000, downAtMs: 10_000, downMs: 20_000, warmCalls: 3_000, warmBackfill: true };
  if (options.size) P.records = Number(options.size);
  const dir = mkdtempSync(join(tmpdir(), 'mega-crm-bench-remote-'));
  const demo = async (records: number) => {
    const clients = Math.ceil(records / 2.7);
    const path = join(dir, `mega-${clients}.db`);
    await createDemoMegaDatabase(path, { clients, seed: 7 });
    return new Database(path, { readonly: true });
  };
  const megaDb = await demo(P.records);
  const halvedDb = P.halvedRecords === P.records ? megaDb : await demo(P.halvedRecords);
  log(`model: ${MODEL.workers} workers × ${MODEL.serviceMs} ms (±${MODEL.jitter * 100} %), ${MODEL.rttMs} ms round trip: ${CAPACITY} calls/s`);
  const withSandbox = async <T>(work: (sandbox: Sandbox) => Promise<T>): Promise<T> => {
    const sandbox = await startSandbox(P.warmCalls);
    try {
      return await work(sandbox);
    } finally {
      sandbox.stop();
    }
  };

  // The harness's own JIT is warmed by a small backfill first, so the first phase does not pay for it.
  if (P.warmBackfill) {
    const warmDb = await demo(1_000);
    await withSandbox((s) => backfill('warm-up', warmDb, dir, s, undefined));
    warmDb.close();
  }

  // What the model serves on this machine now, saturated by bare POSTs (64 in flight): the nominal
  // capacity needs the sandbox's timers on time, which a loaded machine does not give.
  const ceiling = await withSandbox((s) => rawCalls(s.wsdlUrl, 64, { ms: options.quick ? 3_000 : 10_000 }));
  log(`model, saturated by bare POSTs: ${ceiling.toFixed(0)} calls/s (nominal ${CAPACITY})`);

  // 1. Side by side on the steady model.
  const adaptive = await withSandbox((s) => backfill('adaptive', megaDb, dir, s, undefined));
  const fixed8 = await withSandbox((s) => backfill('fixed 8', megaDb, dir, s, 8));
  // 2. The naive loop, on the CRM fixed 64 just filled (so every record's dependencies are there): one
  // node-soap call per record, in sequence, for a fixed time per entity, in the backfill's mix.
  const { fixed64, naive } = await withSandbox(async (s) => {
    const phase = await backfill('fixed 64', megaDb, dir, s, 64);
    const sentByEntity = Object.fromEntries(Object.entries(adaptive.summary.byEntity).map(([e, c]) => [e, c.sent])) as Record<EntityName, number>;
    const call = await naiveCaller(s.wsdlUrl);
    let calls = 0;
    const t = performance.now();
    for (const [entity, sent] of Object.entries(sentByEntity) as Array<[EntityName, number]>) {
      const until = performance.now() + (P.naiveSeconds * 1000 * sent) / adaptive.summary.totals.sent;
      const source = new MegaSource({ sql: sqliteDriver(megaDb), entities: [entity] });
      for (let cursor: string | null = null; performance.now() < until; ) {
        const page = await source.read(cursor, { limit: 100 });
        for (const item of page.items) {
          if (performance.now() >= until) break;
          if (item.kind !== 'record') continue;
          await call(item.record);
          calls++;
        }
        cursor = page.cursor;
        if (!page.hasMore || page.items.length === 0) break;
      }
    }
    const seconds = (performance.now() - t) / 1000;
    return { fixed64: phase, naive: { calls, seconds, rate: calls / seconds } };
  });
  log(`naive soap loop: ${naive.rate.toFixed(1)}/s (${naive.calls} calls in a ${naive.seconds.toFixed(0)} s time-boxed sample)`);

  // 3. Capacity halved mid-run (8 → 4 workers: 160 calls/s).
  const newCapacity = CAPACITY / 2;
  const halved = await withSandbox((s) =>
    backfill('adaptive, halved', halvedDb, dir, s, undefined, [{ atMs: P.halveAtMs, change: { workers: MODEL.workers / 2 } }]),
  );
  const halvedRates = perSecond(halved);
  const lastFull = Math.floor(
    at(
      halved.done.map(([t]) => t).sort((a, b) => a - b),
      0.95,
    ) / 1000,
  );
  const firstHalf = Math.ceil(P.halveAtMs / 1000);
  // The first second after the change from which the throughput, to the run's tail, is ≥ 0.85 × the new capacity.
  let adaptSeconds = Number.NaN;
  for (let s = firstHalf; s < lastFull; s++) {
    const window = halvedRates.slice(s, lastFull);
    if (window.reduce((a, b) => a + b, 0) / window.length >= 0.85 * newCapacity) {
      adaptSeconds = s - P.halveAtMs / 1000;
      break;
    }
  }
  const afterHalving = steady({ done: halved.done.filter(([t]) => t >= P.halveAtMs + 10_000) }, 0, 0.95);
  log(
    `halved: ≥ 0.85 × ${newCapacity}/s after ${adaptSeconds.toFixed(1)} s; from 10 s after: ${afterHalving.rate.toFixed(0)}/s, p99 ${afterHalving.p99.toFixed(0)} ms`,
  );

  // 4. The CRM down mid-run.
  const down = await withSandbox(async (s) => {
    const phase = await backfill('adaptive, down', megaDb, dir, s, undefined, [{ atMs: P.downAtMs, change: { downForMs: P.downMs } }], true);
    const outage = (await s.capacity()).outages[0];
    const state = await s.state();
    return { phase, outage, state };
  });
  const outage = down.outage;
  const calls = outage ? [...outage.calls].sort((a, b) => a - b) : [];
  // Before the breaker opens (5 failures in a row) the calls already in flight fail too: the first half second; then only probes.
  const burst = calls.filter((t) => t < (outage?.from ?? 0) + 500);
  const probes = calls.filter((t) => t >= (outage?.from ?? 0) + 500);
  const gaps = probes.slice(1).map((t, i) => t - (probes[i] as number));
  const resumeMs = outage?.resumedAt !== undefined && outage.to !== undefined ? outage.resumedAt - outage.to : Number.NaN;
  // Records whose retries ran out while it was down stayed queued (retrying): the next run sends them. Nothing lost, nothing twice.
  const crmRecords = (state: SandboxState) => state.clients.length + state.spouses.length + state.contracts.length + state.occurrences.length;
  const expected = adaptive.summary.totals.sent;
  const downRecords = crmRecords(down.state);
  const downSent = down.phase.summary.totals.sent;
  const followUpSent = down.phase.followUp?.totals.sent ?? 0;
  const rewrites = [...down.state.clients, ...down.state.spouses, ...down.state.contracts, ...down.state.occurrences].filter((r) => r.writes > 1).length;
  log(
    `down ${P.downMs / 1000} s: ${calls.length} calls while down (${burst.length} before the breaker opened, ${probes.length} probes, smallest gap ${gaps.length ? Math.min(...gaps).toFixed(0) : '–'} ms); resumed ${resumeMs.toFixed(0)} ms after it came back; ${downSent} sent, ${down.phase.summary.totals.retrying} left retrying, ${followUpSent} sent by the next run; CRM holds ${downRecords} of ${expected}`,
  );

  const share = steady(adaptive).rate / CAPACITY;
  const adaptiveSteady = steady(adaptive);
  const naiveRatio = adaptiveSteady.rate / naive.rate;
  const timeouts = adaptive.timeouts + halved.timeouts + down.phase.timeouts;
  const floorMs = MODEL.serviceMs + MODEL.rttMs;
  const backfillSeconds = FULL_BACKFILL / adaptiveSteady.rate;
  const targets = {
    capacityShare: share >= 0.9,
    noTimeouts: timeouts === 0,
    p99: adaptiveSteady.p99 <= 2 * floorMs,
    adaptWithin10s: adaptSeconds <= 10,
    oneProbePerBackoff: gaps.every((g) => g >= BACKOFF_MS),
    resumeWithin2s: resumeMs <= 2_000,
    nothingLost: downRecords === expected && downSent + followUpSent === expected,
    naive15x: naiveRatio >= 15,
    notBelowFixed8: adaptiveSteady.rate >= steady(fixed8).rate && adaptive.timeouts <= fixed8.timeouts,
  };
  const summarize = (p: Phase) => ({
    sent: p.summary.totals.sent,
    retrying: p.summary.totals.retrying,
    failed: p.summary.totals.failed,
    seconds: p.seconds,
    cpuSeconds: p.cpuSeconds,
    recordsPerSecond: p.summary.totals.sent / p.seconds,
    steady: steady(p),
    timeouts: p.timeouts,
    errors: p.errors,
    concurrency: p.summary.concurrency,
    breaker: p.summary.breaker,
    perSecond: perSecond(p),
    inflightBySecond: Array.from(p.inflightBySecond, (n) => n ?? 0),
  });
  const remote = {
    date: new Date().toISOString(),
    quick: options.quick,
    machine: { cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    model: MODEL,
    capacity: CAPACITY,
    capacityShare: share,
    /** What the model served saturated by bare POSTs in this run, and adaptive's share of that. */
    modelCeiling: ceiling,
    ceilingShare: adaptiveSteady.rate / ceiling,
    naiveRatio,
    timeouts,
    adaptSeconds,
    downProbes: calls.length,
    resumeMs,
    p99Ms: adaptiveSteady.p99,
    backfill428kSeconds: backfillSeconds,
    targets,
    raw: {
      records: expected,
      adaptive: summarize(adaptive),
      fixed8: summarize(fixed8),
      fixed64: summarize(fixed64),
      naive: { ...naive, timeBoxed: true },
      halved: { ...summarize(halved), atMs: P.halveAtMs, newCapacity, afterTenSeconds: afterHalving },
      down: {
        ...summarize(down.phase),
        atMs: P.downAtMs,
        downMs: P.downMs,
        burst: burst.length,
        probes: probes.length,
        probeGapsMs: gaps,
        resumeMs,
        crmRecords: downRecords,
        expected,
        followUpSent,
        rewrites,
      },
    },
  };

  const f = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const row = (p: Phase) => {
    const s = steady(p);
    return `${f(s.rate)} records/s (${f(s.rate / CAPACITY, 2)} of capacity), p50 ${f(s.p50)} / p99 ${f(s.p99)} ms, ${p.timeouts} timeouts, limit ${p.summary.concurrency.limit}`;
  };
  const rows: Array<[string, string, string]> = [
    ['model, saturated by bare POSTs', `${f(ceiling)} calls/s (nominal ${CAPACITY}): what this machine's load lets the model serve`, ''],
    [
      'adaptive (default)',
      row(adaptive),
      `≥ 0.9 × capacity ${mark(targets.capacityShare)} (${f(adaptiveSteady.rate / ceiling, 2)} of the saturated model); p99 ≤ ${2 * floorMs} ms ${mark(targets.p99)}`,
    ],
    ['fixed 8', row(fixed8), `adaptive/fixed-8 ${f(adaptiveSteady.rate / steady(fixed8).rate, 2)}× (never below: ${mark(targets.notBelowFixed8)})`],
    ['fixed 64', row(fixed64), 'for contrast: queues at the CRM'],
    [
      'naive soap loop, sequential',
      `${f(naive.rate, 1)} records/s (time-boxed sample: ${naive.calls} calls in ${f(naive.seconds)} s)`,
      `adaptive/naive ${f(naiveRatio, 1)}× (≥ 15 ${mark(targets.naive15x)})`,
    ],
    [
      `adaptive, halved at ${P.halveAtMs / 1000} s`,
      `≥ 0.85 × ${newCapacity}/s ${f(adaptSeconds, 0)} s after; then ${f(afterHalving.rate)}/s, p99 ${f(afterHalving.p99)} ms, ${halved.timeouts} timeouts, limit ${halved.summary.concurrency.limit}`,
      `within 10 s ${mark(targets.adaptWithin10s)}`,
    ],
    [
      `adaptive, down ${P.downMs / 1000} s at ${P.downAtMs / 1000} s`,
      `${calls.length} calls while down (${burst.length} in flight when it went, ${probes.length} probes, gaps ≥ ${gaps.length ? f(Math.min(...gaps)) : '–'} ms); resumed ${f(resumeMs)} ms after; waited ${f(down.phase.summary.breaker.waitedMs / 1000, 1)} s`,
      `≤ 1 call per ${BACKOFF_MS} ms ${mark(targets.oneProbePerBackoff)}; resume ≤ 2 s ${mark(targets.resumeWithin2s)}`,
    ],
    [
      'down: records',
      `${downSent} sent, ${down.phase.summary.totals.retrying} left queued and sent by the next run (${followUpSent}); the CRM holds ${downRecords} of ${expected} (${rewrites} written twice by a retry)`,
      `nothing lost ${mark(targets.nothingLost)}`,
    ],
    ['timeouts, adaptive, all phases', String(timeouts), mark(targets.noTimeouts)],
    [
      '428 k-record backfill at this capacity',
      `${f(backfillSeconds / 60, 1)} min (adaptive); fixed 8: ${f(FULL_BACKFILL / steady(fixed8).rate / 60, 1)} min; naive: ${f(FULL_BACKFILL / naive.rate / 3600, 1)} h`,
      '',
    ],
  ];
  console.log(
    `\nmega-crm bench --remote ${options.quick ? '(quick) ' : ''}— ${remote.date}, ${remote.machine.cores} cores, Node ${process.version}; model ${MODEL.workers} workers × ${MODEL.serviceMs} ms + ${MODEL.rttMs} ms RTT = ${CAPACITY} calls/s; ${expected.toLocaleString('en')} records per backfill`,
  );
  for (const [what, figure, note] of rows) console.log(`  ${what.padEnd(38)} ${figure}${note ? `  — ${note}` : ''}`);
  const out = options.out ?? join(root, 'bench/results/latest.json');
  mkdirSync(join(out, '..'), { recursive: true });
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(out, `${JSON.stringify({ ...previous, remote }, null, 2)}\n`);
  console.log(`  results: ${out} (key "remote")`);
  megaDb.close();
  if (halvedDb !== megaDb) halvedDb.close();
  rmSync(dir, { recursive: true, force: true });
  if (options.quick) {
    const gross: string[] = [];
    if (share < 0.7) gross.push(`capacity share ${f(share, 2)} < 0.7`);
    if (naiveRatio < 8) gross.push(`naive ratio ${f(naiveRatio, 1)} < 8`);
    if (!targets.nothingLost) gross.push(`the CRM holds ${downRecords} of ${expected} records after the outage`);
    if (!(resumeMs <= 5_000)) gross.push(`resumed ${f(resumeMs)} ms after the CRM came back (> 5 s)`);
    if (gaps.some((g) => g < BACKOFF_MS / 2)) gross.push('probes closer than half the backoff while the CRM was down');
    if (gross.length > 0) {
      console.error(`gross regression: ${gross.join('; ')}`);
      return 1;
    }
    console.log('  quick gates: ok (capacity share ≥ 0.7, naive ratio ≥ 8, nothing lost in the outage, resumed ≤ 5 s, probes spaced)');
  }
  return 0;
}
