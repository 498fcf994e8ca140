/**
 * `pnpm demo`: builds the demo Mega database, starts the local CRM sandbox on a free port, runs one
 * sync with progress (one updating line on a terminal, a line every few seconds otherwise), prints the
 * summary and the next step, and exits 0 when the run completed.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary } from '@mega-crm/core';
import { MegaSource } from '@mega-crm/mega-mapper';
import { sqliteDriver } from '@mega-crm/mega-mapper/sqlite';
import { dataReport, formatDataReport } from './demo-report.js';
import { progressReporter } from './progress.js';
import { createDemoEnvironment } from './wiring.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    dir: { type: 'string', default: join(tmpdir(), 'mega-crm-demo') },
    // Adds ≥ 5 % dirty rows of each kind (invalid e-mails, glued DDDs, CPFs without their leading zero…).
    dirty: { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 1) {
  console.error(`--clients must be a positive integer, got "${values.clients}"`);
  process.exit(2);
}

rmSync(values.dir, { recursive: true, force: true });
const progress = progressReporter(process.stdout);
console.log(
  `mega-crm demo: ${clients} Mega clients${values.dirty ? ' (≥ 5 % dirty rows of each kind)' : ''} → local CRM sandbox (a reconstruction of WebServicesMultidados)`,
);
const env = await createDemoEnvironment({
  dir: values.dir,
  clients,
  ...(values.dirty ? { demo: { dirtyShare: 0.05 } } : {}),
  onProgress: progress.update,
});
try {
  console.log(`sandbox WSDL: ${env.sandbox.wsdlUrl}`);
  const first = await env.engine.run({ trigger: 'demo' });
  progress.end();
  console.log(formatSummary(first));
  if (values.dirty) console.log(formatDataReport(await dataReport(new MegaSource({ sql: sqliteDriver(env.mega) }))));
  const second = await env.engine.run({ trigger: 'demo (again, nothing changed)' });
  progress.end();
  console.log(formatSummary(second));
  console.log(`CRM sandbox holds ${env.sandbox.state().clients.length} clients after ${env.sandbox.state().requests} requests.`);
  console.log('Next: connect your own Mega and CRM as in examples/src/wiring.ts and the README\'s "Use" section (or try pnpm demo --clients 20000).');
  process.exitCode = first.outcome === 'completed' && second.outcome === 'completed' ? 0 : 1;
} finally {
  await env.close();
}
