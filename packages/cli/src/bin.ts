#!/usr/bin/env node
import { runCli } from './cli.js';

// SIGINT/SIGTERM ask the running command to stop cleanly (schedule ends after the current run);
// a second signal exits at once.
const stop = new AbortController();
const onSignal = () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runCli({ argv: process.argv.slice(2), stopSignal: stop.signal }).then(
  (code) => {
    process.exitCode = code;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  },
  (error: unknown) => {
    process.stderr.write(`mega-crm: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
