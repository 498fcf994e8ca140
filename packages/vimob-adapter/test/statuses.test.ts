import { describe, expect, it } from 'vitest';
import { NATIVE_STATUSES as S } from '../src/profile.js';
import { DEFAULT_STATUS_TABLE, StatusTable } from '../src/statuses.js';
import { ana, CREDIT, startEnvironment } from './harness.js';

describe('status table', () => {
  it('fills narrative placeholders and rejects unknown ones, duplicates and unknown keys', () => {
    const table = new StatusTable([{ code: 'X', label: 'Em análise jurídica', narrative: '{label}: proposta {proposal} às {at}' }]);
    const rule = table.get('X');
    expect(rule && StatusTable.narrative(rule, { label: rule.label, proposal: 'P1', at: '2026-01-01T10:00:00Z' })).toBe(
      'Em análise jurídica: proposta P1 às 2026-01-01T10:00:00Z',
    );
    expect(() => new StatusTable([{ code: 'X', label: 'x', narrative: 'oi {cliente}' }])).toThrow(/unknown placeholder/);
    expect(() => new StatusTable([...DEFAULT_STATUS_TABLE, DEFAULT_STATUS_TABLE[0] as never])).toThrow(/appears twice/);
    expect(() => new StatusTable([{ code: 'X', label: 'x', narrative: 'y', closeFlow: true } as never])).toThrow(/CONFIG_INVALID|Unrecognized key/);
  });
});

describe('checkGate', () => {
  it('allows an ungated status; for a gated one names the BPO step and its CRM state', async () => {
    const env = await startEnvironment();
    try {
      await env.crm.upsertProspect(ana);
      const proposal = { id: 'PPS-1', prospectId: 'PRO-1' };
      expect(await env.presales.checkGate(proposal, S.reserved)).toMatchObject({ allowed: true });
      env.crmSandbox.setBpoStep('PRO-1-OC', CREDIT, 'in-progress');
      expect(await env.presales.checkGate(proposal, S.approved)).toEqual({
        proposalId: 'PPS-1',
        status: S.approved,
        allowed: false,
        step: CREDIT,
        stepState: 'in-progress',
        reason: `Proposta aprovada waits on BPO step "${CREDIT}", which is in-progress in the CRM (occurrence PRO-1-OC).`,
      });
      env.crmSandbox.setBpoStep('PRO-1-OC', CREDIT, 'concluded');
      expect(await env.presales.checkGate(proposal, S.approved)).toMatchObject({ allowed: true, stepState: 'concluded' });
      await expect(env.presales.checkGate(proposal, 'NOPE')).rejects.toMatchObject({ code: 'WEBHOOK_INVALID' });
    } finally {
      await env.close();
    }
  });
});
