/**
 * The built `mega-crm` binary, run as a child process: exit codes, --json documents, configuration
 * errors without stack traces, and Ctrl-C during `schedule`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { engineOptions } from '../src/runtime.js';
import { cli, deadPid, PASSWORD, type Setup, setup, spawnCli } from './helpers.js';

let s: Setup;
let parkedKey = '';
beforeAll(async () => {
  s = await setup();
});
afterAll(async () => s?.close());

const run = (args: string[], env = s.env) => cli(args, { cwd: s.dir, env });

describe('mega-crm sync / status / log', () => {
  it('syncs, then finds nothing to send; --json documents parse; status and log show both runs', async () => {
    const first = await run(['sync', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.outcome).toBe('completed');
    expect(summary.totals.sent).toBeGreaterThan(20);
    expect(summary.totals.failed).toBe(0);
    expect(s.sandbox.state().clients.length).toBe(summary.byEntity.client.sent);

    const second = JSON.parse((await run(['sync', '--json'])).stdout);
    expect(second.totals.sent).toBe(0);

    const status = await run(['status', '--json']);
    expect(status.code).toBe(0);
    const st = JSON.parse(status.stdout);
    expect(st.queue).toMatchObject({ pending: 0, inflight: 0 });
    expect(st.lastRuns).toHaveLength(2);
    expect(st.lastRuns.every((r: { outcome: string }) => r.outcome === 'completed')).toBe(true);

    const log = await run(['log']);
    expect(log.code).toBe(0);
    expect(log.stdout.split('\n').filter((l) => l.includes('completed'))).toHaveLength(2);
  });

  it('never prints the CRM password, in human or JSON output', async () => {
    for (const args of [['sync'], ['sync', '--json'], ['status'], ['doctor', '--json']]) {
      const r = await run(args);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
  });

  it('parked lists refused records, retry reads them again, and exit code 1 marks a run with failures', async () => {
    // A CPF with wrong check digits on one client in scope.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(s.megaPath);
    const row = db
      .prepare(
        `SELECT p.AGN_IN_CODIGO AS code FROM GLO_PESSOA_FISICA p JOIN GLO_AGENTES a ON a.AGN_IN_CODIGO = p.AGN_IN_CODIGO
         WHERE p.AGN_CH_TIPO = 'P' AND a.AGN_CH_TIPOPESSOAFJ = 'F' ORDER BY p.AGN_IN_CODIGO LIMIT 1`,
      )
      .get() as { code: number };
    db.prepare("UPDATE GLO_PESSOA_FISICA SET AGN_ST_CPF = '11144477736' WHERE AGN_IN_CODIGO = ? AND AGN_CH_TIPO = 'P'").run(row.code);
    db.close();
    const sync = await run(['sync', '--json']);
    const summary = JSON.parse(sync.stdout);
    expect(summary.totals.failed).toBe(1);
    expect(sync.code).toBe(1);

    const parked = JSON.parse((await run(['parked', '--json', '--code', 'VALIDATION_FAILED'])).stdout).parked;
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ entity: 'client', code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(parked)).not.toContain('11144477736');

    const human = await run(['parked']);
    expect(human.stdout).toMatch(/entity\s+key\s+code/);

    parkedKey = parked[0].key;

    // Mega's data is still invalid: retry reads it again and it is parked again, not sent.
    const retry = await run(['retry', '--json', '--code', 'VALIDATION_FAILED']);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout).queued).toBe(0);
    expect(JSON.parse((await run(['parked', '--json'])).stdout).parked.map((p: { key: string }) => p.key)).toEqual([parkedKey]);
  });

  it('resync queues an unchanged record again, and the next sync sends exactly it', async () => {
    const key = s.sandbox.state().clients.find((c) => c.integrationId !== parkedKey)?.integrationId as string;
    const resync = await run(['resync', '--entity', 'client', '--key', key, '--json']);
    expect(resync.code).toBe(0);
    expect(JSON.parse(resync.stdout).queued).toBe(1);
    const summary = JSON.parse((await run(['sync', '--json'])).stdout);
    expect(summary.byEntity.client.sent).toBe(1);
  });
});

describe('mega-crm sync --dry-run', () => {
  it('lists what would be sent with old → new per field (PII masked), sends and changes nothing; the real sync then sends exactly that', async () => {
    expect(JSON.parse((await run(['sync', '--json'])).stdout).totals.sent).toBe(0); // in step with Mega
    const key = s.sandbox.state().clients.find((c) => c.integrationId !== parkedKey)?.integrationId as string;
    const code = Number(key.split('-')[2]);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(s.megaPath);
    db.prepare("UPDATE GLO_AGENTES SET AGN_ST_NOME = 'NOME ALTERADO NO MEGA', AGN_ST_EMAIL = 'novo.email@example.com' WHERE AGN_IN_CODIGO = ?").run(code);
    db.close();
    const crmBefore = JSON.stringify(s.sandbox.state().clients);
    const storeDb = new Database(join(s.dir, 'store.db'), { readonly: true });
    const storeState = () =>
      JSON.stringify(storeDb.prepare('SELECT (SELECT COUNT(*) FROM outbox) AS o, (SELECT value FROM cursors) AS c, (SELECT COUNT(*) FROM runs) AS r').get());
    const before = storeState();

    const dry = await run(['sync', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const preview = JSON.parse(dry.stdout);
    expect(preview.complete).toBe(true);
    expect(preview.byEntity.client).toMatchObject({ changed: 1, new: 0 });
    expect(preview.records).toEqual([expect.objectContaining({ entity: 'client', key, status: 'changed' })]);
    const changes = Object.fromEntries(preview.records[0].changes.map((c: { field: string; from?: string; to?: string }) => [c.field, c]));
    expect(changes.name).toMatchObject({ to: 'NOME ALTERADO NO MEGA' });
    expect(changes.name.from).not.toBe('NOME ALTERADO NO MEGA');
    expect(changes['emails.0'].to).toBe('n***@example.com');
    expect(dry.stdout).not.toContain('novo.email@example.com');

    const human = await run(['sync', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/dry run: nothing sent/);
    expect(human.stdout).toMatch(new RegExp(`changed client ${key}`));
    expect(human.stdout).toMatch(/name: .+ → NOME ALTERADO NO MEGA/);
    expect(human.stdout).not.toContain('novo.email@example.com');

    // Nothing sent to the CRM, nothing queued, cursor and run log untouched.
    expect(JSON.stringify(s.sandbox.state().clients)).toBe(crmBefore);
    expect(storeState()).toBe(before);
    storeDb.close();

    const real = JSON.parse((await run(['sync', '--json'])).stdout);
    expect(real.byEntity.client.sent).toBe(1);
    expect(s.sandbox.state().clients.find((c) => c.integrationId === key)).toBeDefined();
    const after = JSON.parse((await run(['sync', '--dry-run', '--json'])).stdout);
    expect(after.records).toEqual([]);
    const bad = await run(['sync', '--dry-run', '--limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit.*whole number above 0/);
  });
});

describe('mega-crm status: the run lock owner', () => {
  it('free, then held by a dead process on this machine (host, pid, since, dead)', async () => {
    const free = JSON.parse((await run(['status', '--json'])).stdout);
    expect(free.lock).toBeNull();
    expect((await run(['status'])).stdout).toMatch(/^lock: free/m);
    const pid = await deadPid();
    const store = new SqliteStore({ path: join(s.dir, 'store.db') });
    expect(await store.acquireRunLock(`${hostname()}:${pid}:crashed`, 3_600_000)).toBe(true);
    const held = JSON.parse((await run(['status', '--json'])).stdout).lock;
    expect(held).toMatchObject({ host: hostname(), pid, process: 'dead', leaseExpired: false });
    expect(Date.parse(held.since)).toBeGreaterThan(Date.now() - 60_000);
    expect((await run(['status'])).stdout).toMatch(new RegExp(`^lock: held by host ${hostname()}, pid ${pid} since \\S+ \\(process dead; lease until`, 'm'));
    // The next sync on this machine takes the dead run's lock over.
    expect((await run(['sync', '--json'])).code).toBe(0);
    expect(JSON.parse((await run(['status', '--json'])).stdout).lock).toBeNull();
    await store.releaseRunLock(`${hostname()}:${pid}:crashed`);
    await store.close();
  });
});

describe('configuration errors: one clear message naming the field, exit code 2, no stack trace', () => {
  // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON config edited freely by each case
  const withConfig = async (mutate: (c: any) => void) => {
    const path = join(s.dir, 'broken.config.json');
    const config = JSON.parse(readFileSync(s.configPath, 'utf8'));
    mutate(config);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };
  const expectConfigError = (r: { code: number; stderr: string; stdout: string }, field: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(field);
    expect(r.stderr).toMatch(/^fix: /m);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  };

  it('missing password', async () => {
    const { MEGA_CRM_CRM_PASSWORD: _, ...env } = s.env;
    expectConfigError(await run(['sync'], env), /MEGA_CRM_CRM_PASSWORD/);
  });

  it('a password in the file is refused (secrets only from the environment)', async () => {
    const path = await withConfig((c) => {
      c.crm.password = 'x';
    });
    expectConfigError(await run(['sync', '--config', path]), /crm\.password/);
  });

  it('unknown key', async () => {
    const path = await withConfig((c) => {
      c.crm.timout = 5000;
    });
    expectConfigError(await run(['status', '--config', path]), /crm: unknown key\(s\) "timout"/);
  });

  it('wrong type', async () => {
    const path = await withConfig((c) => {
      c.crm.timeoutMs = 'fast';
    });
    expectConfigError(await run(['status', '--config', path]), /crm\.timeoutMs/);
  });

  it('engine.removals and engine.reconcileEvery reach the engine; an unknown removal action is refused by name', async () => {
    const path = await withConfig((c) => {
      c.engine = { removals: { occurrence: 'report', prospect: 'deactivate' }, reconcileEvery: 30 };
    });
    expect(engineOptions(loadConfig({ path, env: s.env }))).toEqual({ removals: { occurrence: 'report', prospect: 'deactivate' }, reconcileEvery: 30 });
    const bad = await withConfig((c) => {
      c.engine = { removals: { occurrence: 'close' } };
    });
    expectConfigError(await run(['status', '--config', bad]), /engine\.removals/);
  });

  it('unreachable database', async () => {
    const path = await withConfig((c) => {
      c.mega.path = 'no-such-mega.db';
    });
    expectConfigError(await run(['sync', '--config', path]), /mega/);
  });

  it('unreachable PostgreSQL store', async () => {
    const path = await withConfig((c) => {
      c.store = { type: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/test' };
    });
    expectConfigError(await run(['status', '--config', path]), /store/);
  });

  it('a missing file and a usage error', async () => {
    expectConfigError(await run(['status', '--config', 'nope.json']), /No configuration file/);
    const usage = await run(['sync', '--entity', 'planet']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/planet/);
  });

  it('--json puts the error on stdout as a document', async () => {
    const { MEGA_CRM_CRM_PASSWORD: _, ...env } = s.env;
    const r = await run(['sync', '--json'], env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('Portuguese fixes with --lang pt', async () => {
    const { MEGA_CRM_CRM_PASSWORD: _, ...env } = s.env;
    const r = await run(['sync', '--lang', 'pt'], env);
    expect(r.stderr).toMatch(/^correção: /m);
  });
});

describe('init and doctor', () => {
  it('init writes a config and the feed script, and refuses to overwrite', async () => {
    const dir = join(s.dir, 'fresh');
    const ok = await run(['init', '--dialect', 'postgres', '--dir', dir, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).files).toHaveLength(2);
    expect(existsSync(join(dir, 'mega-crm.config.json'))).toBe(true);
    expect(readFileSync(join(dir, 'mega-crm-feed.postgres.sql'), 'utf8')).toMatch(/CREATE OR REPLACE TRIGGER MEGACRM_/);
    const again = await run(['init', '--dialect', 'postgres', '--dir', dir]);
    expect(again.code).toBe(2);
  });

  it('init --mega-schema and --oracle-version 11: the config carries the real names, the feed script uses them and a sequence', async () => {
    const dir = join(s.dir, 'oracle11');
    const names = join(s.dir, 'mega-names.json');
    const schema = { DBM_ESTRUTURA: { name: 'DBM_ESTRUTURAS', columns: { EST_CH_TIPOESTRUTURA: 'EST_CH_TIPO' } } };
    writeFileSync(names, JSON.stringify(schema));
    const ok = await run(['init', '--dialect', 'oracle', '--oracle-version', '11', '--mega-schema', names, '--dir', dir]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const script = readFileSync(join(dir, 'mega-crm-feed.oracle.sql'), 'utf8');
    expect(script).toContain('CREATE SEQUENCE MGCUSTOM.MEGACRM_FEED_SEQ');
    expect(script).not.toContain('IDENTITY');
    expect(script).toContain('AFTER INSERT OR UPDATE OR DELETE ON MGDBM.DBM_ESTRUTURAS FOR EACH ROW');
    expect(script).toContain("IF :NEW.EST_CH_TIPO = 'E' THEN");
    const config = JSON.parse(readFileSync(join(dir, 'mega-crm.config.json'), 'utf8'));
    expect(config.mega).toMatchObject({ dialect: 'oracle', oracleVersion: 11, thick: { libDir: expect.any(String) }, schema });
    writeFileSync(names, JSON.stringify({ DBM_ESTRUTURAX: {} }));
    const bad = await run(['init', '--dialect', 'oracle', '--mega-schema', names, '--dir', join(s.dir, 'oracle-bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown table DBM_ESTRUTURAX (valid: GLO_AGENTES');
    expect(existsSync(join(s.dir, 'oracle-bad', 'mega-crm.config.json'))).toBe(false);
  });

  it('init --demo writes a demo Mega and a config on which doctor and sync pass (the README path)', async () => {
    const dir = join(s.dir, 'demo');
    expect((await run(['init', '--demo', s.sandbox.wsdlUrl, '--clients', '30', '--dir', dir])).code).toBe(0);
    const env = { ...s.env, MEGA_CRM_CRM_PASSWORD: 'sandbox' };
    const { CrmSandbox } = await import('@mega-crm/crm-sandbox');
    const sandbox = await new CrmSandbox({ clientPath: 'demo' }).start();
    try {
      const config = JSON.parse(readFileSync(join(dir, 'mega-crm.config.json'), 'utf8'));
      config.crm.wsdlUrl = sandbox.wsdlUrl;
      writeFileSync(join(dir, 'mega-crm.config.json'), JSON.stringify(config));
      const doctor = await cli(['doctor'], { cwd: dir, env });
      expect(doctor.stdout).toMatch(/no FAIL/);
      expect(doctor.code).toBe(0);
      const sync = await cli(['sync', '--json'], { cwd: dir, env });
      expect(sync.code).toBe(0);
      expect(JSON.parse(sync.stdout).totals.sent).toBeGreaterThan(0);

      // A Mega whose unit table has another name: a configuration error naming it (exit 2, not "try again"), until the config names it.
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dir, 'mega.db'));
      db.exec('ALTER TABLE DBM_UNIDADE RENAME TO DBM_UNIDADES');
      db.close();
      const mismatch = await cli(['sync'], { cwd: dir, env });
      expect(mismatch.code).toBe(2);
      expect(mismatch.stdout + mismatch.stderr).toContain('MEGA_SCHEMA_MISMATCH');
      expect(mismatch.stdout + mismatch.stderr).toContain("schema: { DBM_UNIDADE: { name: '<its name in your Mega>' } }");
      config.mega.schema = { DBM_UNIDADE: { name: 'DBM_UNIDADES' } };
      writeFileSync(join(dir, 'mega-crm.config.json'), JSON.stringify(config));
      expect((await cli(['sync'], { cwd: dir, env })).code).toBe(0);
      const renamedDoctor = await cli(['doctor'], { cwd: dir, env }); // its data checks read the real names too
      expect(renamedDoctor.stdout).toMatch(/no FAIL/);
    } finally {
      await sandbox.stop();
    }
  });

  it('doctor on a healthy setup: exit 0, no FAIL, JSON report', async () => {
    const r = await run(['doctor', '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    const ids = report.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['crm.cnpj', 'crm.wsdl', 'crm.access', 'mega.enterprises', 'mega.occurrence-types', 'mega.feed', 'store.open']));
  });

  it('doctor with a FAIL exits 1 and prints cause and fix', async () => {
    const path = join(s.dir, 'bad-wsdl.config.json');
    const config = JSON.parse(readFileSync(s.configPath, 'utf8'));
    config.crm.wsdlUrl = s.sandbox.wsdlUrl.replace('/demo/', '/wrong/');
    writeFileSync(path, JSON.stringify(config));
    const r = await run(['doctor', '--config', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+crm\.wsdl/m);
    expect(r.stdout).toMatch(/^\s+fix: /m);
  });
});

describe('schedule', () => {
  it('Ctrl-C (SIGINT) ends cleanly after the current run: exit 0, nothing left in flight', async () => {
    s.sandbox.setFaults({ latencyMs: 30 });
    // Something to send, so a run is in progress when the signal comes.
    await run(['resync', '--enterprise', 'EMP1']).catch(() => undefined);
    const child = spawnCli(['schedule', '--online', '1s'], { cwd: s.dir, env: s.env });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no run within 20 s: ${stdout}`)), 20_000);
      child.stdout?.on('data', () => {
        if (/^run /m.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    s.sandbox.setFaults({});
    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped: no run in progress/);
    const store = new SqliteStore({ path: join(s.dir, 'store.db') });
    try {
      expect((await store.counts()).inflight).toBe(0);
    } finally {
      await store.close();
    }
  });
});
