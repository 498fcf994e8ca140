/**
 * Pre-sales webhook bench (`pnpm bench` runs it after the sync bench; alone: `pnpm --filter
 * @mega-crm/examples bench:presales [--quick]`): proposal status events fired by the Vimob sandbox,
 * signed, over loopback, at the webhook on node:http, each turned into a narrative on the CRM
 * sandbox (SOAP), the gated ones also checked against the CRM's BPO step and reported to Vimob.
 * Prints events/s end to end and the handler's latency percentiles (DESIGN.md §5: ≥ 1,000 events/s,
 * p99 ≤ 50 ms). `--quick` fails only on a gross regression (< 200 events/s, p99 > 250 ms, or an
 * event not applied exactly once).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { completeCpf } from '@mega-crm/core';
import { CrmClient } from '@mega-crm/crm-client';
import { createWebhookHandler, HttpVimobGateway, Presales, NATIVE_STATUSES as S, type WebhookHandler } from '@mega-crm/vimob-adapter';
import { VimobSandbox } from '@mega-crm/vimob-sandbox';
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

// The CRM sandbox runs in its own process; the Vimob sandbox (the load generator) and the webhook here.
const crmProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./presales-crm.ts', import.meta.url)), String(proposals)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const wsdlUrl = await new Promise<string>((resolve) => createInterface({ input: crmProcess.stdout as NodeJS.ReadableStream }).once('line', resolve));
const crm = await CrmClient.connect({ wsdlUrl, ...DEMO_CREDENTIALS });
const vimobSandbox = await new VimobSandbox({ webhookSecret: WEBHOOK_SECRET }).start();
const presales = new Presales({ crm, vimob: new HttpVimobGateway(vimobSandbox.gatewayOptions), statuses: COMPANY_STATUSES });
const mount = await mountOnNodeHttp(timed(createWebhookHandler(presales, { secret: WEBHOOK_SECRET })));
vimobSandbox.setWebhook(mount.url);
try {
  // Setup (not measured): prospects in the CRM and in Vimob, one proposal each.
  for (let i = 0; i < proposals; i++) {
    const key = `PRO-${i}`;
    const prospect = { key, name: `Prospect ${i}`, document: completeCpf(String(100_000_000 + i * 7)) };
    await crm.upsertProspect(prospect);
    await presales.pushProspect(prospect);
    vimobSandbox.vimob.openProposal({ id: `PPS-${i}`, prospectId: key, unit: `Apto ${i}` });
  }
  // Warm-up on a few proposals (JIT, sockets), then the measured run on the rest.
  const warm = Math.min(20, Math.floor(proposals / 10));
  const run = async (from: number, to: number) => {
    let next = from;
    let refused = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < to; i = next++) for (const status of STEPS) if (!(await vimobSandbox.advance(`PPS-${i}`, status)).applied) refused++;
      }),
    );
    return refused;
  };
  await run(0, warm);
  handlerMs.length = 0;
  const started = performance.now();
  const refused = await run(warm, proposals);
  const seconds = (performance.now() - started) / 1000;
  const events = (proposals - warm) * STEPS.length;
  const sorted = [...handlerMs].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  const rate = events / seconds;
  const state = (await (await fetch(new URL('/__sandbox/state', wsdlUrl))).json()) as { occurrences: Array<{ narratives: unknown[] }> };
  const narratives = state.occurrences.reduce((n, o) => n + o.narratives.length, 0);
  console.log(
    `  ${'pre-sales webhook, end to end'.padEnd(42)} ${rate.toFixed(0)} events/s (${events} events, ${concurrency} proposals in flight) · handler p50 ${pct(50).toFixed(1)} / p99 ${pct(99).toFixed(1)} ms  — target ≥ 1,000 events/s, p99 ≤ 50 ms`,
  );
  const gross: string[] = [];
  if (refused > 0) gross.push(`${refused} events refused`);
  if (narratives !== proposals * STEPS.length) gross.push(`${narratives} narratives for ${proposals * STEPS.length} events`);
  if (values.quick && rate < 200) gross.push(`${rate.toFixed(0)} events/s < 200`);
  if (values.quick && pct(99) > 250) gross.push(`handler p99 ${pct(99).toFixed(0)} ms > 250 ms`);
  if (gross.length > 0) {
    console.error(`pre-sales bench: gross regression: ${gross.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await mount.close();
  crm.close();
  await vimobSandbox.stop();
  crmProcess.kill('SIGTERM');
}
