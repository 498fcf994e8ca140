/**
 * Regenerates the recorded contract fixtures from the sandbox (a reconstruction of the CRM, see
 * profile.ts): the WSDL and, per scenario, the request the client sends and the response it gets.
 * Run: pnpm --filter @mega-crm/crm-client record-fixtures   (then review the diff)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { CrmSandbox } from '@mega-crm/crm-sandbox';
import { CrmClient } from '../../src/client.js';
import { renderWsdl } from '../../src/profile/wsdl.js';
import { type HttpClient, HttpTransport } from '../../src/transport.js';
import { CREDENTIALS, envelopesDir, FIXTURE_ENDPOINT, FIXTURE_SERVER, wsdlFixture } from './paths.js';
import { FROZEN_NOW, SCENARIOS } from './scenarios.js';

const NOTE =
  '<!-- RECONSTRUCTED, NOT RECORDED FROM A LIVE CRM: the live WebServicesMultidados WSDL is not public. Rendered from packages/crm-client/src/profile/profile.ts in the shape PHP NuSOAP generates (rpc/encoded, SOAP 1.1). -->';
const [declaration, ...rest] = renderWsdl({ serverName: FIXTURE_SERVER, endpoint: FIXTURE_ENDPOINT }).split('\n');
writeFileSync(wsdlFixture, Buffer.from(`${declaration}\n${NOTE}\n${rest.join('\n')}\n`, 'latin1'));

mkdirSync(envelopesDir, { recursive: true });
for (const scenario of SCENARIOS) {
  const sandbox = await new CrmSandbox({ clientPath: 'cliente', now: () => FROZEN_NOW, ...scenario.sandbox }).start();
  const transport = new HttpTransport({ timeoutMs: 5000, maxSockets: 4 });
  let recording = false;
  const exchanges: Array<{ request: string; status: number; contentType: string; body: Buffer }> = [];
  const recorder: HttpClient = {
    async send(url, body, headers) {
      const res = await transport.send(url, body, headers);
      if (recording && body !== null) {
        // Re-fetch the raw bytes: the transport decodes; fixtures keep what went over the wire.
        exchanges.push({
          request: body,
          status: res.status,
          contentType: String(res.headers['content-type']),
          body: Buffer.from(res.data, /iso-8859-1/i.test(String(res.headers['content-type'])) ? 'latin1' : 'utf8'),
        });
      }
      return res;
    },
  };
  // The sandbox serves the endpoint under its own host; requests are rewritten to the fixture's host.
  const client = await CrmClient.connect({
    wsdlUrl: sandbox.wsdlUrl,
    ...CREDENTIALS,
    ...(scenario.password ? { password: scenario.password } : {}),
    httpClient: recorder,
  });
  const setupClient = await CrmClient.connect({ wsdlUrl: sandbox.wsdlUrl, ...CREDENTIALS });
  await scenario.setup?.(setupClient, sandbox);
  recording = true;
  await scenario.call(client).catch(() => undefined);
  recording = false;
  const [exchange] = exchanges;
  if (!exchange || exchanges.length !== 1) throw new Error(`${scenario.name}: expected exactly one recorded exchange, got ${exchanges.length}`);
  const host = new URL(sandbox.url).host;
  const request = exchange.request.replaceAll(`http://${host.replace(/:\d+$/, '')}/soap/`, `http://${FIXTURE_SERVER}/soap/`);
  const response = Buffer.from(
    exchange.body.toString('latin1').replaceAll(`http://${host.replace(/:\d+$/, '')}/soap/`, `http://${FIXTURE_SERVER}/soap/`),
    'latin1',
  );
  writeFileSync(`${envelopesDir}/${scenario.name}.request.xml`, request);
  writeFileSync(`${envelopesDir}/${scenario.name}.response.xml`, response);
  writeFileSync(`${envelopesDir}/${scenario.name}.meta.json`, `${JSON.stringify({ status: exchange.status, contentType: exchange.contentType }, null, 2)}\n`);
  client.close();
  setupClient.close();
  await sandbox.stop();
  console.log(`recorded ${scenario.name} (HTTP ${exchange.status})`);
}
