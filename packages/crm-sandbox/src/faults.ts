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
