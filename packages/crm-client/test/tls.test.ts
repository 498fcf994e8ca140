import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/client.js';
import { CREDENTIALS, envelopesDir, wsdlFixture } from './contract/paths.js';
import { joao } from './contract/scenarios.js';

const cert = readFileSync(new URL('./fixtures/tls/localhost.crt', import.meta.url));
const key = readFileSync(new URL('./fixtures/tls/localhost.key', import.meta.url));
const server = createServer({ cert, key }, (req, res) => {
  res.setHeader('Content-Type', 'text/xml; charset=ISO-8859-1');
  if (req.method === 'GET') return res.end(readFileSync(wsdlFixture));
  req.resume();
  req.on('end', () => res.end(readFileSync(`${envelopesDir}/upsert-client.ok.response.xml`)));
});
let wsdlUrl = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  wsdlUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/cliente/webservices/index.php?wsdl`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('TLS', () => {
  it('an untrusted certificate is a WSDL_UNAVAILABLE configuration error naming the TLS problem', async () => {
    const error = await CrmClient.connect({ wsdlUrl, ...CREDENTIALS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WSDL_UNAVAILABLE', stopsRun: true });
    expect((error as Error).message).toMatch(/SELF_SIGNED|certificate/i);
  });

  it('trusting the CA through the tls option connects and calls over HTTPS', async () => {
    const endpoint = wsdlUrl.replace('?wsdl', '');
    const client = await CrmClient.connect({ wsdlUrl, endpoint, ...CREDENTIALS, tls: { ca: cert } });
    await expect(client.upsertClient(joao)).resolves.toEqual({ crmId: '2', message: 'CLIENTE INCLUIDO' });
    client.close();
  });
});
