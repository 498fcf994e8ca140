/**
 * The pre-sales bench's Vimob sandbox, in its own process (as the CRM sandbox is), so its cost — the
 * Vimob API the gateway calls and the load generator that signs and fires the webhooks — is not
 * counted as the webhook's. Prints `{ gatewayOptions }` on stdout's first line, then answers one
 * JSON line per command read from stdin:
 *   { "cmd": "webhook", "url" }            → deliveries go to the webhook at `url`
 *   { "cmd": "open", "from", "to" }        → proposals PPS-i of prospects PRO-i (pushed already)
 *   { "cmd": "run", "from", "to", "steps", "concurrency" } → each proposal through the statuses `steps`,
 *                                            `concurrency` proposals at once; answers { refused }
 * Stops on SIGTERM. Usage: presales-vimob.ts
 */
import { createInterface } from 'node:readline';
import { VimobSandbox } from '@mega-crm/vimob-sandbox';
import { WEBHOOK_SECRET } from '../src/presales-wiring.js';

type Command =
  | { cmd: 'webhook'; url: string }
  | { cmd: 'open'; from: number; to: number }
  | { cmd: 'run'; from: number; to: number; steps: string[]; concurrency: number };

const sandbox = await new VimobSandbox({ webhookSecret: WEBHOOK_SECRET }).start();
process.on('SIGTERM', () => void sandbox.stop().then(() => process.exit(0)));
console.log(JSON.stringify({ gatewayOptions: sandbox.gatewayOptions }));

async function run(from: number, to: number, steps: readonly string[], concurrency: number): Promise<number> {
  let next = from;
  let refused = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < to; i = next++) for (const status of steps) if (!(await sandbox.advance(`PPS-${i}`, status)).applied) refused++;
    }),
  );
  return refused;
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === 'webhook') sandbox.setWebhook(command.url);
  else if (command.cmd === 'open')
    for (let i = command.from; i < command.to; i++) sandbox.vimob.openProposal({ id: `PPS-${i}`, prospectId: `PRO-${i}`, unit: `Apto ${i}` });
  if (command.cmd === 'run') console.log(JSON.stringify({ refused: await run(command.from, command.to, command.steps, command.concurrency) }));
  else console.log(JSON.stringify({ ok: true }));
}
await sandbox.stop();
