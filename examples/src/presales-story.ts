/** The pre-sales story of the manual, step by step, on a running environment; `print` narrates it. */
import { NATIVE_STATUSES as S } from '@mega-crm/vimob-adapter';
import { CREDIT_ANALYSIS, type PresalesEnvironment } from './presales-wiring.js';

export interface StoryResult {
  readonly vimobProspects: number;
  readonly narratives: readonly string[];
  readonly gateRefusal: string;
  readonly closedFlow: boolean;
  readonly replayOutcomes: Readonly<Record<string, number>>;
  readonly crmRecordsForConvertedProspect: number;
}

export async function runPresalesStory(env: PresalesEnvironment, print: (line: string) => void = () => undefined): Promise<StoryResult> {
  const { crm, crmSandbox, vimobSandbox, presales } = env;
  const maria = { key: 'PRO-1001', name: 'Maria Oliveira', document: '123.456.789-09', email: 'maria@exemplo.com.br' };
  const jose = { key: 'PRO-1002', name: 'José Santos', document: '987.654.321-00' };

  print('1. The CRM registers prospect PRO-1001 (lead → prospect) and pushes it to Vimob');
  await crm.upsertProspect(maria);
  print(`   push: ${(await presales.pushProspect(maria)).outcome}; again: ${(await presales.pushProspect(maria)).outcome}`);
  const mainOccurrence = (await crm.prospectMainOccurrence(maria.key)).occurrenceKey;
  print(`   Vimob holds ${vimobSandbox.vimob.state().prospects.length} prospect(s); CRM occurrence sent to Vimob: ${mainOccurrence}`);

  print('2. The broker presses "Vimob" and launches proposal PPS-1 for unit Apto 101');
  vimobSandbox.vimob.openProposal({ id: 'PPS-1', prospectId: maria.key, unit: 'Apto 101' });
  for (const status of [S.inserted, S.reserved]) print(`   ${status}: HTTP ${(await vimobSandbox.advance('PPS-1', status)).status}`);
  const refused = await vimobSandbox.advance('PPS-1', S.approved);
  const gateRefusal = String((JSON.parse(refused.body) as { reason?: string }).reason);
  print(`   ${S.approved}: HTTP ${refused.status} — ${gateRefusal}`);
  print(`3. In the CRM, "${CREDIT_ANALYSIS}" is concluded; Vimob asks again`);
  crmSandbox.setBpoStep(mainOccurrence, CREDIT_ANALYSIS, 'concluded');
  print(`   ${S.approved}: HTTP ${(await vimobSandbox.advance('PPS-1', S.approved)).status}`);
  const narratives = crmSandbox.occurrence(mainOccurrence)?.narratives.map((n) => n.text) ?? [];
  for (const text of narratives) print(`   narrative on ${mainOccurrence}: ${text}`);

  print('4. Prospect PRO-1002: proposal PPS-2 is cancelled with "Encerrar Fluxo no CRM?"');
  await crm.upsertProspect(jose);
  await presales.pushProspect(jose);
  vimobSandbox.vimob.openProposal({ id: 'PPS-2', prospectId: jose.key, unit: 'Apto 202' });
  await vimobSandbox.advance('PPS-2', S.inserted);
  await vimobSandbox.advance('PPS-2', S.cancelled);
  const second = crmSandbox.occurrence(`${jose.key}-OC`);
  print(`   CRM occurrence ${second?.integrationId}: ${second?.status}, flow closed: ${second?.flowClosed}`);

  print('5. Vimob delivers every webhook again, twice, shuffled');
  const replayOutcomes: Record<string, number> = {};
  for (const d of await vimobSandbox.replay({ times: 2, shuffle: true })) {
    const outcome = String((JSON.parse(d.body) as { outcome?: string; code?: string }).outcome ?? d.status);
    replayOutcomes[outcome] = (replayOutcomes[outcome] ?? 0) + 1;
  }
  print(`   outcomes: ${JSON.stringify(replayOutcomes)}; narratives still ${crmSandbox.occurrence(mainOccurrence)?.narratives.length}`);

  print('6. PRO-1001 buys: converted into a client under the same id');
  await presales.convertToClient(maria.key, { personType: 'F', name: maria.name, document: '12345678909', emails: [maria.email], phones: [], address: {} });
  const records = crmSandbox.state().clients.filter((c) => c.integrationId === maria.key).length + (crmSandbox.prospect(maria.key) ? 1 : 0);
  print(`   CRM records for ${maria.key}: ${records}`);

  return {
    vimobProspects: vimobSandbox.vimob.state().prospects.length,
    narratives: crmSandbox.occurrence(mainOccurrence)?.narratives.map((n) => n.text) ?? [],
    gateRefusal,
    closedFlow: second?.flowClosed ?? false,
    replayOutcomes,
    crmRecordsForConvertedProspect: records,
  };
}
