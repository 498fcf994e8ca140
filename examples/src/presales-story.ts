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
  /** Mega: the CRM prospect's name after Mega renamed it, and how the sync ended each step. */
  readonly megaEdit: { readonly crmName: string | undefined; readonly prospects: number };
  /** Mega: the prospect converted into a client there — CRM records under its id, and whether the CRM id stayed. */
  readonly megaConversion: { readonly records: number; readonly sameCrmId: boolean; readonly failed: number };
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

  print('7. Prospect 1-1-5001, registered in the CRM, is "descarregado" into Mega (agent 1-1-5001) and completed there');
  const { db, engine } = env.mega;
  const carla = { key: '1-1-5001', name: 'Carla Dias', document: '529.982.247-25', email: 'carla@exemplo.com.br' };
  await crm.upsertProspect(carla);
  await presales.pushProspect(carla);
  const agent = { tab: 1, pad: 1, code: 5001 };
  db.prepare(
    `INSERT INTO GLO_AGENTES (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_ST_NOME, AGN_CH_TIPOPESSOAFJ, AGN_ST_EMAIL)
      VALUES (@tab, @pad, @code, 'Carla Dias', 'F', 'carla@exemplo.com.br')`,
  ).run(agent);
  db.prepare(
    `INSERT INTO GLO_PESSOA_FISICA (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_CH_TIPO, AGN_ST_CPF) VALUES (@tab, @pad, @code, 'P', '52998224725')`,
  ).run(agent);
  db.prepare(
    `INSERT INTO CMR_PROSPECT (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, PRO_ST_NOME, PRO_CH_TIPOPESSOAFJ, PRO_ST_CPFCNPJ, PRO_ST_EMAIL, PRO_CH_ORIGEM)
      VALUES (@tab, @pad, @code, 'Carla Dias', 'F', '52998224725', 'carla@exemplo.com.br', 'C')`,
  ).run(agent);
  await engine.run({ trigger: 'presales: first sync' });
  db.prepare(`UPDATE CMR_PROSPECT SET PRO_ST_NOME = 'Carla Dias Moreira', PRO_ST_TELEFONE = '(31) 99876-5432' WHERE AGN_IN_CODIGO = @code`).run(agent);
  const edit = await engine.run({ trigger: 'presales: Mega edited the prospect' });
  const edited = crmSandbox.prospect(carla.key);
  const prospectsAfterEdit = crmSandbox.state().prospects.filter((p) => p.integrationId === carla.key).length;
  print(
    `   Mega renamed it: the CRM prospect is now "${edited?.fields.nome}" (sent ${edit.byEntity.prospect.sent}, CRM prospects ${crmSandbox.state().prospects.length})`,
  );

  print('8. Mega converts prospect 1-1-5001 into a client (the agent takes the client role); the client sync runs');
  db.prepare(
    `INSERT INTO GLO_AGENTES_ID (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO, AGN_CH_STATUS) VALUES (@tab, @pad, @code, 'C', 'A')`,
  ).run(agent);
  const conversion = await engine.run({ trigger: 'presales: Mega converted the prospect' });
  const megaRecords = crmSandbox.state().clients.filter((c) => c.integrationId === carla.key).length + (crmSandbox.prospect(carla.key) ? 1 : 0);
  const sameCrmId = crmSandbox.client(carla.key)?.crmId === edited?.crmId;
  print(`   CRM records for ${carla.key}: ${megaRecords} (a client now, CRM id ${sameCrmId ? 'kept' : 'CHANGED'})`);

  return {
    megaEdit: { crmName: edited?.fields.nome, prospects: prospectsAfterEdit },
    megaConversion: {
      records: megaRecords,
      sameCrmId,
      failed: conversion.byEntity.client.failed + conversion.byEntity.prospect.failed + edit.byEntity.prospect.failed,
    },
    vimobProspects: vimobSandbox.vimob.state().prospects.length,
    narratives: crmSandbox.occurrence(mainOccurrence)?.narratives.map((n) => n.text) ?? [],
    gateRefusal,
    closedFlow: second?.flowClosed ?? false,
    replayOutcomes,
    crmRecordsForConvertedProspect: records,
  };
}
