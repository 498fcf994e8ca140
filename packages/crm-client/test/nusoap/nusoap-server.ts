/**
 * A real NuSOAP server for contract tests: the system's NuSOAP 0.9.5 (Debian `libnusoap-php`),
 * copied to a temporary folder with its PHP-4 constructors forwarded to `__construct` (PHP 8 no longer
 * calls them), serving service.php with `php -S`. NuSOAP's code is never committed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTH_PARTS, SERVICE_DEFAULTS } from '../../src/profile/profile.js';
import { type CrmProfileOverrides, resolveProfile } from '../../src/profile/runtime.js';

const SYSTEM_NUSOAP = '/usr/share/php/nusoap/nusoap.php';
const SERVICE = fileURLToPath(new URL('./service.php', import.meta.url));

/** Why the NuSOAP contract suite cannot run here, or undefined when it can. */
export function nusoapMissing(): string | undefined {
  let modules: string;
  try {
    modules = execFileSync('php', ['-m'], { encoding: 'utf8', timeout: 10_000 });
  } catch {
    return 'PHP is not installed (apt-get install -y libnusoap-php php-cli php-xml php-mbstring; .ci/run does it)';
  }
  const lacking = ['xml', 'mbstring'].filter((m) => !new RegExp(`^${m}$`, 'm').test(modules));
  if (lacking.length > 0) return `PHP lacks ${lacking.join(', ')} (apt-get install -y php-xml php-mbstring)`;
  if (!existsSync(SYSTEM_NUSOAP)) return `NuSOAP is not installed at ${SYSTEM_NUSOAP} (apt-get install -y libnusoap-php)`;
  return undefined;
}

/** NuSOAP with each PHP-4 constructor (a method named like its class) forwarded from `__construct`. */
export function patchedNusoap(source: string): string {
  const classes = new Set([...source.matchAll(/^\s*class\s+(\w+)/gm)].map((m) => m[1] as string));
  return source.replace(/^(\s*)function\s+(\w+)\s*\(/gm, (whole, indent: string, name: string) =>
    classes.has(name) && !source.includes(`class ${name} extends ${name}`)
      ? `${indent}function __construct(...$args) { $this->${name}(...$args); }\n${whole}`
      : whole,
  );
}

export interface NusoapServer {
  readonly wsdlUrl: string;
  /** Every call's arguments as NuSOAP decoded them (back in UTF-8), oldest first. */
  calls(): Array<{ operation: string; params: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** NuSOAP serving the profile's operations; with `overrides`, a CRM under those live names (its own WSDL generation). */
export async function startNusoap(
  encoding: 'ISO-8859-1' | 'UTF-8',
  overrides: CrmProfileOverrides = {},
  /** Operations whose own parts (after authentication) NuSOAP registers in reverse order. */
  reversed: readonly string[] = [],
): Promise<NusoapServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nusoap-'));
  writeFileSync(join(dir, 'nusoap.php'), patchedNusoap(readFileSync(SYSTEM_NUSOAP, 'latin1')), 'latin1');
  copyFileSync(SERVICE, join(dir, 'service.php'));
  const live = resolveProfile(overrides);
  const operations = Object.values(live.operations);
  const arrays = new Set<string>();
  for (const s of live.structs) for (const { type: t } of s.fields) if (typeof t !== 'string') arrays.add(t.arrayOf);
  for (const op of operations) for (const { type: t } of op.input) if (typeof t !== 'string' && 'arrayOf' in t) arrays.add(t.arrayOf);
  const profile = {
    service: SERVICE_DEFAULTS.serviceName,
    auth: operations[0]?.input.slice(0, AUTH_PARTS.length).map((p) => p.name),
    // Each struct with its live fields, and default → live field names for the answers service.php builds.
    structs: live.structs.map((s) => ({
      name: s.name,
      source: s.source,
      fields: s.fields.map((f) => [f.name, f.type]),
      live: Object.fromEntries(s.fields.map((f) => [f.source, f.name])),
    })),
    arrays: [...arrays],
    operations: operations.map((op) => ({
      name: op.name,
      doc: op.doc,
      input: (reversed.includes(op.name) ? [...op.input].reverse() : op.input)
        .slice(reversed.includes(op.name) ? 0 : AUTH_PARTS.length, reversed.includes(op.name) ? -AUTH_PARTS.length : undefined)
        .map((p) => [p.name, p.type]),
      output: op.output,
      outputSource: op.outputSource,
      response: op.response,
    })),
  };
  writeFileSync(join(dir, 'profile.json'), JSON.stringify(profile));
  const port = await freePort();
  const php: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, join(dir, 'service.php')], {
    cwd: dir,
    env: { ...process.env, NUSOAP_ENCODING: encoding },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  const wsdlUrl = `${base}/cliente/webservices/index.php?wsdl`;
  await waitFor(wsdlUrl);
  return {
    wsdlUrl,
    calls: () => {
      const file = join(dir, 'calls.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { operation: string; params: Record<string, unknown> });
    },
    stop: async () => {
      php.kill();
      await new Promise((resolve) => (php.exitCode === null ? php.once('exit', resolve) : resolve(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`NuSOAP did not answer at ${url}: ${last}`);
}
