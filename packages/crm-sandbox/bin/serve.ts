/**
 * Starts a CRM sandbox and prints its WSDL URL on the first line of stdout; stops on SIGTERM/SIGINT.
 * Used by benchmarks to keep the server's CPU out of the client's process; with --profile, it plays a
 * CRM under other names (a JSON file holding the `profile` overrides CrmClient.connect takes).
 * Usage: tsx packages/crm-sandbox/bin/serve.ts [--port 0] [--encoding ISO-8859-1|UTF-8] [--profile profile.json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CrmSandbox } from '../src/index.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, encoding: { type: 'string', default: 'ISO-8859-1' }, profile: { type: 'string' } },
});
const profile = values.profile ? JSON.parse(readFileSync(values.profile, 'utf8')) : undefined;
const sandbox = await new CrmSandbox({ encoding: values.encoding === 'UTF-8' ? 'UTF-8' : 'ISO-8859-1', ...(profile ? { profile } : {}) }).start(
  Number(values.port),
);
console.log(sandbox.wsdlUrl);
const stop = () => void sandbox.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
