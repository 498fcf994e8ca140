import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrmSandbox, type CrmSandboxOptions } from '@mega-crm/crm-sandbox';
import { createDemoMegaDatabase } from '@mega-crm/mega-mapper/demo';
import { type CliConfig, loadConfig } from '../src/config.js';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const PASSWORD = 'sandbox-secret-77';
export const CNPJ = '11.222.333/0001-81';

export interface Setup {
  readonly dir: string;
  readonly configPath: string;
  readonly megaPath: string;
  readonly sandbox: CrmSandbox;
  readonly env: NodeJS.ProcessEnv;
  config(): CliConfig;
  close(): Promise<void>;
}

/** A demo Mega (SQLite), a running CRM sandbox and a config file pointing at both, in a fresh folder. */
export async function setup(
  options: {
    clients?: number;
    sandbox?: CrmSandboxOptions;
    crm?: Record<string, unknown>;
    extra?: Record<string, unknown>;
    store?: Record<string, unknown>;
  } = {},
): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'mega-crm-cli-'));
  const megaPath = join(dir, 'mega.db');
  await createDemoMegaDatabase(megaPath, { clients: options.clients ?? 40, seed: 7 });
  const sandbox = await new CrmSandbox({ clientPath: 'demo', user: 'integra.mega', password: PASSWORD, ...options.sandbox }).start();
  const configPath = join(dir, 'mega-crm.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      '//': 'test setup',
      crm: { wsdlUrl: sandbox.wsdlUrl, user: 'integra.mega', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: CNPJ, timeoutMs: 5000, ...options.crm },
      mega: { dialect: 'sqlite', path: 'mega.db' },
      store: options.store ?? { type: 'sqlite', path: 'store.db' },
      ...options.extra,
    }),
  );
  const env = { ...process.env, MEGA_CRM_CRM_PASSWORD: PASSWORD, NO_COLOR: '1', LANG: 'en_US.UTF-8' };
  return {
    dir,
    configPath,
    megaPath,
    sandbox,
    env,
    config: () => loadConfig({ path: configPath, env }),
    close: () => sandbox.stop(),
  };
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `mega-crm` binary as a child process. */
export function cli(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function spawnCli(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The pid of a process that has just exited: a run that died. */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => (child.pid ? resolve(child.pid) : reject(new Error('no pid'))));
  });
}
