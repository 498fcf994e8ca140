/**
 * `pnpm demo:presales`: the pre-sales story (CRM ⇄ Vimob) on the local sandboxes, printed step by
 * step; exits 0 when every step did what the manual says.
 */
import { runPresalesStory } from './presales-story.js';
import { startPresalesEnvironment } from './presales-wiring.js';

const framework = process.argv.includes('--fastify') ? 'fastify' : 'node';
const env = await startPresalesEnvironment({ framework });
console.log(`mega-crm pre-sales demo: CRM sandbox ${env.crmSandbox.wsdlUrl}, Vimob sandbox ${env.vimobSandbox.url}, webhook (${framework}) ${env.webhookUrl}`);
try {
  const result = await runPresalesStory(env, (line) => console.log(line));
  const ok =
    result.vimobProspects === 3 &&
    result.narratives.length === 3 &&
    result.closedFlow &&
    Object.keys(result.replayOutcomes).every((k) => k === 'duplicate' || k === 'stale') &&
    result.crmRecordsForConvertedProspect === 1 &&
    result.megaEdit.crmName === 'Carla Dias Moreira' &&
    result.megaConversion.records === 1 &&
    result.megaConversion.sameCrmId &&
    result.megaConversion.failed === 0;
  console.log(ok ? 'pre-sales demo: every step as expected' : 'pre-sales demo: a step did not do what was expected');
  process.exitCode = ok ? 0 : 1;
} finally {
  await env.close();
}
