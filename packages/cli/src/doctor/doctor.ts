/**
 * `mega-crm doctor`: every incident of the integration manual ("Incidente / Causa / Solução"), checked
 * against the real setup, each answered OK / WARN / FAIL with its cause and fix in English and Portuguese.
 */
import { daily as dailyPolicy, isValidCnpj, MegaCrmError, type SyncStore } from '@mega-crm/core';
import { describeOwner, parseInterval } from '@mega-crm/core/internal';
import { CrmClient, type ProfileReport, SERVICE_DEFAULTS } from '@mega-crm/crm-client';
import { feedDdl, type MegaSchemaOverrides, resolveMegaSchema, runDataChecks, tableNames } from '@mega-crm/mega-mapper';
import type { CliConfig } from '../config.js';
import { connectCrm, crmClientConfig, type MegaConnection, openMega, openStore, Resources } from '../runtime.js';
import { probeWsdl, type WsdlProbe } from './wsdl-probe.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Bilingual {
  readonly en: string;
  readonly pt: string;
}

export interface CheckResult {
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found (the cause, for WARN and FAIL). */
  readonly cause: Bilingual;
  /** What to do; absent when OK. */
  readonly fix?: Bilingual;
  /** Counts, samples, SQL to inspect: no personal data. */
  readonly details?: Readonly<Record<string, string | number | readonly string[]>>;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export interface DoctorOptions {
  readonly now?: () => Date;
  /** Longest acceptable difference between this machine's clock and the CRM's. */
  readonly maxSkewMs?: number;
}

const ok = (id: string, en: string, pt: string, details?: CheckResult['details']): CheckResult => ({
  id,
  status: 'ok',
  cause: { en, pt },
  ...(details ? { details } : {}),
});
const problem = (id: string, status: 'warn' | 'fail', cause: Bilingual, fix: Bilingual, details?: CheckResult['details']): CheckResult => ({
  id,
  status,
  cause,
  fix,
  ...(details ? { details } : {}),
});
const skipped = (id: string, because: string, porque: string): CheckResult => ({
  id,
  status: 'skip',
  cause: { en: `not checked: ${because}`, pt: `não verificado: ${porque}` },
});

export async function runDoctor(config: CliConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const now = options.now ?? (() => new Date());
  const checks: CheckResult[] = [];
  const resources = new Resources();
  try {
    checks.push(checkCnpj(config.crm.cnpj));
    const probe = await checkWsdl(config, checks);
    const maxSkewMs = options.maxSkewMs ?? 120_000;
    checks.push(checkClock(probe, now(), maxSkewMs));
    const profile = await checkProfile(config, probe);
    checks.push(profile);
    await checkCrmService(config, checks, probe, resources, profile.status === 'fail');

    let mega: MegaConnection | undefined;
    try {
      mega = resources.add(await openMega(config), (m) => m.close());
      checks.push(ok('mega.connect', `Mega database reachable (${config.mega.dialect})`, `Banco do Mega acessível (${config.mega.dialect})`));
    } catch (error) {
      checks.push(failFromError('mega.connect', error));
    }
    if (mega) {
      checks.push(...(await checkMegaScope(config, mega)));
      checks.push(...(await checkMegaData(config, mega)));
      checks.push(await checkFeed(config, mega));
      checks.push(await checkMegaClock(mega, now(), maxSkewMs, probe));
    } else {
      for (const id of ['mega.enterprises', 'mega.occurrence-types', 'mega.data', 'mega.feed', 'mega.clock'])
        checks.push(skipped(id, 'Mega is not reachable', 'o Mega não está acessível'));
    }

    let store: SyncStore | undefined;
    try {
      store = resources.add(await openStore(config), (s) => s.close());
      await store.counts();
      checks.push(ok('store.open', `store reachable and migrated (${config.store.type})`, `store acessível e migrado (${config.store.type})`));
    } catch (error) {
      checks.push(failFromError('store.open', error));
    }
    checks.push(...(store ? await checkQueue(store) : [skipped('store.queue', 'the store is not reachable', 'o store não está acessível')]));
    checks.push(store ? await checkRunLock(store, now()) : skipped('store.run-lock', 'the store is not reachable', 'o store não está acessível'));
    checks.push(await checkSchedule(config, store));
    checks.push(await checkScheduleRunning(config, store, now()));
    checks.push(...PORTAL_CHECKS);
  } finally {
    await resources.close();
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

function failFromError(id: string, error: unknown): CheckResult {
  const e = MegaCrmError.is(error) ? error : undefined;
  const text = e ? e.summary : error instanceof Error ? error.message : String(error);
  return problem(
    id,
    'fail',
    { en: text, pt: text },
    e?.fix ?? { en: 'See the message; correct the configuration.', pt: 'Veja a mensagem; corrija a configuração.' },
    e ? { code: e.code } : undefined,
  );
}

function checkCnpj(cnpj: string): CheckResult {
  if (isValidCnpj(cnpj.replace(/\D+/g, '')))
    return ok('crm.cnpj', 'integration CNPJ has valid check digits', 'o CNPJ de integração tem dígitos verificadores válidos');
  return problem(
    'crm.cnpj',
    'fail',
    {
      en: 'The integration CNPJ (crm.cnpj) does not validate: its check digits are wrong.',
      pt: 'O CNPJ de integração (crm.cnpj) não valida: os dígitos verificadores estão errados.',
    },
    {
      en: 'Copy the CNPJ registered in the CRM Portal (Configurações › Integração) into crm.cnpj; the manual\'s "CNPJ inválido" incident.',
      pt: 'Copie para crm.cnpj o CNPJ cadastrado no Portal do CRM (Configurações › Integração); incidente "CNPJ inválido" do manual.',
    },
  );
}

function wsdlUrlOf(config: CliConfig): string | undefined {
  if (config.crm.wsdlUrl) return config.crm.wsdlUrl;
  if (!config.crm.host || !config.crm.clientPath) return undefined;
  const base = /^https?:\/\//.test(config.crm.host) ? config.crm.host : `http://${config.crm.host}`;
  return `${base.replace(/\/+$/, '')}/${config.crm.clientPath}/webservices/index.php?wsdl`;
}

const WSDL_FIX: Record<Exclude<WsdlProbe['kind'], 'ok'>, (url: string) => { cause: Bilingual; fix: Bilingual }> = {
  dns: (url) => ({
    cause: { en: `The CRM host in ${url} does not resolve (DNS).`, pt: `O host do CRM em ${url} não resolve (DNS).` },
    fix: {
      en: "Correct crm.host / crm.wsdlUrl (spelling, domain) or this machine's DNS.",
      pt: 'Corrija crm.host / crm.wsdlUrl (grafia, domínio) ou o DNS desta máquina.',
    },
  }),
  refused: (url) => ({
    cause: { en: `Nothing answers at ${url} (connection refused).`, pt: `Nada responde em ${url} (conexão recusada).` },
    fix: {
      en: 'Check the port and scheme (http/https) of the address and that the CRM server is up.',
      pt: 'Confira a porta e o protocolo (http/https) do endereço e se o servidor do CRM está no ar.',
    },
  }),
  tls: (url) => ({
    cause: { en: `The TLS handshake with ${url} failed (certificate).`, pt: `A negociação TLS com ${url} falhou (certificado).` },
    fix: {
      en: "Use the CRM's exact host name, or install its CA certificate on this machine.",
      pt: 'Use o nome exato do host do CRM, ou instale o certificado da CA dele nesta máquina.',
    },
  }),
  timeout: (url) => ({
    cause: { en: `The CRM did not answer ${url} in time.`, pt: `O CRM não respondeu ${url} a tempo.` },
    fix: {
      en: 'Check the network path (firewall, VPN, proxy) to the CRM, or raise crm.timeoutMs.',
      pt: 'Verifique o caminho de rede (firewall, VPN, proxy) até o CRM, ou aumente crm.timeoutMs.',
    },
  }),
  network: (url) => ({
    cause: { en: `The network failed while reading ${url}.`, pt: `A rede falhou ao ler ${url}.` },
    fix: { en: 'Retry; if it persists, check the network path to the CRM.', pt: 'Tente de novo; se persistir, verifique o caminho de rede até o CRM.' },
  }),
  'http-status': (url) => ({
    cause: { en: `The CRM answered ${url} with an HTTP error status.`, pt: `O CRM respondeu ${url} com um status HTTP de erro.` },
    fix: {
      en: 'Check crm.clientPath (the <cliente> segment) and that the web service is published.',
      pt: 'Confira crm.clientPath (o segmento <cliente>) e se o web service está publicado.',
    },
  }),
  empty: (url) => ({
    cause: {
      en: `${url} answered an empty document: Mega reports it as "Unable to load WSDL File/Location: … Error [Empty document]".`,
      pt: `${url} respondeu um documento vazio: o Mega mostra "Unable to load WSDL File/Location: … Error [Empty document]".`,
    },
    fix: {
      en: "The address is wrong: use http://<server>/<cliente>/webservices/index.php?wsdl, exactly as in the CRM Portal (the manual's WSDL incident).",
      pt: 'O endereço está errado: use http://<servidor>/<cliente>/webservices/index.php?wsdl, exatamente como no Portal do CRM (incidente de WSDL do manual).',
    },
  }),
  html: (url) => ({
    cause: {
      en: `${url} answered an HTML page, not a WSDL (a login page, proxy or error page).`,
      pt: `${url} respondeu uma página HTML, não um WSDL (login, proxy ou página de erro).`,
    },
    fix: {
      en: 'Point crm.wsdlUrl at the web service itself (…/webservices/index.php?wsdl).',
      pt: 'Aponte crm.wsdlUrl para o próprio web service (…/webservices/index.php?wsdl).',
    },
  }),
  'not-wsdl': (url) => ({
    cause: { en: `${url} answered something that is not a WSDL.`, pt: `${url} respondeu algo que não é um WSDL.` },
    fix: { en: 'Point crm.wsdlUrl at …/webservices/index.php?wsdl.', pt: 'Aponte crm.wsdlUrl para …/webservices/index.php?wsdl.' },
  }),
  'too-large': (url) => ({
    cause: { en: `${url} answered more than 10 MB: not a WSDL.`, pt: `${url} respondeu mais de 10 MB: não é um WSDL.` },
    fix: { en: 'Point crm.wsdlUrl at …/webservices/index.php?wsdl.', pt: 'Aponte crm.wsdlUrl para …/webservices/index.php?wsdl.' },
  }),
  'wrong-service': (url) => ({
    cause: {
      en: `The WSDL at ${url} does not describe the service ${SERVICE_DEFAULTS.serviceName}.`,
      pt: `O WSDL em ${url} não descreve o serviço ${SERVICE_DEFAULTS.serviceName}.`,
    },
    fix: {
      en: "The address is another web service: use the CRM's integration WSDL, or set the service name the CRM really uses.",
      pt: 'O endereço é de outro web service: use o WSDL de integração do CRM, ou o nome de serviço que o CRM realmente usa.',
    },
  }),
  'wrong-port': (url) => ({
    cause: { en: `The WSDL at ${url} has no port ${SERVICE_DEFAULTS.portName}.`, pt: `O WSDL em ${url} não tem a porta ${SERVICE_DEFAULTS.portName}.` },
    fix: { en: "Set the port name the CRM's WSDL declares.", pt: 'Informe o nome de porta que o WSDL do CRM declara.' },
  }),
};

async function checkWsdl(config: CliConfig, checks: CheckResult[]): Promise<WsdlProbe | undefined> {
  const url = wsdlUrlOf(config);
  if (!url) {
    checks.push(skipped('crm.wsdl', 'the WSDL is not given by address', 'o WSDL não é dado por endereço'));
    return undefined;
  }
  const probe = await probeWsdl(
    url,
    { service: SERVICE_DEFAULTS.serviceName, port: SERVICE_DEFAULTS.portName },
    config.crm.timeoutMs ?? SERVICE_DEFAULTS.timeoutMs,
  );
  if (probe.kind === 'ok') {
    checks.push(ok('crm.wsdl', `WSDL loaded from ${url} (${probe.bytes} bytes)`, `WSDL carregado de ${url} (${probe.bytes} bytes)`));
  } else {
    const { cause, fix } = WSDL_FIX[probe.kind](url);
    const details: Record<string, string | number | readonly string[]> = { kind: probe.kind };
    if ('detail' in probe) details.detail = probe.detail;
    if ('status' in probe) details.status = probe.status;
    if ('found' in probe) details.found = probe.found;
    checks.push(problem('crm.wsdl', 'fail', cause, fix, details));
  }
  return probe;
}

function checkClock(probe: WsdlProbe | undefined, now: Date, maxSkewMs: number): CheckResult {
  if (probe?.kind !== 'ok' || !probe.serverDate) return skipped('crm.clock', "the CRM's clock cannot be read", 'o relógio do CRM não pôde ser lido');
  const skew = Math.round((now.getTime() - probe.serverDate.getTime()) / 1000);
  if (Math.abs(skew) * 1000 <= maxSkewMs)
    return ok('crm.clock', `clock within ${Math.abs(skew)} s of the CRM's`, `relógio a ${Math.abs(skew)} s do relógio do CRM`);
  return problem(
    'crm.clock',
    'warn',
    {
      en: `This machine's clock is ${skew} s off the CRM's: run logs and schedules disagree.`,
      pt: `O relógio desta máquina está ${skew} s diferente do CRM: logs e agendas divergem.`,
    },
    { en: 'Synchronise the clocks with NTP.', pt: 'Sincronize os relógios com NTP.' },
    { skewSeconds: skew },
  );
}

/** The database's clock, in UTC, per dialect. */
const DB_NOW: Record<MegaConnection['sql']['dialect'], string> = {
  sqlite: "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS T",
  postgres: `SELECT to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS T`,
  oracle: `SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS T FROM DUAL`,
};

/** Mega's clock against this machine's (and the CRM's, when its Date header was read): change dates and run logs must agree. */
async function checkMegaClock(mega: MegaConnection, now: Date, maxSkewMs: number, probe: WsdlProbe | undefined): Promise<CheckResult> {
  let megaNow: number;
  try {
    const [row] = await mega.sql.all<{ T?: string; t?: string }>(DB_NOW[mega.sql.dialect]);
    megaNow = Date.parse(String(row?.T ?? row?.t));
  } catch {
    megaNow = Number.NaN;
  }
  if (!Number.isFinite(megaNow)) return skipped('mega.clock', "Mega's clock cannot be read", 'o relógio do Mega não pôde ser lido');
  const skew = Math.round((now.getTime() - megaNow) / 1000);
  const crmDate = probe?.kind === 'ok' ? probe.serverDate : undefined;
  // The CRM's Date header has a one-second resolution.
  const megaCrm = crmDate ? Math.round((megaNow - crmDate.getTime()) / 1000) : undefined;
  const details: Record<string, number> = { skewSeconds: skew, ...(megaCrm === undefined ? {} : { megaCrmSkewSeconds: megaCrm }) };
  const off = Math.abs(skew) * 1000 > maxSkewMs;
  const crmOff = megaCrm !== undefined && Math.abs(megaCrm) * 1000 > maxSkewMs;
  if (!off && !crmOff)
    return ok('mega.clock', `Mega's clock within ${Math.abs(skew)} s of this machine's`, `relógio do Mega a ${Math.abs(skew)} s do desta máquina`, details);
  const parts = {
    en: [off ? `this machine's clock is ${skew} s off Mega's` : '', crmOff ? `Mega's clock is ${megaCrm} s off the CRM's` : ''].filter(Boolean).join('; '),
    pt: [off ? `o relógio desta máquina está ${skew} s diferente do Mega` : '', crmOff ? `o relógio do Mega está ${megaCrm} s diferente do CRM` : '']
      .filter(Boolean)
      .join('; '),
  };
  return problem(
    'mega.clock',
    'warn',
    {
      en: `Clock skew: ${parts.en}. Change dates read from Mega, run logs and schedules disagree (a timestamp-polled change can be missed).`,
      pt: `Diferença de relógio: ${parts.pt}. Datas de alteração lidas do Mega, logs e agendas divergem (uma alteração lida por data pode ser perdida).`,
    },
    {
      en: "Synchronise the clocks of this machine, Mega's database server and the CRM server with NTP.",
      pt: 'Sincronize com NTP os relógios desta máquina, do servidor de banco do Mega e do servidor do CRM.',
    },
    details,
  );
}

/** A run lock left behind by a run that died (its process is gone, or its lease ran out without a release). */
async function checkRunLock(store: SyncStore, now: Date): Promise<CheckResult> {
  const holder = await store.runLockHolder();
  if (!holder) return ok('store.run-lock', 'run lock free: no run in progress', 'trava de execução livre: nenhuma execução em andamento');
  const owner = describeOwner(holder.owner);
  const where = `${owner.host}${owner.pid ? ` (pid ${owner.pid})` : ''}`;
  const since = holder.since ? ` since ${holder.since}` : '';
  const desde = holder.since ? ` desde ${holder.since}` : '';
  const expired = Date.parse(holder.expiresAt) < now.getTime();
  const details = { owner: holder.owner, expiresAt: holder.expiresAt, ...(holder.since ? { since: holder.since } : {}) };
  if (owner.alive === false) {
    return problem(
      'store.run-lock',
      'warn',
      {
        en: `The run lock is held by process ${owner.pid} on this machine${since}, which no longer exists: a run died without releasing it.`,
        pt: `A trava de execução pertence ao processo ${owner.pid} desta máquina${desde}, que não existe mais: uma execução morreu sem liberá-la.`,
      },
      {
        en: 'Nothing is lost: run `mega-crm sync` on this machine; it takes the lock over at once and queues again what that run left in flight.',
        pt: 'Nada se perde: rode `mega-crm sync` nesta máquina; ela assume a trava na hora e recoloca na fila o que aquela execução deixou em andamento.',
      },
      details,
    );
  }
  if (expired) {
    return problem(
      'store.run-lock',
      'warn',
      {
        en: `The run lock of ${where}${since} was not released and its lease expired at ${holder.expiresAt}: that run died or hung.`,
        pt: `A trava de execução de ${where}${desde} não foi liberada e expirou em ${holder.expiresAt}: aquela execução morreu ou travou.`,
      },
      {
        en: `The next run takes it over by itself. Check the logs of the integration on ${owner.host} for why that run ended.`,
        pt: `A próxima execução a assume sozinha. Verifique nos logs da integração em ${owner.host} por que aquela execução terminou.`,
      },
      details,
    );
  }
  return ok(
    'store.run-lock',
    `a run is in progress on ${where}${since}${owner.alive ? ' (process alive)' : ''}`,
    `uma execução está em andamento em ${where}${desde}${owner.alive ? ' (processo ativo)' : ''}`,
    details,
  );
}

/** The live WSDL compared with the profile in effect (reconstruction + crm.profile): what differs, and the crm.profile to set. */
async function checkProfile(config: CliConfig, probe: WsdlProbe | undefined): Promise<CheckResult> {
  if (probe && probe.kind !== 'ok') return skipped('crm.profile', 'the WSDL did not load', 'o WSDL não carregou');
  let report: ProfileReport;
  try {
    report = await CrmClient.checkProfile(crmClientConfig(config));
  } catch (error) {
    return failFromError('crm.profile', error);
  }
  const found = report.differences.filter((d) => d.effect !== 'none').map((d) => d.text);
  if (found.length === 0)
    return ok('crm.profile', 'the WSDL offers every operation as the profile describes it', 'o WSDL oferece todas as operações como o perfil as descreve');
  const listed = `${found.slice(0, 6).join('; ')}${found.length > 6 ? ` (+${found.length - 6})` : ''}`;
  const suggestion = JSON.stringify(report.suggestedProfile);
  const renames = suggestion !== '{}';
  return problem(
    'crm.profile',
    report.ok ? 'warn' : 'fail',
    {
      en: `The CRM's WSDL differs from the profile${report.ok ? ' (only in operations a sync does not need)' : ''}: ${listed}.`,
      pt: `O WSDL do CRM difere do perfil${report.ok ? ' (só em operações que a sincronização não usa)' : ''}: ${listed}.`,
    },
    renames
      ? {
          en: `If the CRM only uses other names, set in the configuration file "crm": { …, "profile": ${suggestion} }; otherwise ask Multidados which version of WebServicesMultidados this is.`,
          pt: `Se o CRM apenas usa outros nomes, informe no arquivo de configuração "crm": { …, "profile": ${suggestion} }; caso contrário, pergunte à Multidados qual versão do WebServicesMultidados é esta.`,
        }
      : {
          en: 'Ask Multidados whether this CRM offers these operations (and under which names), then set them as crm.profile.',
          pt: 'Pergunte à Multidados se este CRM oferece estas operações (e com que nomes) e informe-os em crm.profile.',
        },
    { differences: found, ...(renames ? { suggestedProfile: suggestion } : {}) },
  );
}

async function checkCrmService(
  config: CliConfig,
  checks: CheckResult[],
  probe: WsdlProbe | undefined,
  resources: Resources,
  profileFailed = false,
): Promise<void> {
  if (profileFailed) {
    checks.push(skipped('crm.access', 'the WSDL differs from the profile (see crm.profile)', 'o WSDL difere do perfil (veja crm.profile)'));
    return;
  }
  if (probe && probe.kind !== 'ok') {
    checks.push(skipped('crm.access', 'the WSDL did not load', 'o WSDL não carregou'));
    return;
  }
  let crm: CrmClient;
  try {
    crm = resources.add(await connectCrm(config), (c) => c.close());
    await crm.validateCnpj();
  } catch (error) {
    const e = MegaCrmError.is(error) ? error : undefined;
    const result = failFromError('crm.access', error);
    if (e?.code === 'IP_NOT_ALLOWED') {
      const ip = typeof e.details.ip === 'string' ? e.details.ip : 'this machine';
      checks.push({
        ...result,
        cause: {
          en: `The CRM refuses calls from ${ip}: "IP não está permitido o acesso a essa função".`,
          pt: `O CRM recusa chamadas de ${ip}: "IP não está permitido o acesso a essa função".`,
        },
        fix: {
          en: `Ask the CRM administrator to allow ${ip} in the CRM Portal (Configurações › Integração › IPs permitidos).`,
          pt: `Peça ao administrador do CRM para liberar ${ip} no Portal do CRM (Configurações › Integração › IPs permitidos).`,
        },
        details: { code: e.code, ip },
      });
    } else checks.push(result);
    return;
  }
  checks.push(ok('crm.access', 'credentials, IP and integration CNPJ accepted by the CRM', 'credenciais, IP e CNPJ de integração aceitos pelo CRM'));
}

/** The real Mega names the configuration gives (`mega.schema`), validated by mega-mapper. */
const megaNames = (config: CliConfig): MegaSchemaOverrides => (config.mega.schema ?? {}) as MegaSchemaOverrides;

async function checkMegaScope(config: CliConfig, mega: MegaConnection): Promise<CheckResult[]> {
  const t = resolveMegaSchema(mega.schemas, megaNames(config), mega.sql.dialect).from;
  const results: CheckResult[] = [];
  const enterpriseSql = `SELECT COUNT(*) AS N FROM ${t('DBM_ESTRUTURA')} e WHERE EST_CH_TIPOESTRUTURA = 'E' AND EST_BO_INTEGRACRM = 'S'`;
  const [enterprises] = await mega.sql.all<{ N: number | string }>(enterpriseSql);
  const flagged = Number(enterprises?.N ?? 0);
  results.push(
    flagged > 0
      ? ok('mega.enterprises', `${flagged} enterprise(s) flagged for the CRM`, `${flagged} empreendimento(s) marcado(s) para o CRM`, { count: flagged })
      : problem(
          'mega.enterprises',
          'fail',
          { en: 'No enterprise is flagged for the CRM: nothing will be sent.', pt: 'Nenhum empreendimento está marcado para o CRM: nada será enviado.' },
          {
            en: 'In Mega, open each enterprise (Cadastros › Estruturas) and tick "Integra CRM"; it is sent on the next run.',
            pt: 'No Mega, abra cada empreendimento (Cadastros › Estruturas) e marque "Integra CRM"; ele é enviado na próxima execução.',
          },
          { inspectSql: enterpriseSql },
        ),
  );
  const typesSql = `SELECT OCS_IN_MODULO AS M, OCS_IN_CODIGO AS C, OCS_CH_SITUACAOCRM AS S FROM ${t('DBM_TIPOOCORRENCIA')} tp WHERE OCS_BO_INTEGRACRM = 'S'`;
  const types = await mega.sql.all<{ M: number; C: number; S: string | null }>(typesSql);
  if (types.length === 0) {
    results.push(
      problem(
        'mega.occurrence-types',
        'fail',
        {
          en: 'No occurrence type is flagged for integration: no occurrence will be sent.',
          pt: 'Nenhum tipo de ocorrência está marcado para integração: nenhuma ocorrência será enviada.',
        },
        {
          en: 'In Mega, flag the occurrence types to integrate (Tipos de Ocorrência › "Integra CRM") and choose Aberta or Fechada for each.',
          pt: 'No Mega, marque os tipos de ocorrência a integrar (Tipos de Ocorrência › "Integra CRM") e escolha Aberta ou Fechada para cada um.',
        },
        { inspectSql: typesSql },
      ),
    );
  } else {
    const closed = types.filter((r) => r.S?.trim().toUpperCase() === 'F').map((r) => `${r.M}:${r.C}`);
    results.push(
      closed.length === 0
        ? ok(
            'mega.occurrence-types',
            `${types.length} occurrence type(s) integrated, all arriving open`,
            `${types.length} tipo(s) de ocorrência integrados, todos chegam abertos`,
          )
        : problem(
            'mega.occurrence-types',
            'warn',
            {
              en: `${closed.length} of ${types.length} integrated occurrence type(s) arrive CLOSED in the CRM (Fechada): ${closed.join(', ')}.`,
              pt: `${closed.length} de ${types.length} tipo(s) de ocorrência integrados chegam FECHADOS no CRM (Fechada): ${closed.join(', ')}.`,
            },
            {
              en: 'If the CRM team should work on them, set those types to "Aberta" in Mega; otherwise nothing to do.',
              pt: 'Se a equipe do CRM deve tratá-las, mude esses tipos para "Aberta" no Mega; senão, nada a fazer.',
            },
            { closedTypes: closed },
          ),
    );
  }
  return results;
}

async function checkMegaData(config: CliConfig, mega: MegaConnection): Promise<CheckResult[]> {
  const found = await runDataChecks(mega.sql, { schemas: mega.schemas, schema: megaNames(config) });
  return found.map((check) =>
    check.count === 0
      ? ok(`mega.data.${check.id}`, `none: ${check.title}`, `nenhum: ${check.title}`)
      : problem(`mega.data.${check.id}`, 'warn', { en: `${check.count} × ${check.title}`, pt: `${check.count} × ${check.title}` }, check.fix, {
          count: check.count,
          sample: check.sample,
          inspectSql: check.inspectSql.replace(/\s+/g, ' '),
        }),
  );
}

async function checkFeed(config: CliConfig, mega: MegaConnection): Promise<CheckResult> {
  if (config.mega.changes === 'timestamps')
    return ok('mega.feed', 'changes found by change timestamps (no feed needed)', 'alterações lidas pelas datas de alteração (sem feed)');
  const dialect = mega.sql.dialect;
  const oracleVersion = config.mega.dialect === 'oracle' ? config.mega.oracleVersion : undefined;
  const expected = feedDdl(dialect, mega.schemas, { schema: megaNames(config), ...(oracleVersion ? { oracleVersion } : {}) })
    .map((ddl) => /CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/i.exec(ddl)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => name.toUpperCase());
  const fix = {
    en: `Have the DBA run the change-feed install script (\`mega-crm init --dialect ${dialect}\` writes it), then run \`mega-crm doctor\` again.`,
    pt: `Peça ao DBA para executar o script de instalação do feed (\`mega-crm init --dialect ${dialect}\` o grava) e rode \`mega-crm doctor\` de novo.`,
  };
  let present: string[];
  try {
    await mega.sql.all(`SELECT COUNT(*) AS N FROM ${tableNames(mega.schemas)('MEGACRM_FEED')}`);
    present = await enabledTriggers(mega);
  } catch {
    return problem(
      'mega.feed',
      'fail',
      { en: 'The change feed table MEGACRM_FEED is not installed in Mega.', pt: 'A tabela de feed MEGACRM_FEED não está instalada no Mega.' },
      fix,
    );
  }
  const missing = expected.filter((name) => !present.includes(name));
  if (missing.length === 0)
    return ok('mega.feed', `change feed installed, ${expected.length} trigger(s) enabled`, `feed instalado, ${expected.length} gatilho(s) ativo(s)`);
  return problem(
    'mega.feed',
    'fail',
    {
      en: `${missing.length} of ${expected.length} change-feed trigger(s) are missing or disabled: changes to those tables never reach the CRM.`,
      pt: `${missing.length} de ${expected.length} gatilho(s) do feed estão ausentes ou desativados: alterações nessas tabelas nunca chegam ao CRM.`,
    },
    fix,
    { missing },
  );
}

async function enabledTriggers(mega: MegaConnection): Promise<string[]> {
  const sql =
    mega.sql.dialect === 'sqlite'
      ? "SELECT name AS N FROM sqlite_master WHERE type = 'trigger' AND UPPER(name) LIKE 'MEGACRM%'"
      : mega.sql.dialect === 'postgres'
        ? "SELECT tgname AS N FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND UPPER(tgname) LIKE 'MEGACRM%'"
        : "SELECT TRIGGER_NAME AS N FROM ALL_TRIGGERS WHERE STATUS = 'ENABLED' AND TRIGGER_NAME LIKE 'MEGACRM%'";
  const rows = await mega.sql.all<{ N?: string; n?: string }>(sql);
  return rows.map((r) => String(r.N ?? r.n).toUpperCase());
}

async function checkQueue(store: SyncStore): Promise<CheckResult[]> {
  const counts = await store.counts();
  const parked = await store.listParked();
  const byCode: Record<string, number> = {};
  for (const p of parked) byCode[p.code] = (byCode[p.code] ?? 0) + 1;
  const results: CheckResult[] = [];
  const spouseWaits = byCode.SPOUSE_WITHOUT_INTEGRATION_ID ?? 0;
  results.push(
    counts.held === 0 && spouseWaits === 0
      ? ok('store.held', 'no record waits on another one', 'nenhum registro aguarda outro')
      : problem(
          'store.held',
          'warn',
          {
            en: `${counts.held} record(s) held waiting on a dependency, ${spouseWaits} parked as "CONJUGE SEM ID INTEGRACAO" (spouse without integration id).`,
            pt: `${counts.held} registro(s) retidos aguardando uma dependência, ${spouseWaits} parados como "CONJUGE SEM ID INTEGRACAO" (cônjuge sem id de integração).`,
          },
          {
            en: "Complete the spouse's record in Mega (name, CPF) so it is sent first; `mega-crm parked --code SPOUSE_WITHOUT_INTEGRATION_ID` lists them.",
            pt: 'Complete o cadastro do cônjuge no Mega (nome, CPF) para que ele seja enviado antes; `mega-crm parked --code SPOUSE_WITHOUT_INTEGRATION_ID` os lista.',
          },
          { held: counts.held, spouseWithoutId: spouseWaits },
        ),
  );
  results.push(
    parked.length === 0
      ? ok('store.parked', 'no parked record', 'nenhum registro parado')
      : problem(
          'store.parked',
          'warn',
          {
            en: `${parked.length} record(s) parked (refused for good) by code: ${formatCodes(byCode)}.`,
            pt: `${parked.length} registro(s) parados (recusados) por código: ${formatCodes(byCode)}.`,
          },
          {
            en: 'Correct them in Mega (they are sent again on their next change), or run `mega-crm retry --code <CODE>` once the cause is fixed.',
            pt: 'Corrija-os no Mega (são reenviados na próxima alteração), ou rode `mega-crm retry --code <CODIGO>` depois de corrigir a causa.',
          },
          byCode,
        ),
  );
  return results;
}

function formatCodes(byCode: Record<string, number>): string {
  return Object.entries(byCode)
    .map(([code, n]) => `${code} × ${n}`)
    .join(', ');
}

async function checkSchedule(config: CliConfig, store: SyncStore | undefined): Promise<CheckResult> {
  const schedule = config.schedule;
  if (!schedule) return skipped('schedule', 'no schedule in the configuration', 'nenhuma agenda na configuração');
  if (schedule.mode === 'daily') {
    try {
      dailyPolicy({ start: schedule.start, every: schedule.every });
    } catch (error) {
      return failFromError('schedule', error);
    }
    return ok('schedule', `daily from ${schedule.start}, every ${schedule.every}`, `diária a partir de ${schedule.start}, a cada ${schedule.every}`);
  }
  const every = parseInterval(schedule.every);
  const runs = store ? await store.listRuns(20) : [];
  const durations = runs.map((r) => Date.parse(r.endedAt) - Date.parse(r.startedAt)).filter((d) => Number.isFinite(d) && d >= 0);
  const longest = durations.length > 0 ? Math.max(...durations) : 0;
  if (longest <= every) {
    return ok(
      'schedule',
      `online every ${schedule.every}; the longest of the last ${durations.length} run(s) took ${longest} ms`,
      `online a cada ${schedule.every}; a mais longa das últimas ${durations.length} execuções levou ${longest} ms`,
    );
  }
  return problem(
    'schedule',
    'warn',
    {
      en: `Runs take up to ${longest} ms, longer than the online interval ${schedule.every}: in the incumbent this overlaps runs (the manual's warning); here triggers are folded into one follow-up run, so the CRM is never hit twice, but the backlog grows.`,
      pt: `Execuções levam até ${longest} ms, mais que o intervalo online ${schedule.every}: no sistema atual isso sobrepõe execuções (aviso do manual); aqui os disparos viram uma única execução seguinte, sem duplicar no CRM, mas o acúmulo cresce.`,
    },
    {
      en: 'Raise the online interval, or use a daily schedule for large volumes.',
      pt: 'Aumente o intervalo online, ou use a agenda diária para grandes volumes.',
    },
    { longestRunMs: longest, intervalMs: every },
  );
}

/** The manual's "o agendamento de integração do CRM não está sendo iniciado": no run for longer than the schedule allows. */
async function checkScheduleRunning(config: CliConfig, store: SyncStore | undefined, now: Date): Promise<CheckResult> {
  const schedule = config.schedule;
  if (!schedule || !store) return skipped('schedule.running', 'no schedule or no store', 'sem agenda ou sem store');
  const [last] = await store.listRuns(1);
  // Daily: at most `every` between runs during the day; overnight gaps are normal, so allow a day.
  const allowedMs = schedule.mode === 'online' ? Math.max(3 * parseInterval(schedule.every), 5 * 60_000) : 26 * 3_600_000;
  const ageMs = last ? now.getTime() - Date.parse(last.endedAt) : Number.POSITIVE_INFINITY;
  if (ageMs <= allowedMs)
    return ok('schedule.running', `last run ended ${Math.round(ageMs / 1000)} s ago`, `última execução terminou há ${Math.round(ageMs / 1000)} s`);
  return problem(
    'schedule.running',
    'warn',
    {
      en: last
        ? `No run for ${Math.round(ageMs / 60_000)} min although the schedule is ${schedule.mode}: the scheduled task is not starting.`
        : `The schedule is ${schedule.mode} but no run was ever recorded: the scheduled task is not starting.`,
      pt: last
        ? `Nenhuma execução há ${Math.round(ageMs / 60_000)} min embora a agenda seja ${schedule.mode}: a tarefa agendada não está iniciando.`
        : `A agenda é ${schedule.mode} mas nenhuma execução foi registrada: a tarefa agendada não está iniciando.`,
    },
    {
      en: "Start `mega-crm schedule` (or your host app's scheduler) on the machine that runs the integration, as a service that restarts with the machine.",
      pt: 'Inicie `mega-crm schedule` (ou o agendador da sua aplicação) na máquina responsável pela integração, como serviço que reinicia com a máquina.',
    },
    last ? { lastRunEndedAt: last.endedAt } : undefined,
  );
}

/** Incidents on the CRM Portal's side: the web service cannot see them, so the doctor says where to look. */
const PORTAL_CHECKS: readonly CheckResult[] = [
  {
    id: 'crm.portal-operator',
    status: 'skip',
    cause: {
      en: 'not checkable through the web service: "Detalhes do Contrato" opens the Portal de Clientes login when the "Operador CRM" user is missing or has the wrong profile.',
      pt: 'não verificável pelo web service: "Detalhes do Contrato" abre o login do Portal de Clientes quando o usuário "Operador CRM" falta ou tem o perfil errado.',
    },
    fix: {
      en: 'If that happens, create or correct the "Operador CRM" user in the Portal de Clientes (manual: "Como posso criar um usuário operador do CRM").',
      pt: 'Se ocorrer, crie ou corrija o usuário "Operador CRM" no Portal de Clientes (manual: "Como posso criar um usuário operador do CRM").',
    },
  },
  {
    id: 'crm.portal-enterprises',
    status: 'skip',
    cause: {
      en: 'not checkable through the web service: "Contrato inválido ou você não tem permissão de acesso!" means the contract\'s enterprise is not linked to the CRM integration user.',
      pt: 'não verificável pelo web service: "Contrato inválido ou você não tem permissão de acesso!" indica que o empreendimento do contrato não está vinculado ao usuário de integração do CRM.',
    },
    fix: {
      en: 'Link every enterprise flagged for the CRM to the integration user in the Portal de Clientes.',
      pt: 'Vincule cada empreendimento marcado para o CRM ao usuário de integração no Portal de Clientes.',
    },
  },
];
