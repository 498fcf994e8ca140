/**
 * The `mega-crm` command. Each command opens only what it needs, prints a human view (or one JSON
 * document with --json) and ends with a stable exit code (output.ts); no stack trace ever reaches
 * the terminal: every failure is a MegaCrmError with its fix.
 */
import {
  type CrmSink,
  daily,
  ENTITIES,
  type EntityName,
  type ErrorCode,
  formatSummary,
  MegaCrmError,
  online,
  type ParkedFilter,
  type RunLockHolder,
  type RunSummary,
  runOnSchedule,
  SyncEngine,
  type SyncPreview,
  type SyncProgress,
  type SyncStore,
} from '@mega-crm/core';
import { asMegaCrmError, describeOwner } from '@mega-crm/core/internal';
import { crmSink } from '@mega-crm/crm-client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type CliConfig, loadConfig } from './config.js';
import { runDoctor } from './doctor/doctor.js';
import { type InitFlags, oracleMajor, readMegaSchema, writeInitFiles } from './init.js';
import { createOutput, EXIT, exitCodeOf, type Output, table } from './output.js';
import { connectCrm, engineOptions, megaSource, openMega, openStore, type Resources, using } from './runtime.js';

interface GlobalOptions {
  readonly config?: string;
  readonly json: boolean;
  readonly lang: 'en' | 'pt';
}

export interface CliIo {
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `schedule` then ends cleanly. */
  readonly stopSignal?: AbortSignal;
}

const defaultLang = (env: NodeJS.ProcessEnv): 'en' | 'pt' => (/^pt/i.test(env.LANG ?? env.LC_ALL ?? '') ? 'pt' : 'en');

