/**
 * Pre-sales webhook bench (`pnpm bench` runs it after the sync bench; alone: `pnpm --filter
 * @mega-crm/examples bench:presales [--quick]`): proposal status events fired by the Vimob sandbox,
 * signed, over loopback, at the webhook on node:http, each turned into a narrative on the CRM
 * sandbox (SOAP), the gated ones also checked against the CRM's BPO step and reported to Vimob.
 * Each sandbox runs in its own process: the CPU line shows the webhook's cost apart from theirs.
 * Prints events/s end to end and the handler's latency percentiles (DESIGN.md §5: ≥ 1,000 events/s,
 * p99 ≤ 50 ms). `--quick` fails only on a gross regression (< 50 events/s, p99 > 1 s, or an
 * event not applied exactly once).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { completeCpf } from '@mega-crm/core/internal';
import { CrmClient } from '@mega-crm/crm-client';
import {
  createWebhookHandler,
  HttpVimobGateway,
  Presales,
  type PresalesCrm,
  NATIVE_STATUSES as S,
  signWebhook,
  toWireEvent,
  type WebhookHandler,
} from '@mega-crm/vimob-adapter';
import { InMemoryVimob } from '@mega-crm/vimob-adapter/testing';
import { COMPANY_STATUSES, mountOnNodeHttp, WEBHOOK_SECRET } from '../src/presales-wiring.js';
import { DEMO_CREDENTIALS } from '../src/wiring.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, proposals: { type: 'string' }, concurrency: { type: 'string' } } });
const proposals = Number(values.proposals ?? (values.quick ? 300 : 2_000));
const concurrency = Number(values.concurrency ?? 16);
const STEPS = [S.inserted, S.reserved, S.approved] as const;

const handlerMs: number[] = [];
const timed =
  (handler: WebhookHandler): WebhookHandler =>
  async (request) => {
    const started = performance.now();
    try {
      return await handler(request);
    } finally {
      handlerMs.push(performance.now() - started);
    }
  };

// The CRM sandbox and the Vimob sandbox (with the load generator) run in processes of their own, so the
// webhook process holds only what a host runs: node:http, the handler, the CRM client and the gateway.
const crmProcess = helper('presales-crm.ts', [String(proposals)]);
const vimobProcess = helper('presales-vimob.ts', []);
const wsdlUrl = await crmProcess.line();
const { gatewayOptions } = JSON.parse(await vimobProcess.line()) as { gatewayOptions: { baseUrl: string; token: string; company: string } };
const vimob = async (command: Record<string, unknown>) => {
  vimobProcess.child.stdin?.write(`${JSON.stringify(command)}\n`);
  return JSON.parse(await vimobProcess.line()) as { refused?: number };
};
const crm = await CrmClient.connect({ wsdlUrl, ...DEMO_CREDENTIALS });
const presales = new Presales({ crm, vimob: new HttpVimobGateway(gatewayOptions), statuses: COMPANY_STATUSES });
const mount = await mountOnNodeHttp(timed(createWebhookHandler(presales, { secret: WEBHOOK_SECRET })));
await vimob({ cmd: 'webhook', url: mount.url });
try {
  // Setup (not measured): prospects in the CRM and in Vimob, one proposal each.
  for (let i = 0; i < proposals; i++) {
    const key = `PRO-${i}`;
    const prospect = { key, name: `Prospect ${i}`, document: completeCpf(String(100_000_000 + i * 7)) };
    await crm.upsertProspect(prospect);
    await presales.pushProspect(prospect);
  }
  await vimob({ cmd: 'open', from: 0, to: proposals });
  // Warm-up on a few proposals (JIT, sockets), then the measured run on the rest.
  const warm = Math.min(20, Math.floor(proposals / 10));
  const run = async (from: number, to: number) => (await vimob({ cmd: 'run', from, to, steps: STEPS, concurrency })).refused ?? 0;
  await run(0, warm);
  handlerMs.length = 0;
  const started = performance.now();
  const cpuBefore = { self: process.cpuUsage(), crm: childCpuMs(crmProcess.child.pid), vimob: childCpuMs(vimobProcess.child.pid) };
  const profile = await startProfile();
  const refused = await run(warm, proposals);
  const seconds = (performance.now() - started) / 1000;
  await profile?.();
  const selfCpu = process.cpuUsage(cpuBefore.self);
  const events = (proposals - warm) * STEPS.length;
  const cpuPerEvent = {
    webhook: (selfCpu.user + selfCpu.system) / events,
    webhookKernel: selfCpu.system / events,
    crm: ((childCpuMs(crmProcess.child.pid) - cpuBefore.crm) * 1000) / events,
    vimob: ((childCpuMs(vimobProcess.child.pid) - cpuBefore.vimob) * 1000) / events,
  };
  const sorted = [...handlerMs].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  const rate = events / seconds;
  const state = (await (await fetch(new URL('/__sandbox/state', wsdlUrl))).json()) as { occurrences: Array<{ narratives: unknown[] }> };
  const narratives = state.occurrences.reduce((n, o) => n + o.narratives.length, 0);
  console.log(
    `  ${'pre-sales webhook, end to end'.padEnd(42)} ${rate.toFixed(0)} events/s (${events} events, ${concurrency} proposals in flight) · handler p50 ${pct(50).toFixed(1)} / p99 ${pct(99).toFixed(1)} ms  — target ≥ 1,000 events/s, p99 ≤ 50 ms`,
  );
  console.log(
    `  ${'pre-sales webhook, CPU per event'.padEnd(42)} ${cpuPerEvent.webhook.toFixed(0)} µs in the webhook process (node:http, handler, CRM client, gateway; ${cpuPerEvent.webhookKernel.toFixed(0)} µs of it in the kernel, loopback sockets) · sandboxes: ${cpuPerEvent.vimob.toFixed(0)} µs Vimob (API and load generator) + ${cpuPerEvent.crm.toFixed(0)} µs CRM`,
  );
  const gross: string[] = [];
  if (refused > 0) gross.push(`${refused} events refused`);
  if (narratives !== proposals * STEPS.length) gross.push(`${narratives} narratives for ${proposals * STEPS.length} events`);
  if (values.quick && rate < 50) gross.push(`${rate.toFixed(0)} events/s < 50`);
  if (values.quick && pct(99) > 1000) gross.push(`handler p99 ${pct(99).toFixed(0)} ms > 1 s`);
  if (gross.length > 0) {
    console.error(`pre-sales bench: gross regression: ${gross.join('; ')}`);
    process.exitCode = 1;
  }
  console.log(`  ${'pre-sales webhook, handler alone'.padEnd(42)} ${await handlerAloneRun()}`);
} finally {
  await mount.close();
  crm.close();
  crmProcess.child.kill('SIGTERM');
  vimobProcess.child.kill('SIGTERM');
}

/**
 * With PRESALES_CPU_PROFILE=<file>: a V8 CPU profile of the webhook process over the measured run only
 * (setup and warm-up left out), for Chrome DevTools or `node --cpu-prof` tooling. Returns the stop.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.PRESALES_CPU_PROFILE;
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** A helper script of this folder in its own process, and its stdout line by line. */
function helper(script: string, args: string[]): { child: ChildProcess; line(): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${script}`, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  return { child, line: () => new Promise((resolve) => (lines.length > 0 ? resolve(lines.shift() as string) : waiting.push(resolve))) };
}

/**
 * The SDK's own cost per event: the handler called directly (signature check, zod, ordering,
 * idempotency, gate) on the in-memory Vimob and a CRM that answers at once, so no HTTP leg and no
 * sandbox count. Bodies are signed up front (signing is Vimob's work), and a first pass warms the JIT.
 */
async function handlerAloneRun(): Promise<string> {
  const ok = async () => ({ crmId: '1', message: 'OK' });
  const crmStub = {
    upsertProspect: ok,
    upsertClient: ok,
    addNarrative: ok,
    closeOccurrence: ok,
    prospectMainOccurrence: async (key: string) => ({ occurrenceKey: `${key}-OC`, crmId: '1', status: 'open' as const }),
    bpoStatus: async (occurrenceKey: string, step: string) => ({ occurrenceKey, step, state: 'concluded' as const }),
  } satisfies PresalesCrm;
  const pass = async (count: number) => {
    const vimob = new InMemoryVimob();
    const handler = createWebhookHandler(new Presales({ crm: crmStub, vimob, statuses: COMPANY_STATUSES }), { secret: WEBHOOK_SECRET });
    const requests: Array<{ body: string; headers: Record<string, string> }> = [];
    for (let i = 0; i < count; i++) {
      vimob.registerProspect({ id: `P${i}`, name: `Prospect ${i}`, document: completeCpf(String(100_000_000 + i * 7)) });
      vimob.openProposal({ id: `PP${i}`, prospectId: `P${i}`, crmOccurrence: `P${i}-OC` });
      for (const status of STEPS) {
        const body = JSON.stringify(toWireEvent(vimob.changeStatus(`PP${i}`, status)));
        requests.push({ body, headers: signWebhook(WEBHOOK_SECRET, body) });
      }
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const { body, headers } of requests) {
      const res = await handler({ method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`handler alone: ${res.body}`);
    }
    const used = process.cpuUsage(cpu);
    return { events: requests.length, ms: performance.now() - started, cpuUs: used.user + used.system };
  };
  await pass(Math.min(proposals, 500));
  const { events, ms, cpuUs } = await pass(proposals);
  return `${(events / (ms / 1000)).toFixed(0)} events/s (${(cpuUs / events).toFixed(0)} µs of CPU per event, sequential, after a warm-up pass)`;
}

/** CPU time (user + system) a child process has used so far, in ms, from /proc (Linux); 0 elsewhere. */
function childCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}
