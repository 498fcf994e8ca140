import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

/** Starts a test script in its own Node process (through tsx, against the sources). */
export function startScript(
  script: string,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./process/${script}`, import.meta.url)), ...args], {
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code === 1) process.stderr.write(stderr);
      resolve({ code, signal, stdout });
    });
  });
  return { child, done };
}
