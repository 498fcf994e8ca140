/**
 * CPU per call of HttpTransport alone (no SOAP encoding/parsing): the default path and the node:http
 * path (a host-given agent), and undici's stream API for reference; 8 calls at once against a sandbox in a child process.
 * Usage: tsx --tsconfig ../../tsconfig.json bench/transport-cpu.ts [--calls 4000] [--rounds 3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { decodeResponse, HttpTransport } from '../src/transport.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '3' } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = 8;

const script = fileURLToPath(new URL('../../crm-sandbox/bin/serve.ts', import.meta.url));
const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
const wsdlUrl = (await new Promise<string>((r) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', r))).trim();
const endpoint = wsdlUrl.replace('?wsdl', '');
const envelope =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><IncluirAlterarCliente><usuario>integra.mega</usuario><senha>sandbox</senha><id_integracao>1-1-1</id_integracao><nome>João</nome></IncluirAlterarCliente></soap:Body></soap:Envelope>';
const headers = { SOAPAction: '"urn:WebServicesMultidados#IncluirAlterarCliente"' };

async function measure(call: () => Promise<unknown>, calls: number): Promise<number> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

const lean = new HttpTransport({ timeoutMs: 15_000, maxSockets: CONCURRENCY });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const viaAgent = new HttpTransport({ timeoutMs: 15_000, maxSockets: CONCURRENCY, agent });
// undici's stream API with the same bounds (deadline signal, running byte count): why the transport uses its dispatch handler.
const pool = new Pool(new URL(endpoint).origin, { connections: CONCURRENCY });
const url = new URL(endpoint);
const bareUndici = async () => {
  const body = Buffer.from(envelope, 'utf8');
  const res = await pool.request({
    path: `${url.pathname}${url.search}`,
    method: 'POST',
    headers: { Accept: 'text/xml, application/xml, */*', 'Content-Type': 'text/xml; charset=utf-8', ...headers },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > 10_000_000) throw new Error('too large');
    chunks.push(chunk);
  }
  return decodeResponse(Buffer.concat(chunks), res.headers['content-type'] as string, 'auto');
};
const cases: Array<[string, () => Promise<unknown>]> = [
  ['HttpTransport (default: undici dispatch)', () => lean.send(endpoint, envelope, headers)],
  ['HttpTransport (node:http agent)', () => viaAgent.send(endpoint, envelope, headers)],
  ['undici Pool.request + body stream', bareUndici],
];
for (const [, call] of cases) await measure(call, 1500);
const results = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) for (const [name, call] of cases) results.set(name, [...(results.get(name) ?? []), await measure(call, CALLS)]);
console.log(`${CALLS} calls × ${ROUNDS} rounds, ${CONCURRENCY} in flight, Node ${process.version}; median CPU µs/call`);
for (const [name, xs] of results)
  console.log(`${name.padEnd(44)} ${Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number)}  (${xs.map(Math.round).join(', ')})`);
lean.close();
viaAgent.close();
agent.destroy();
await pool.close();
child.kill('SIGTERM');
