/**
 * One test per doctor check: the sandbox, the Mega database or the store is put into the broken
 * state, and the check must FAIL (or WARN) with its cause and fix; a healthy setup passes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { singleSchema } from '@mega-crm/mega-mapper';
import { createDemoMegaPostgres } from '@mega-crm/mega-mapper/demo';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL } from '../../../tooling/test/pg.js';
import type { CliConfig } from '../src/config.js';
import { type CheckResult, runDoctor } from '../src/doctor/doctor.js';
import { deadPid, type Setup, setup } from './helpers.js';

const opened: Setup[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

async function fresh(options: Parameters<typeof setup>[0] = {}): Promise<Setup> {
  const s = await setup(options);
  opened.push(s);
  return s;
}

async function check(config: CliConfig, id: string, options: Parameters<typeof runDoctor>[1] = {}): Promise<CheckResult> {
  const report = await runDoctor(config, options);
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function expectProblem(result: CheckResult, status: 'fail' | 'warn', cause: RegExp) {
  expect(result.status, JSON.stringify(result)).toBe(status);
  expect(result.cause.en).toMatch(cause);
  expect(result.cause.pt.length).toBeGreaterThan(10);
  expect(result.fix?.en.length).toBeGreaterThan(10);
  expect(result.fix?.pt.length).toBeGreaterThan(10);
}

/** A server that answers every request the same way, to play a broken CRM address. */
async function serve(body: string, status = 200, contentType = 'text/xml'): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo/webservices/index.php?wsdl`;
}

function editMega(s: Setup, sql: string): void {
  const db = new Database(s.megaPath);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('doctor', () => {
  it('a healthy setup passes every check', async () => {
    const s = await fresh({ extra: { schedule: { mode: 'online', every: '20s' } } });
    // The demo Mega carries the manual's incidents on purpose; a healthy Mega has them fixed.
    editMega(
      s,
      `UPDATE DBM_ESTRUTURA SET EST_BO_INTEGRACRM = 'S' WHERE EST_CH_TIPOESTRUTURA = 'E';
       UPDATE DBM_TIPOOCORRENCIA SET OCS_CH_SITUACAOCRM = 'A';
       DELETE FROM DBM_ESTRUTURA WHERE EST_CH_TIPOESTRUTURA = 'G' AND EST_IN_CODIGO NOT IN (SELECT EST_IN_CODIGO FROM DBM_GARAGEM)`,
    );
    const { runCli } = await import('../src/cli.js');
    const sink = { write: () => true } as unknown as NodeJS.WriteStream;
    expect(await runCli({ argv: ['sync', '--config', s.configPath], env: s.env, stdout: sink, stderr: sink })).toBe(0);
    const report = await runDoctor(s.config());
    // Only the Portal-side incidents, which the web service cannot see, are left as SKIP (with where to look).
    expect(report.checks.filter((c) => c.status !== 'ok').map((c) => c.id)).toEqual(['crm.portal-operator', 'crm.portal-enterprises']);
    expect(report.ok).toBe(true);
  });

  it('crm.profile: a CRM under other names FAILs naming the differences and the crm.profile to set; with it, the CRM is reached', async () => {
    const renamed = { operations: { upsertClient: { params: { cpf_cnpj: 'documento' } } } };
    const s = await fresh({ sandbox: { profile: renamed } });
    const report = await runDoctor(s.config());
    const result = report.checks.find((c) => c.id === 'crm.profile') as CheckResult;
    expectProblem(
      result,
      'fail',
      /IncluirAlterarCliente \(upsertClient\) request: part "cpf_cnpj" \(xsd:string\) is not in the WSDL; the WSDL has "documento"/,
    );
    expect(result.fix?.en).toContain(`"profile": ${JSON.stringify(renamed)}`);
    expect(result.details?.suggestedProfile).toBe(JSON.stringify(renamed));
    expect(report.checks.find((c) => c.id === 'crm.access')?.status).toBe('skip');

    const fixed = await fresh({ sandbox: { profile: renamed }, crm: { profile: renamed } });
    const again = await runDoctor(fixed.config());
    expect(again.checks.find((c) => c.id === 'crm.profile')?.status).toBe('ok');
    expect(again.checks.find((c) => c.id === 'crm.access')?.status).toBe('ok');
  });

  describe('CRM address (the manual\'s "Unable to load WSDL … Empty document")', () => {
    it('empty document', async () => {
      const s = await fresh({ sandbox: { faults: { wsdl: 'empty' } } });
      const result = await check(s.config(), 'crm.wsdl');
      expectProblem(result, 'fail', /Empty document/);
      expect(result.fix?.en).toMatch(/webservices\/index\.php\?wsdl/);
    });

    it('an HTML page', async () => {
      const s = await fresh({ sandbox: { faults: { wsdl: 'html' } } });
      expectProblem(await check(s.config(), 'crm.wsdl'), 'fail', /HTML page/);
    });

    it('HTTP error status', async () => {
      const s = await fresh({ sandbox: { faults: { wsdl: 'http500' } } });
      const result = await check(s.config(), 'crm.wsdl');
      expectProblem(result, 'fail', /HTTP error status/);
      expect(result.details?.status).toBe(500);
    });

    it('nothing listening (refused)', async () => {
      const s = await fresh({ crm: { wsdlUrl: 'http://127.0.0.1:1/demo/webservices/index.php?wsdl' } });
      expectProblem(await check(s.config(), 'crm.wsdl'), 'fail', /connection refused/);
    });

    it('a host that does not resolve (DNS)', async () => {
      const s = await fresh({ crm: { wsdlUrl: 'http://crm.does-not-exist.invalid/demo/webservices/index.php?wsdl' } });
      expectProblem(await check(s.config(), 'crm.wsdl'), 'fail', /does not resolve/);
    });

    it('TLS: an https address served by a plain HTTP server', async () => {
      const url = (await serve('<definitions/>')).replace('http:', 'https:');
      const s = await fresh({ crm: { wsdlUrl: url } });
      expectProblem(await check(s.config(), 'crm.wsdl'), 'fail', /TLS|network/);
    });

    it("another service's WSDL", async () => {
      const url = await serve(
        '<?xml version="1.0"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><service name="OtherService"><port name="OtherPort"/></service></definitions>',
      );
      const s = await fresh({ crm: { wsdlUrl: url } });
      const result = await check(s.config(), 'crm.wsdl');
      expectProblem(result, 'fail', /does not describe the service WebServicesMultidados/);
      expect(result.details?.found).toEqual(['OtherService']);
    });

    it('a document that is not a WSDL', async () => {
      const url = await serve('{"status":"ok"}', 200, 'application/json');
      const s = await fresh({ crm: { wsdlUrl: url } });
      expectProblem(await check(s.config(), 'crm.wsdl'), 'fail', /not a WSDL/);
    });
  });

  describe('CRM access', () => {
    it("this machine's IP is not allowed: shows the IP the CRM reports", async () => {
      const s = await fresh({ sandbox: { allowedIps: ['10.9.9.9'] } });
      const result = await check(s.config(), 'crm.access');
      expectProblem(result, 'fail', /refuses calls from 127\.0\.0\.1/);
      expect(result.details).toMatchObject({ code: 'IP_NOT_ALLOWED', ip: '127.0.0.1' });
      expect(result.fix?.pt).toMatch(/IPs permitidos/);
    });

    it('wrong credentials', async () => {
      const s = await fresh();
      const config = { ...s.config(), secrets: { crmPassword: 'wrong-password' } };
      const result = await check(config, 'crm.access');
      expect(result.status).toBe('fail');
      expect(result.details?.code).toBe('AUTH_FAILED');
    });

    it('integration CNPJ with wrong check digits', async () => {
      const s = await fresh({ crm: { cnpj: '11.222.333/0001-80' } });
      expectProblem(await check(s.config(), 'crm.cnpj'), 'fail', /check digits/);
    });

    it('integration CNPJ not registered in the CRM', async () => {
      const s = await fresh({ sandbox: { integrationCnpjs: ['11444777000161'] } });
      const result = await check(s.config(), 'crm.access');
      expect(result.status).toBe('fail');
      expect(result.details?.code).toBe('CNPJ_INVALID');
    });

    it("clock skew against the CRM's Date header", async () => {
      const s = await fresh();
      const result = await check(s.config(), 'crm.clock', { now: () => new Date(Date.now() + 10 * 60_000) });
      expectProblem(result, 'warn', /clock is 6\d\d s off/);
    });
  });

  describe('Mega', () => {
    it('no enterprise flagged for the CRM', async () => {
      const s = await fresh();
      editMega(s, "UPDATE DBM_ESTRUTURA SET EST_BO_INTEGRACRM = 'N'");
      expectProblem(await check(s.config(), 'mega.enterprises'), 'fail', /No enterprise is flagged/);
    });

    it('no occurrence type integrated', async () => {
      const s = await fresh();
      editMega(s, "UPDATE DBM_TIPOOCORRENCIA SET OCS_BO_INTEGRACRM = 'N'");
      expectProblem(await check(s.config(), 'mega.occurrence-types'), 'fail', /No occurrence type is flagged/);
    });

    it('occurrence types that arrive closed', async () => {
      const s = await fresh();
      editMega(s, "UPDATE DBM_TIPOOCORRENCIA SET OCS_CH_SITUACAOCRM = 'F' WHERE OCS_BO_INTEGRACRM = 'S'");
      const result = await check(s.config(), 'mega.occurrence-types');
      expectProblem(result, 'warn', /arrive CLOSED/);
      expect(result.details?.closedTypes).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+:\d+$/)]));
    });

    it('a garage without its DBM_GARAGEM row (the manual\'s "CLGaragem" incident), with the SQL to inspect', async () => {
      const s = await fresh();
      const before = (await check(s.config(), 'mega.data.garage-without-row')).details?.count ?? 0;
      editMega(s, 'DELETE FROM DBM_GARAGEM WHERE EST_IN_CODIGO = (SELECT MIN(EST_IN_CODIGO) FROM DBM_GARAGEM)');
      const result = await check(s.config(), 'mega.data.garage-without-row');
      expectProblem(result, 'warn', /\d+ × Garages/);
      expect(result.details?.count).toBe(Number(before) + 1);
      expect(result.details?.inspectSql).toMatch(/DBM_GARAGEM/);
    });

    it('a client whose spouse cannot get an integration id', async () => {
      const s = await fresh();
      editMega(
        s,
        "UPDATE GLO_PESSOA_FISICA SET AGN_ST_CONJUGE = NULL WHERE AGN_CH_TIPO = 'P' AND AGN_IN_CODIGO = (SELECT MIN(AGN_IN_CODIGO) FROM GLO_PESSOA_FISICA WHERE AGN_CH_TIPO = 'C')",
      );
      expectProblem(await check(s.config(), 'mega.data.client-waiting-spouse'), 'warn', /spouse/);
    });

    it('contracts whose enterprise is not flagged', async () => {
      const s = await fresh();
      editMega(s, "UPDATE DBM_ESTRUTURA SET EST_BO_INTEGRACRM = 'N' WHERE EST_ST_CODIGO = 'EMP1'");
      expectProblem(await check(s.config(), 'mega.data.contract-enterprise-not-flagged'), 'warn', /not flagged/);
    });

    it('contracts whose buyer is not in scope (not a client in Mega), with the count and the SQL to inspect', async () => {
      const s = await fresh();
      editMega(s, "UPDATE DBM_ESTRUTURA SET EST_BO_INTEGRACRM = 'S' WHERE EST_CH_TIPOESTRUTURA = 'E'");
      const before = await check(s.config(), 'mega.data.contract-buyer-not-in-scope');
      expect(before.status).toBe('ok');
      // One buyer loses the client role: its contracts still go, and the CRM refuses them for the missing buyer.
      editMega(s, "DELETE FROM GLO_AGENTES_ID WHERE AGN_TAU_ST_CODIGO = 'C' AND AGN_IN_CODIGO = (SELECT MIN(AGN_IN_CODIGO) FROM CAR_CONTRATO_CLIENTE)");
      const result = await check(s.config(), 'mega.data.contract-buyer-not-in-scope');
      expectProblem(result, 'warn', /^\d+ × Contracts of flagged enterprises with a buyer who is not a client/);
      expect(Number(result.details?.count)).toBeGreaterThanOrEqual(1);
      expect(result.details?.inspectSql).toMatch(/GLO_AGENTES_ID/);
      expect(result.fix?.en).toMatch(/client role/);
    });

    it("clock skew between this machine and Mega's database (and Mega and the CRM)", async () => {
      const s = await fresh();
      expect((await check(s.config(), 'mega.clock')).status).toBe('ok');
      const result = await check(s.config(), 'mega.clock', { now: () => new Date(Date.now() - 10 * 60_000) });
      expectProblem(result, 'warn', /this machine's clock is -6\d\d s off Mega's/);
      expect(result.cause.pt).toMatch(/diferente do Mega/);
      expect(Math.abs(Number(result.details?.megaCrmSkewSeconds))).toBeLessThanOrEqual(2); // Mega and the CRM agree here
    });

    it("Mega's clock read from PostgreSQL (CURRENT_TIMESTAMP in UTC)", async () => {
      const s = await fresh();
      const schema = `cli_doctor_clock_${process.pid}`;
      const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
      try {
        await createDemoMegaPostgres(pool, singleSchema(schema), { clients: 5, seed: 3 });
        const config: CliConfig = { ...s.config(), mega: { dialect: 'postgres', connectionString: PG_URL, schemas: { schema } } };
        const healthy = await check(config, 'mega.clock');
        expect(healthy.status, JSON.stringify(healthy)).toBe('ok');
        expect(Math.abs(Number(healthy.details?.skewSeconds))).toBeLessThanOrEqual(2);
        expectProblem(
          await check(config, 'mega.clock', { now: () => new Date(Date.now() + 5 * 60_000) }),
          'warn',
          /this machine's clock is 3\d\d s off Mega's/,
        );
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      }
    });

    it('a change-feed trigger dropped', async () => {
      const s = await fresh();
      editMega(s, 'DROP TRIGGER MEGACRM_CAR_CONTRATO_U');
      const result = await check(s.config(), 'mega.feed');
      expectProblem(result, 'fail', /1 of \d+ change-feed trigger/);
      expect(result.details?.missing).toEqual(['MEGACRM_CAR_CONTRATO_U']);
    });

    it('the change feed not installed', async () => {
      const s = await fresh();
      editMega(s, 'DROP TABLE MEGACRM_FEED');
      expectProblem(await check(s.config(), 'mega.feed'), 'fail', /MEGACRM_FEED is not installed/);
    });

    it('the Mega database unreachable', async () => {
      const s = await fresh();
      const config = s.config();
      const result = await check({ ...config, mega: { dialect: 'sqlite', path: `${s.dir}/missing.db` } }, 'mega.connect');
      expect(result.status).toBe('fail');
      expect(result.cause.en).toMatch(/Mega database \(mega\) cannot be opened/);
    });
  });

  describe('store and schedule', () => {
    it('the store unreachable', async () => {
      const s = await fresh();
      const config = s.config();
      const result = await check({ ...config, store: { type: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/test' } }, 'store.open');
      expect(result.status).toBe('fail');
      expect(result.cause.en).toMatch(/store \(store\) cannot be opened/);
    });

    it('records parked in the store, by code', async () => {
      const s = await fresh();
      editMega(
        s,
        "UPDATE GLO_PESSOA_FISICA SET AGN_ST_CPF = '11144477736' WHERE AGN_CH_TIPO = 'P' AND AGN_IN_CODIGO = (SELECT MIN(p.AGN_IN_CODIGO) FROM GLO_PESSOA_FISICA p JOIN GLO_AGENTES a ON a.AGN_IN_CODIGO = p.AGN_IN_CODIGO WHERE p.AGN_CH_TIPO = 'P' AND a.AGN_CH_TIPOPESSOAFJ = 'F')",
      );
      const { runCli } = await import('../src/cli.js');
      const sink = { write: () => true } as unknown as NodeJS.WriteStream;
      expect(await runCli({ argv: ['sync', '--config', s.configPath], env: s.env, stdout: sink, stderr: sink })).toBe(1);
      const result = await check(s.config(), 'store.parked');
      expectProblem(result, 'warn', /\d+ record\(s\) parked \(refused for good\) by code: .*VALIDATION_FAILED × 1/);
      expect(result.details).toMatchObject({ VALIDATION_FAILED: 1 });
    });

    it('a run lock held by a dead process on this machine', async () => {
      const s = await fresh();
      expect((await check(s.config(), 'store.run-lock')).status).toBe('ok');
      const pid = await deadPid();
      const store = new SqliteStore({ path: join(s.dir, 'store.db') });
      expect(await store.acquireRunLock(`${hostname()}:${pid}:crashed`, 3_600_000)).toBe(true);
      const result = await check(s.config(), 'store.run-lock');
      expectProblem(result, 'warn', new RegExp(`held by process ${pid} on this machine since .*no longer exists`));
      expect(result.fix?.en).toMatch(/takes the lock over at once/);
      expect(result.details?.owner).toBe(`${hostname()}:${pid}:crashed`);
    });

    it("a run lock whose lease expired without a release (another host's run died)", async () => {
      const s = await fresh();
      const store = new SqliteStore({ path: join(s.dir, 'store.db') });
      expect(await store.acquireRunLock('other-host:4242:abcd', 100)).toBe(true);
      const result = await check(s.config(), 'store.run-lock', { now: () => new Date(Date.now() + 60_000) });
      expectProblem(result, 'warn', /run lock of other-host \(pid 4242\) since .* was not released and its lease expired/);
      expect(result.fix?.en).toMatch(/logs of the integration on other-host/);
    });

    it("a daily schedule shorter than the manual's 30 minutes", async () => {
      const s = await fresh({ extra: { schedule: { mode: 'daily', start: '08:00', every: '10m' } } });
      const result = await check(s.config(), 'schedule');
      expect(result.status).toBe('fail');
      expect(result.cause.en).toMatch(/at most every 30 minutes/);
    });

    it("the manual's schedule not starting: no run for longer than the schedule allows", async () => {
      const s = await fresh({ extra: { schedule: { mode: 'online', every: '20s' } } });
      expectProblem(await check(s.config(), 'schedule.running'), 'warn', /no run was ever recorded/);
      const { runCli } = await import('../src/cli.js');
      const sink = { write: () => true } as unknown as NodeJS.WriteStream;
      await runCli({ argv: ['sync', '--config', s.configPath], env: s.env, stdout: sink, stderr: sink });
      expect((await check(s.config(), 'schedule.running')).status).toBe('ok');
      expectProblem(await check(s.config(), 'schedule.running', { now: () => new Date(Date.now() + 2 * 3_600_000) }), 'warn', /No run for 1\d\d min/);
    });

    it("an online interval shorter than the measured runs (the manual's overlap warning)", async () => {
      const s = await fresh({ clients: 80, extra: { schedule: { mode: 'online', every: '1ms' } } });
      const { runCli } = await import('../src/cli.js');
      const sink = { write: () => true } as unknown as NodeJS.WriteStream;
      await runCli({ argv: ['sync', '--config', s.configPath], env: s.env, stdout: sink, stderr: sink });
      expectProblem(await check(s.config(), 'schedule'), 'warn', /longer than the online interval/);
    });
  });
});
