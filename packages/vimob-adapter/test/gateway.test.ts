import { VimobSandbox } from '@mega-crm/vimob-sandbox';
import { afterEach } from 'vitest';
import { InMemoryVimob } from '../src/fake.js';
import { HttpVimobGateway } from '../src/http-gateway.js';
import { gatewayContract } from './gateway-contract.js';

const sandboxes: VimobSandbox[] = [];
afterEach(async () => {
  for (const s of sandboxes.splice(0)) await s.stop();
});

gatewayContract('InMemoryVimob (the fake)', async () => {
  const vimob = new InMemoryVimob();
  return { gateway: vimob, vimob };
});

gatewayContract('HttpVimobGateway → vimob-sandbox over HTTP', async () => {
  const sandbox = await new VimobSandbox().start();
  sandboxes.push(sandbox);
  return { gateway: new HttpVimobGateway({ ...sandbox.gatewayOptions, retries: 0 }), vimob: sandbox.vimob };
});
