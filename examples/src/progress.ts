import type { SyncProgress } from '@mega-crm/core';

/**
 * Progress of a run: records read from Mega so far, records delivered to the CRM so far, and those
 * queued but not yet delivered (capture and delivery overlap, so no total is known in advance). On a
 * terminal one line rewritten in place; otherwise (a file, CI) a line at most every few seconds.
 */
export function progressReporter(out: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>) {
  const number = new Intl.NumberFormat('en-US');
  // A terminal line is redrawn at most 10 times a second; a log line is written at most every 5 s.
  const everyMs = out.isTTY ? 100 : 5000;
  let read = 0;
  let delivered = 0;
  let queued = 0;
  let last: number | undefined;
  let drawn = false;
  const line = () =>
    `Mega → CRM: ${number.format(read)} records read, ${number.format(delivered)} delivered${queued > delivered ? `, ${number.format(queued - delivered)} waiting` : ''}`;
  const draw = () => {
    if (out.isTTY) out.write(`\r${line()}\x1b[K`);
    else out.write(`${line()}\n`);
    drawn = true;
    last = Date.now();
  };
  return {
    update(p: SyncProgress): void {
      if (p.phase === 'capture') read = p.processed;
      else [delivered, queued] = [p.processed, p.total ?? queued];
      last ??= Date.now();
      if (Date.now() - last >= everyMs) draw();
    },
    /** Ends a run's progress: a terminal line shows the final figures, and what follows starts on a fresh line. */
    end(): void {
      if (out.isTTY && drawn) out.write(`\r${line()}\x1b[K\n`);
      drawn = false;
      [read, delivered, queued, last] = [0, 0, 0, undefined];
    },
  };
}
