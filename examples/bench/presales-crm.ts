/**
 * The pre-sales bench's CRM sandbox, in its own process (as `pnpm bench` runs the CRM apart): the BPO
 * step of every bench prospect's main occurrence concluded up front. Prints the WSDL URL on stdout's
 * first line; stops on SIGTERM. Usage: presales-crm.ts <prospects>
 */
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { CREDIT_ANALYSIS } from '../src/presales-wiring.js';

const prospects = Number(process.argv[2] ?? 0);
const sandbox = await new CrmSandbox().start();
for (let i = 0; i < prospects; i++) sandbox.setBpoStep(`PRO-${i}-OC`, CREDIT_ANALYSIS, 'concluded');
console.log(sandbox.wsdlUrl);
process.on('SIGTERM', () => void sandbox.stop().then(() => process.exit(0)));