/** Runs the CLI and returns the exit code (the bin sets process.exitCode from it). */
export async function runCli(io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let exitCode: number = EXIT.ok;
  const program = new Command('mega-crm')
    .description('Mega ERP → Multidados CRM integration: sync, state, diagnosis')
    .option('-c, --config <file>', 'configuration file (default: ./mega-crm.config.json or $MEGA_CRM_CONFIG)')
    .option('--json', 'one JSON document on stdout, for machines', false)
    .addOption(new Option('--lang <lang>', 'language of causes and fixes').choices(['en', 'pt']).default(defaultLang(env)))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (io.stdout ?? process.stdout).write(text),
      writeErr: (text) => (io.stderr ?? process.stderr).write(text),
    });

  const context = (cmd: Command) => {
    const globals = cmd.optsWithGlobals() as GlobalOptions;
    const out = createOutput({
      json: globals.json,
      lang: globals.lang,
      ...(io.stdout ? { stdout: io.stdout } : {}),
      ...(io.stderr ? { stderr: io.stderr } : {}),
    });
    const config = () => loadConfig({ ...(globals.config ? { path: globals.config } : {}), env, ...(io.cwd ? { cwd: io.cwd } : {}) });
    return { out, config };
  };
  const action =
    <A extends unknown[]>(body: (out: Output, config: () => CliConfig, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const cmd = args[args.length - 1] as Command;
      const { out, config } = context(cmd);
      try {
        exitCode = await body(out, config, ...args);
      } catch (error) {
        const e = MegaCrmError.is(error) ? error : asMegaCrmError(error, 'STORE_FAILED');
        out.error(e);
        exitCode = exitCodeOf(e);
      }
    };

  program
    .command('init')
    .description('write mega-crm.config.json and the Mega change-feed install script')
    .addOption(new Option('--dialect <dialect>', 'Mega database').choices(['sqlite', 'postgres', 'oracle']).default('oracle'))
    .option('--dir <dir>', 'folder to write into', io.cwd ?? process.cwd())
    .option('--force', 'overwrite existing files', false)
    .option('--schema <name>', 'Mega in one tenant schema instead of MGGLO/MGCAR/MGDBM/MGCUSTOM')
    .option(
      '--mega-schema <file>',
      'JSON file with the real Mega table/column names where they differ: { "GLO_AGENTES": { "name": "…", "columns": { "AGN_ST_NOME": "…" } } }',
    )
    .option('--oracle-version <major>', 'Oracle older than 12c (11): feed script with a sequence and a trigger, thick mode in the config')
    .option('--demo <wsdlUrl>', 'also create a demo Mega (SQLite) and point the config at it and at this CRM (e.g. the local sandbox)')
    .option('--clients <n>', 'clients in the demo Mega', '200')
    .action(
      action(async (out, _config, opts: InitFlags) => {
        const files = await writeInitFiles({
          dir: opts.dir,
          dialect: opts.demo ? 'sqlite' : opts.dialect,
          force: opts.force,
          ...(opts.schema ? { schema: opts.schema } : {}),
          ...(opts.megaSchema ? { megaSchema: readMegaSchema(opts.megaSchema) } : {}),
          ...(opts.oracleVersion ? { oracleVersion: oracleMajor(opts.oracleVersion) } : {}),
          ...(opts.demo ? { demo: { wsdlUrl: opts.demo, clients: Math.max(1, Number(opts.clients) || 200) } } : {}),
        });
        if (out.json) out.data({ files });
        else {
          for (const file of files) out.line(`wrote ${file}`);
          out.line(
            opts.demo
              ? 'next: MEGA_CRM_CRM_PASSWORD=sandbox mega-crm doctor   (then: mega-crm sync)'
              : 'next: edit the config, have the DBA run the feed script, set MEGA_CRM_CRM_PASSWORD, then run `mega-crm doctor`.',
          );
        }
        return EXIT.ok;
      }),
    );

  program
    .command('sync')
    .description('run one sync now (capture Mega changes, deliver them to the CRM)')
    .addOption(new Option('--entity <entities...>', 'only these entities (own cursor; the first time reads them in full)').choices([...ENTITIES]))
    .option('--dry-run', 'list what would be sent, with a diff against what the CRM last received; sends and changes nothing', false)
    .option('--max-read <n>', 'with --dry-run: most records read from Mega', positiveInteger, 10_000)
    .option('--limit <n>', 'with --dry-run: most records listed with their diff', positiveInteger, 200)
    .action(
      action(async (out, config, opts: { entity?: EntityName[]; dryRun: boolean; maxRead: number; limit: number }) => {
        const c = config();
        if (opts.dryRun) {
          return withEngine(
            c,
            async (engine) => {
              const preview = await engine.preview({ maxRead: opts.maxRead, limit: opts.limit });
              reportPreview(out, preview);
              return EXIT.ok;
            },
            { entities: opts.entity, dryRun: true },
          );
        }
        const progress = out.json ? undefined : progressLine(io.stderr ?? process.stderr);
        return withEngine(
          c,
          async (engine) => {
            const summary = await engine.run({ trigger: 'cli sync' });
            progress?.end();
            return reportRun(out, summary);
          },
          { entities: opts.entity, onProgress: progress?.update },
        );
      }),
    );

  program
    .command('status')
    .description('last runs, backlog, held and parked counts, schedule')
    .action(
      action(async (out, config) => {
        const c = config();
        return withStore(c, async (store) => {
          const [counts, runs, parked, holder] = await Promise.all([store.counts(), store.listRuns(5), store.listParked(), store.runLockHolder()]);
          const lock = holder ? lockState(holder) : null;
          const parkedByCode: Record<string, number> = {};
          for (const p of parked) parkedByCode[p.code] = (parkedByCode[p.code] ?? 0) + 1;
          const lastRuns = runs.map((r) => ({ id: r.id, trigger: r.trigger, startedAt: r.startedAt, endedAt: r.endedAt, outcome: r.summary.outcome }));
          if (out.json) {
            out.data({ queue: counts, parkedByCode, lock, lastRuns, schedule: c.schedule ?? null });
            return EXIT.ok;
          }
          out.line(`queue: ${counts.pending} pending, ${counts.inflight} in flight, ${counts.held} held, ${counts.parked} parked`);
          for (const [code, n] of Object.entries(parkedByCode)) out.line(`  parked ${code} × ${n}`);
          out.line(lock ? `lock: ${describeLock(lock)}` : 'lock: free (no run in progress)');
          out.line(
            `schedule: ${c.schedule ? (c.schedule.mode === 'daily' ? `daily from ${c.schedule.start} every ${c.schedule.every}` : `online every ${c.schedule.every}`) : 'none configured'}`,
          );
          out.line(
            lastRuns.length
              ? table(
                  lastRuns.map((r) => [r.startedAt, r.outcome, r.trigger, r.id]),
                  ['started', 'outcome', 'trigger', 'run'],
                )
              : 'no run yet',
          );
          return EXIT.ok;
        });
      }),
    );

  program
    .command('log')
    .description("the run log (like Mega's Log tab)")
    .option('--run <id>', 'one run, with its failures')
    .option('--key <key>', 'failures of one record key across the runs')
    .option('--limit <n>', 'runs to read', '20')
    .action(
      action(async (out, config, opts: { run?: string; key?: string; limit: string }) => {
        const c = config();
        return withStore(c, async (store) => {
          let runs = await store.listRuns(Math.max(1, Number(opts.limit) || 20));
          if (opts.run) runs = runs.filter((r) => r.id === opts.run);
          const entries = runs.map((r) => {
            // Runs logged by an older version may lack fields added since.
            const failures = (r.summary.failures ?? []).filter((f) => !opts.key || f.key === opts.key);
            return { id: r.id, trigger: r.trigger, startedAt: r.startedAt, endedAt: r.endedAt, outcome: r.summary.outcome, failures };
          });
          const shown = opts.key ? entries.filter((e) => e.failures.length > 0) : entries;
          if (out.json) {
            out.data({ runs: shown });
            return EXIT.ok;
          }
          if (shown.length === 0) out.line(opts.run ? `no run ${opts.run} in the log` : 'nothing in the log');
          for (const e of shown) {
            out.line(`${e.startedAt}  ${e.outcome.padEnd(9)}  ${e.trigger}  (${e.id})`);
            for (const f of e.failures) out.line(`  ${f.entity} ${f.key}  ${f.code}  ${f.message.split('\n')[0]}`);
          }
          return EXIT.ok;
        });
      }),
    );

  const filterOptions = (cmd: Command) =>
    cmd
      .option('--code <code>', 'error code, e.g. VALIDATION_FAILED')
      .addOption(new Option('--entity <entity>', 'entity').choices([...ENTITIES]))
      .option('--key <key>', 'record key');
  const toFilter = (opts: { code?: string; entity?: EntityName; key?: string }): ParkedFilter => ({
    ...(opts.code ? { code: opts.code as ErrorCode } : {}),
    ...(opts.entity ? { entity: opts.entity } : {}),
    ...(opts.key ? { key: opts.key } : {}),
  });

  filterOptions(program.command('parked').description('records refused for good, with code and reason')).action(
    action(async (out, config, opts: { code?: string; entity?: EntityName; key?: string }) => {
      const c = config();
      return withStore(c, async (store) => {
        const parked = await store.listParked(toFilter(opts));
        if (out.json) out.data({ parked: parked.map(({ payload: _p, hash: _h, ...rest }) => rest) });
        else if (parked.length === 0) out.line('no parked record');
        else
          out.line(
            table(
              parked.map((p) => [p.entity, p.key, p.code, p.attempts, p.lastSeen, p.message.split('\n')[0] ?? '']),
              ['entity', 'key', 'code', 'tries', 'last seen', 'reason'],
            ),
          );
        return EXIT.ok;
      });
    }),
  );

  filterOptions(program.command('retry').description('queue parked records again (all, or those matching); the next sync sends them')).action(
    action(async (out, config, opts: { code?: string; entity?: EntityName; key?: string }) => {
      const c = config();
      return withEngine(c, async (engine) => {
        const queued = await engine.retryParked(toFilter(opts));
        if (out.json) out.data({ queued });
        else out.line(`${queued} record(s) queued again; run \`mega-crm sync\` to send them.`);
        return EXIT.ok;
      });
    }),
  );

  program
    .command('resync')
    .description('read records from Mega again and queue them even if unchanged')
    .addOption(new Option('--entity <entity>', 'entity').choices([...ENTITIES]))
    .option('--key <keys...>', 'record keys')
    .option('--enterprise <code>', 'everything of one enterprise (EST_ST_CODIGO)')
    .action(
      action(async (out, config, opts: { entity?: EntityName; key?: string[]; enterprise?: string }) => {
        const target = opts.enterprise
          ? { enterprise: opts.enterprise }
          : opts.entity && opts.key?.length
            ? { entity: opts.entity, keys: opts.key }
            : undefined;
        if (!target) {
          throw new MegaCrmError('resync needs --enterprise <code>, or --entity <entity> with --key <key...>.', {
            code: 'CONFIG_INVALID',
            fix: { en: 'Example: mega-crm resync --entity client --key 1-1-1042', pt: 'Exemplo: mega-crm resync --entity client --key 1-1-1042' },
          });
        }
        const c = config();
        return withEngine(c, async (engine) => {
          const queued = await engine.resync(target);
          if (out.json) out.data({ queued });
          else out.line(`${queued} record(s) queued; run \`mega-crm sync\` to send them.`);
          return EXIT.ok;
        });
      }),
    );

  program
    .command('schedule')
    .description('run on a schedule in the foreground until Ctrl-C (ends cleanly after the current run)')
    .option('--daily <HH:MM>', 'daily from this time (with --every, at least 30m)')
    .option('--every <interval>', 'interval of the daily schedule, e.g. 30m')
    .option('--online <interval>', 'online: every interval, e.g. 20s')
    .action(
      action(async (out, config, opts: { daily?: string; every?: string; online?: string }) => {
        const c = config();
        const policy = opts.online
          ? online({ every: opts.online })
          : opts.daily
            ? daily({ start: opts.daily, every: opts.every ?? '30m' })
            : c.schedule?.mode === 'online'
              ? online({ every: c.schedule.every })
              : c.schedule?.mode === 'daily'
                ? daily({ start: c.schedule.start, every: c.schedule.every })
                : undefined;
        if (!policy) {
          throw new MegaCrmError('No schedule: give --online <interval> or --daily <HH:MM> --every <interval>, or "schedule" in the configuration.', {
            code: 'CONFIG_INVALID',
            fix: { en: 'Example: mega-crm schedule --online 20s', pt: 'Exemplo: mega-crm schedule --online 20s' },
          });
        }
        return withEngine(c, async (engine) => {
          return await runScheduled(out, engine, policy, io.stopSignal);
        });
      }),
    );

  program
    .command('doctor')
    .description('check every incident of the integration manual: OK / WARN / FAIL, cause and fix')
    .action(
      action(async (out, config) => {
        const report = await runDoctor(config());
        if (out.json) out.data(report);
        else {
          const mark = { ok: out.color('green', 'OK  '), warn: out.color('yellow', 'WARN'), fail: out.color('red', 'FAIL'), skip: out.color('dim', 'SKIP') };
          for (const check of report.checks) {
            out.line(`${mark[check.status]}  ${check.id.padEnd(42)} ${check.cause[out.lang]}`);
            if (check.fix) out.line(`      ${out.lang === 'pt' ? 'correção' : 'fix'}: ${check.fix[out.lang]}`);
          }
          out.line(report.ok ? 'no FAIL: the integration can run.' : 'FAIL found: correct the items above, then run `mega-crm doctor` again.');
        }
        return report.ok ? EXIT.ok : EXIT.failures;
      }),
    );

  try {
    await program.parseAsync([...io.argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors are configuration errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.configuration;
    }
    throw error;
  }
  return exitCode;
}

interface EngineNeeds {
  readonly entities?: readonly EntityName[] | undefined;
  readonly onProgress?: ((progress: SyncProgress) => void) | undefined;
  /** A dry run reads Mega and the store only: the CRM is not connected, and nothing can be sent. */
  readonly dryRun?: boolean;
}

/** The sink of a dry run: the engine's preview never delivers; should anything try, it is refused. */
const NO_SENDING: CrmSink = {
  deliver: () =>
    Promise.reject(
      new MegaCrmError('A dry run sends nothing to the CRM.', {
        code: 'CONFIG_INVALID',
        fix: { en: 'Run `mega-crm sync` without --dry-run to send.', pt: 'Rode `mega-crm sync` sem --dry-run para enviar.' },
      }),
    ),
};

async function openEngine(config: CliConfig, resources: Resources, options: EngineNeeds = {}): Promise<SyncEngine> {
  const store = resources.add(await openStore(config), (s) => s.close());
  const mega = resources.add(await openMega(config), (m) => m.close());
  const sink = options.dryRun ? NO_SENDING : crmSink(resources.add(await connectCrm(config), (c) => c.close()));
  const { entities, onProgress } = options;
  return new SyncEngine({
    source: megaSource(config, mega, entities),
    sink,
    store,
    ...engineOptions(config),
    ...(onProgress ? { onProgress } : {}),
  });
}

/** Opens the store for `use`, and closes it afterwards whatever happens. */
function withStore<T>(config: CliConfig, use: (store: SyncStore) => Promise<T>): Promise<T> {
  return using(async (resources) => use(resources.add(await openStore(config), (s) => s.close())));
}

/** Opens the store, Mega and the CRM, builds the engine for `use`, and closes them all afterwards. */
function withEngine<T>(config: CliConfig, use: (engine: SyncEngine) => Promise<T>, options?: EngineNeeds): Promise<T> {
  return using(async (resources) => use(await openEngine(config, resources, options)));
}

/** One updating line on a terminal (at most 10 redraws a second); nothing when stderr is not a terminal. */
function progressLine(stream: NodeJS.WriteStream): { update: (p: SyncProgress) => void; end: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  let read = 0;
  let delivered = 0;
  let last = 0;
  return {
    update: (p) => {
      if (p.phase === 'capture') read = p.processed;
      else delivered = p.processed;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      stream.write(`\r\x1b[2Kread from Mega ${read} · delivered to the CRM ${delivered}`);
    },
    end: () => stream.write('\r\x1b[2K'),
  };
}

/** A usage error (exit code 2) for anything but a whole number above 0. */
function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0.');
  return n;
}

