/**
 * `pnpm demo`: builds the demo Mega database, starts the local CRM sandbox on a free port, runs one
 * sync with a progress line, prints the summary, and exits 0 when the run completed.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary } from '@mega-crm/core';
import { MegaSource, sqliteDriver } from '@mega-crm/mega-mapper';
import { dataReport, formatDataReport } from './demo-report.js';
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
let lastLine = '';
console.log(
  `mega-crm demo: ${clients} Mega clients${values.dirty ? ' (≥ 5 % dirty rows of each kind)' : ''} → local CRM sandbox (a reconstruction of WebServicesMultidados)`,
);
const env = await createDemoEnvironment({
  dir: values.dir,
  clients,
  ...(values.dirty ? { demo: { dirtyShare: 0.05 } } : {}),
  onProgress: (p) => {
    const line = p.phase === 'capture' ? `reading Mega: ${p.processed} records` : `sending to CRM: ${p.processed}/${p.total ?? '?'}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(60)}`);
    else if (line !== lastLine && (p.processed % 500 === 0 || p.processed === p.total)) console.log(line);
    lastLine = line;
  },
});
try {
  console.log(`sandbox WSDL: ${env.sandbox.wsdlUrl}`);
  const first = await env.engine.run({ trigger: 'demo' });
  if (process.stdout.isTTY) process.stdout.write('\n');
  console.log(formatSummary(first));
  if (values.dirty) console.log(formatDataReport(await dataReport(new MegaSource({ sql: sqliteDriver(env.mega) }))));
  const second = await env.engine.run({ trigger: 'demo (again, nothing changed)' });
  console.log(formatSummary(second));
  console.log(`CRM sandbox holds ${env.sandbox.state().clients.length} clients after ${env.sandbox.state().requests} requests.`);
  process.exitCode = first.outcome === 'completed' && second.outcome === 'completed' ? 0 : 1;
} finally {
  await env.close();
}
