/**
 * Starts a CRM sandbox and prints its WSDL URL on the first line of stdout; stops on SIGTERM/SIGINT.
 * Used by benchmarks to keep the server's CPU out of the client's process; with --profile, it plays a
 * CRM under other names (a JSON file holding the `profile` overrides CrmClient.connect takes).
 * Usage: tsx packages/crm-sandbox/bin/serve.ts [--port 0] [--encoding ISO-8859-1|UTF-8] [--profile profile.json]
 *   [--workers N --service-ms MS [--jitter 0.1] [--queue 1024] [--rtt-ms MS]]   (a capacity model of a real CRM)
 * The model changes at run time over HTTP: POST /__sandbox/capacity {"workers":4} or {"downForMs":20000}.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CapacityOptions, CrmSandbox } from '../src/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    encoding: { type: 'string', default: 'ISO-8859-1' },
    profile: { type: 'string' },
    workers: { type: 'string' },
    'service-ms': { type: 'string' },
    jitter: { type: 'string' },
    queue: { type: 'string' },
    'rtt-ms': { type: 'string' },
  },
});
const number = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`--${name} must be a number, got ${v}`);
  return n;
};
const workers = number('workers', values.workers);
const capacity: CapacityOptions | undefined =
  workers === undefined
    ? undefined
    : {
        workers,
        serviceMs: number('service-ms', values['service-ms']) ?? 25,
        ...(values.jitter === undefined ? {} : { jitter: number('jitter', values.jitter) as number }),
        ...(values.queue === undefined ? {} : { queueLimit: number('queue', values.queue) as number }),
        ...(values['rtt-ms'] === undefined ? {} : { rttMs: number('rtt-ms', values['rtt-ms']) as number }),
      };
const profile = values.profile ? JSON.parse(readFileSync(values.profile, 'utf8')) : undefined;
const sandbox = await new CrmSandbox({
  encoding: values.encoding === 'UTF-8' ? 'UTF-8' : 'ISO-8859-1',
  ...(profile ? { profile } : {}),
  ...(capacity ? { capacity } : {}),
}).start(Number(values.port));
console.log(sandbox.wsdlUrl);
const stop = () => void sandbox.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