function reportPreview(out: Output, preview: SyncPreview): void {
  if (out.json) {
    out.data(preview);
    return;
  }
  const shown = ENTITIES.filter((e) => Object.values(preview.byEntity[e]).some((n) => n > 0));
  out.line(`dry run: nothing sent. Read ${preview.read} record(s) from Mega${preview.complete ? '' : ' (more changes beyond --max-read)'}.`);
  out.line(
    shown.length
      ? table(
          shown.map((e) => {
            const c = preview.byEntity[e];
            return [e, c.new, c.changed, c.unchanged, c.invalid, c.skipped];
          }),
          ['entity', 'new', 'changed', 'unchanged', 'invalid', 'skipped'],
        )
      : 'nothing changed in Mega since the last run.',
  );
  for (const r of preview.records) {
    out.line(`${r.status === 'new' ? out.color('green', 'new    ') : out.color('yellow', 'changed')} ${r.entity} ${r.key}`);
    if (r.status === 'changed' && !r.changes) out.line('    (what the CRM received before is not kept: delivered before this version of the store)');
    for (const change of r.changes ?? []) out.line(`    ${change.field}: ${change.from ?? '∅'} → ${change.to ?? '∅'}`);
  }
  const listed = preview.records.length;
  const total = ENTITIES.reduce((n, e) => n + preview.byEntity[e].new + preview.byEntity[e].changed, 0);
  if (total > listed) out.line(`… and ${total - listed} more (raise --limit to list them).`);
  for (const f of preview.invalid) out.line(`invalid ${f.entity} ${f.key}  ${f.code}  ${f.message.split('\n')[0]}`);
  const q = preview.queue;
  if (q.pending + q.held > 0) out.line(`also queued from earlier runs: ${q.pending} pending, ${q.held} held (sent by the next sync too).`);
  out.line('next: `mega-crm sync` sends them.');
}

