/** Human output (aligned tables, colours only on a terminal) and `--json` output, and the exit codes. */
import type { MegaCrmError } from '@mega-crm/core';

/** Stable exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  /** The command ran, but records failed, or the doctor found a FAIL. */
  failures: 1,
  /** Bad configuration, or a configuration error reported by the CRM (WSDL, IP, credentials, CNPJ). */
  configuration: 2,
  /** Another run holds the store's run lock. */
  alreadyRunning: 3,
  /** Mega, the store or the CRM could not be reached: try again later. */
  unavailable: 4,
} as const;

export function exitCodeOf(error: MegaCrmError): number {
  if (error.code === 'ALREADY_RUNNING') return EXIT.alreadyRunning;
  if (error.code === 'CONFIG_INVALID' || error.stopsRun) return EXIT.configuration;
  if (error.retryable) return EXIT.unavailable;
  return EXIT.failures;
}

export interface Output {
  readonly json: boolean;
  readonly lang: 'en' | 'pt';
  line(text?: string): void;
  /** Machine output: the one JSON document of the command. */
  data(value: unknown): void;
  error(error: MegaCrmError): void;
  color(name: keyof typeof COLORS, text: string): string;
}

const COLORS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function createOutput(options: {
  readonly json: boolean;
  readonly lang: 'en' | 'pt';
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const colors = stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    json: options.json,
    lang: options.lang,
    line: (text = '') => {
      if (!options.json) stdout.write(`${text}\n`);
    },
    data: (value) => {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    error: (error) => {
      if (options.json) {
        stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
        return;
      }
      const fix = options.lang === 'pt' ? `correção: ${error.fix.pt}` : `fix: ${error.fix.en}`;
      stderr.write(`error ${error.code}: ${error.summary}\n${fix}\n`);
    },
    color: (name, text) => (colors ? `\x1b[${COLORS[name]}m${text}\x1b[0m` : text),
  };
}

/** Left-aligned columns, a header row, two spaces apart. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>, header: readonly string[]): string {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
