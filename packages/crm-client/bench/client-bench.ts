/**
 * Client cost per call, in one run, against one sandbox running in a child process (so only the
 * client's CPU is counted here): this SDK's CrmClient, node-soap with its default (axios)
 * transport, and raw keep-alive HTTP POSTs of the same envelope (the ceiling).
 * Usage: pnpm --filter @mega-crm/crm-client bench [--calls 4000] [--concurrency 8]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@mega-crm/core';
import { completeCpf } from '@mega-crm/core/internal';
import * as soap from 'soap';
import { CrmClient, type HttpClient, HttpTransport } from '../src/index.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' } },
});
const CALLS = Number(values.calls);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const CREDS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' };

const cpf = (i: number) => completeCpf(String(100_000_000 + i));
const client = (i: number): Client => ({
  key: `1-1-${i}`,
  personType: 'F',
  name: 'João Conceição',
  document: cpf(i),
  emails: ['joao@exemplo.com.br'],
  phones: ['11987654321'],
  address: { street: 'Rua São João', city: 'São Paulo', state: 'SP', zip: '01001000' },
  maritalStatus: 'single',
});

async function startSandbox(): Promise<{ child: ChildProcess; wsdlUrl: string }> {
  const script = fileURLToPath(new URL('../../crm-sandbox/bin/serve.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve));
  return { child, wsdlUrl: first.trim() };
}

interface Sample {
  readonly callsPerSec: number;
  readonly cpuUsPerCall: number;
}

async function measure(call: (i: number) => Promise<unknown>, calls: number): Promise<Sample> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) await call(next++);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { callsPerSec: Math.round(calls / seconds), cpuUsPerCall: Math.round((cpu.user + cpu.system) / calls) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const { child, wsdlUrl } = await startSandbox();
try {
  const sdk = await CrmClient.connect({ wsdlUrl, ...CREDS });
  const naive = await soap.createClientAsync(wsdlUrl);
  const naiveArgs = (i: number) => ({
    usuario: CREDS.user,
    senha: CREDS.password,
    conexao_aberta_por: CREDS.openedBy,
    conexao_aberta_para: CREDS.openedFor,
    cnpj_empresa: CREDS.cnpj,
    id_integracao: `1-1-${i}`,
    tipo_pessoa: 'F',
    nome: 'João Conceição',
    cpf_cnpj: cpf(i),
  });
  // The exact envelope the SDK sends, for the ceiling to POST.
  let envelope = '';
  const transport = new HttpTransport({ timeoutMs: 15_007, maxSockets: 1 });
  const recorder: HttpClient = {
    send: (url, body, headers) => {
      if (body) envelope = body;
      return transport.send(url, body, headers);
    },
  };
  const capture = await CrmClient.connect({ wsdlUrl, ...CREDS, httpClient: recorder });
  await capture.upsertClient(client(0));
  transport.close();
  const endpoint = new URL(wsdlUrl.replace('?wsdl', ''));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const body = Buffer.from(envelope);
  const raw = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        endpoint,
        { method: 'POST', agent, headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length } },
        (res) => {
          res.on('data', () => {});
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const cases: Array<[string, (i: number) => Promise<unknown>]> = [
    ['mega-crm CrmClient', (i) => sdk.upsertClient(client(i))],
    ['node-soap, default transport', (i) => naive.IncluirAlterarClienteAsync(naiveArgs(i))],
    ['raw keep-alive HTTP POST (ceiling)', raw],
  ];
  // Warm up the JIT on both sides (the sandbox's speed changes the client's wake-ups per call).
  for (const [, call] of cases) await measure(call, 1500);
  const samples = new Map<string, Sample[]>(cases.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [name, call] of cases) samples.get(name)?.push(await measure(call, CALLS));
  const results = cases.map(([name]) => {
    const list = samples.get(name) ?? [];
    return { name, callsPerSec: median(list.map((s) => s.callsPerSec)), cpuUsPerCall: median(list.map((s) => s.cpuUsPerCall)) };
  });

  console.log(`\n${CALLS} calls × ${ROUNDS} rounds (medians), ${CONCURRENCY} in flight, sandbox in a child process, Node ${process.version}`);
  console.log(`${'client'.padEnd(38)} ${'calls/s'.padStart(9)} ${'CPU µs/call'.padStart(12)}`);
  for (const r of results) console.log(`${r.name.padEnd(38)} ${String(r.callsPerSec).padStart(9)} ${String(r.cpuUsPerCall).padStart(12)}`);
  sdk.close();
  agent.destroy();
} finally {
  child.kill('SIGTERM');
}