interface LockState {
  readonly owner: string;
  readonly host: string;
  readonly pid: number | null;
  readonly since: string | null;
  readonly expiresAt: string;
  /** `alive` / `dead` when the owner runs on this machine; `unknown` on another host. */
  readonly process: 'alive' | 'dead' | 'unknown';
  readonly leaseExpired: boolean;
}

function lockState(holder: RunLockHolder): LockState {
  const info = describeOwner(holder.owner);
  return {
    owner: holder.owner,
    host: info.host,
    pid: info.pid ?? null,
    since: holder.since ?? null,
    expiresAt: holder.expiresAt,
    process: info.alive === undefined ? 'unknown' : info.alive ? 'alive' : 'dead',
    leaseExpired: Date.parse(holder.expiresAt) < Date.now(),
  };
}

function describeLock(lock: LockState): string {
  const who = `host ${lock.host}${lock.pid ? `, pid ${lock.pid}` : ''}`;
  const state = lock.process === 'unknown' ? 'process not checkable from this machine' : `process ${lock.process}`;
  const lease = lock.leaseExpired ? `lease expired at ${lock.expiresAt}` : `lease until ${lock.expiresAt}`;
  return `held by ${who}${lock.since ? ` since ${lock.since}` : ''} (${state}; ${lease})`;
}

