/** Fault injection for tests and benchmarks: transient failures, latency, slow answers, broken WSDLs. */

export interface SandboxFaults {
  /** Share of SOAP calls that fail transiently, split evenly between resets, HTTP 500 and SOAP-ENV:Server faults. */
  readonly errorRate?: number;
  /** Share of SOAP calls whose connection is dropped (half of them after the write was applied). */
  readonly resetRate?: number;
  /** Share of SOAP calls answered HTTP 500 with an HTML page (half of them after the write was applied). */
  readonly http500Rate?: number;
  /** Share of SOAP calls answered with a SOAP-ENV:Server fault (nothing applied). */
  readonly serverFaultRate?: number;
  /** Extra latency on every SOAP call, in ms: fixed or [min, max]. */
  readonly latencyMs?: number | readonly [number, number];
  /** Share of SOAP calls answered only after `slowMs` (to go past a client's timeout). */
  readonly slowRate?: number;
  readonly slowMs?: number;
  /** How the WSDL is served. */
  readonly wsdl?: 'ok' | 'empty' | 'html' | 'http500' | 'truncated';
}

const RATES = ['errorRate', 'resetRate', 'http500Rate', 'serverFaultRate', 'slowRate'] as const;
const WSDL_MODES = ['ok', 'empty', 'html', 'http500', 'truncated'];

/** Checks faults given over HTTP or in code; throws a TypeError naming the bad field. */
export function parseFaults(value: unknown): SandboxFaults {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('faults must be a JSON object');
  const faults = value as Record<string, unknown>;
  const allowed = [...RATES, 'latencyMs', 'slowMs', 'wsdl'];
  const unknown = Object.keys(faults).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new TypeError(`unknown field(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  const ms = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 600_000;
  for (const rate of RATES) {
    const v = faults[rate];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) throw new TypeError(`${rate} must be a number from 0 to 1`);
  }
  const latency = faults.latencyMs;
  if (latency !== undefined && !ms(latency) && !(Array.isArray(latency) && latency.length === 2 && latency.every(ms) && latency[0] <= latency[1]))
    throw new TypeError('latencyMs must be a number of ms or [min, max]');
  if (faults.slowMs !== undefined && !ms(faults.slowMs)) throw new TypeError('slowMs must be a number of ms');
  if (faults.wsdl !== undefined && !WSDL_MODES.includes(faults.wsdl as string)) throw new TypeError(`wsdl must be one of ${WSDL_MODES.join(', ')}`);
  return faults as SandboxFaults;
}

export type FaultKind = 'reset' | 'http500' | 'serverFault' | undefined;

export interface FaultPlan {
  readonly kind: FaultKind;
  /** For resets and HTTP 500: whether the write happens before the failure. */
  readonly applyFirst: boolean;
  readonly delayMs: number;
}

export function planFault(faults: SandboxFaults, random: () => number): FaultPlan {
  const third = (faults.errorRate ?? 0) / 3;
  const reset = (faults.resetRate ?? 0) + third;
  const http500 = reset + (faults.http500Rate ?? 0) + third;
  const server = http500 + (faults.serverFaultRate ?? 0) + third;
  const roll = random();
  const kind: FaultKind = roll < reset ? 'reset' : roll < http500 ? 'http500' : roll < server ? 'serverFault' : undefined;
  const latency = faults.latencyMs;
  let delayMs = typeof latency === 'number' ? latency : latency ? latency[0] + random() * (latency[1] - latency[0]) : 0;
  if ((faults.slowRate ?? 0) > 0 && random() < (faults.slowRate ?? 0)) delayMs += faults.slowMs ?? 0;
  return { kind, applyFirst: random() < 0.5, delayMs };
}
