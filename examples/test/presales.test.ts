import { signWebhook } from '@mega-crm/vimob-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { runPresalesStory } from '../src/presales-story.js';
import { type PresalesEnvironment, startPresalesEnvironment, WEBHOOK_SECRET } from '../src/presales-wiring.js';

let env: PresalesEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe.each(['node', 'fastify'] as const)('pre-sales example mounted on %s', (framework) => {
  it('runs the whole story', async () => {
    env = await startPresalesEnvironment({ framework });
    const result = await runPresalesStory(env);
    expect(result.vimobProspects).toBe(3);
    expect(result.narratives).toEqual([
      'Vimob: proposta PPS-1 inserida (unidade Apto 101).',
      'Vimob: unidade Apto 101 reservada para a proposta PPS-1.',
      'Vimob: proposta PPS-1 aprovada.',
    ]);
    expect(result.gateRefusal).toMatch(/waits on BPO step "Análise de Crédito", which is pending/);
    expect(result.closedFlow).toBe(true);
    expect(Object.keys(result.replayOutcomes).filter((k) => k !== 'duplicate' && k !== 'stale')).toEqual([]);
    expect(Object.values(result.replayOutcomes).reduce((a, b) => a + b, 0)).toBe(2 * 6);
    expect(result.crmRecordsForConvertedProspect).toBe(1);
    // Mega's side, through the SyncEngine: the edit reaches the CRM prospect; the conversion is one CRM record.
    expect(result.megaEdit).toEqual({ crmName: 'Carla Dias Moreira', prospects: 1 });
    expect(result.megaConversion).toEqual({ records: 1, sameCrmId: true, failed: 0 });
    expect(env.crmSandbox.client('1-1-5001')?.fields).toMatchObject({ nome: 'Carla Dias' });
  });

  it('refuses a bad signature (401) and a 2 MB body (413)', async () => {
    env = await startPresalesEnvironment({ framework });
    const bad = await fetch(env.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(401);
    const big = 'x'.repeat(2 * 1024 * 1024);
    const huge = await fetch(env.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(WEBHOOK_SECRET, big) },
      body: big,
    });
    expect(huge.status).toBe(413);
  });
});