function reportRun(out: Output, summary: RunSummary): number {
  if (out.json) out.data(summary);
  else out.line(formatSummary(summary));
  // run() always resolves: a stopped run carries its typed error.
  if (summary.outcome !== 'completed') return summary.error ? exitCodeOf(summary.error) : EXIT.unavailable;
  return summary.totals.failed > 0 ? EXIT.failures : EXIT.ok;
}

async function runScheduled(out: Output, engine: SyncEngine, policy: ReturnType<typeof online>, stopSignal: AbortSignal | undefined): Promise<number> {
  const stop = new AbortController();
  let failed = false;
  out.line(`scheduled: ${policy.name}. Ctrl-C stops after the CRM calls in flight.`);
  const controller = runOnSchedule(policy, engine, {
    signal: stop.signal,
    onRun: (summary) => {
      if (out.json) out.data(summary);
      else out.line(formatSummary(summary).split('\n')[0]);
      if (summary.outcome !== 'completed' && summary.error?.code !== 'RUN_ABORTED') failed = true;
    },
    onError: (error) => {
      out.error(MegaCrmError.is(error) ? error : asMegaCrmError(error));
      failed = true;
    },
  });
  const onStop = () => {
    stop.abort();
    // The calls in flight finish and are recorded; the rest of the batch goes back to the queue.
    void engine.stop();
  };
  stopSignal?.addEventListener('abort', onStop, { once: true });
  await controller.done; // waits for the runs the schedule started
  stopSignal?.removeEventListener('abort', onStop);
  out.line('stopped: no run in progress.');
  return failed ? EXIT.failures : EXIT.ok;
}
