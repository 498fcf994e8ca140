/** Starts a Vimob sandbox: `tsx bin/serve.ts [port] [webhookUrl]`, then GET /__sandbox/state. */
import { VimobSandbox } from '../src/index.js';

const [port = '0', webhookUrl] = process.argv.slice(2);
const sandbox = await new VimobSandbox(webhookUrl ? { webhookUrl } : {}).start(Number(port));
console.log(`Vimob sandbox at ${sandbox.url} (token sandbox-token, company demo; state at ${sandbox.url}/__sandbox/state)`);
