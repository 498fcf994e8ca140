import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../src/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, write: (chunk: string) => chunks.push(chunk) > 0 } };
}

/** A run like the demo's: capture and delivery interleaved, one event per 100 records read and per record delivered. */
function simulateRun(report: ReturnType<typeof progressReporter>, records: number, msPerRecord: number): void {
  for (let i = 1; i <= records; i++) {
    if (i % 100 === 0) report.update({ phase: 'capture', processed: i });
    report.update({ phase: 'deliver', processed: i, total: i + 3 });
    vi.advanceTimersByTime(msPerRecord);
  }
  report.update({ phase: 'deliver', processed: records, total: records });
  report.end();
}

describe('demo progress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes a few whole lines, not one per record, when the output is not a terminal', () => {
    const { chunks, out } = stream(false);
    simulateRun(progressReporter(out), 6000, 3); // an 18-second run
    const text = chunks.join('');
    expect(text).not.toContain('\r');
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines[0]).toMatch(/^Mega → CRM: [\d,]+ records read, [\d,]+ delivered, 3 waiting$/);
  });

  it('rewrites one line on a terminal, at most 10 times a second, and ends it with the final figures', () => {
    const { chunks, out } = stream(true);
    simulateRun(progressReporter(out), 6000, 3);
    const text = chunks.join('');
    expect(text.split('\n')).toHaveLength(2); // one line, ended once
    expect(chunks.length).toBeLessThanOrEqual(18_000 / 100 + 2);
    expect(text.endsWith('\rMega → CRM: 6,000 records read, 6,000 delivered\x1b[K\n')).toBe(true);
  });

  it('starts each run afresh', () => {
    const { chunks, out } = stream(true);
    const report = progressReporter(out);
    simulateRun(report, 500, 1);
    chunks.length = 0;
    report.end(); // a run without progress (nothing changed) draws nothing
    expect(chunks).toEqual([]);
  });
});
