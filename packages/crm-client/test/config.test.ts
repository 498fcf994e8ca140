import { describe, expect, expectTypeOf, it } from 'vitest';
import { type CrmClientConfig, resolveCrmClientConfig } from '../src/config.js';
import type { Pem, TlsKey } from '../src/transport.js';

const base = { user: 'integra.mega', password: 's3cret', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11.222.333/0001-81' };

describe('CRM client configuration', () => {
  it('builds the WSDL URL from host and client path and applies the manual defaults', () => {
    const config = resolveCrmClientConfig({ ...base, host: 'crm.example.com.br', clientPath: 'acme' });
    expect(config.wsdlUrl).toBe('http://crm.example.com.br/acme/webservices/index.php?wsdl');
    expect(config).toMatchObject({
      timeoutMs: 15_007,
      serviceName: 'WebServicesMultidados',
      portName: 'WebServicesMultidadosPort',
      cnpj: '11222333000181',
      encoding: 'auto',
    });
  });

  it('rejects bad values of the transport options by name', () => {
    const url = { wsdlUrl: 'http://x/y/webservices/index.php?wsdl' };
    expect(() => resolveCrmClientConfig({ ...base, ...url, encoding: 'latin9' as never })).toThrow(/encoding: /);
    expect(() => resolveCrmClientConfig({ ...base, ...url, agent: {} as never })).toThrow(/agent: must be an http.Agent/);
    expect(() => resolveCrmClientConfig({ ...base, ...url, tls: { rejectUnauthorised: false } as never })).toThrow(/"rejectUnauthorised"/);
    expect(() => resolveCrmClientConfig({ ...base, ...url, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('rejects a misspelt option loudly, listing the allowed ones, without echoing the password', () => {
    const attempt = () => resolveCrmClientConfig({ ...base, wsdlUrl: 'http://x/y/webservices/index.php?wsdl', timout: 5000 } as never);
    expect(attempt).toThrow(/unknown option\(s\) "timout"/);
    expect(attempt).toThrow(/Allowed options: wsdlUrl, host, clientPath, wsdl, wsdlFile, endpoint, user, password/);
    expect(attempt).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', stopsRun: true }));
    try {
      attempt();
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
    }
  });

  it('checks the CNPJ check digits and requires exactly one way to find the WSDL', () => {
    expect(() => resolveCrmClientConfig({ ...base, wsdlUrl: 'http://x/y?wsdl', cnpj: '11.222.333/0001-82' })).toThrow(
      /cnpj: must be a CNPJ with valid check digits/,
    );
    expect(() => resolveCrmClientConfig({ ...base })).toThrow(/exactly one of wsdlUrl, host and clientPath, wsdl \(text\) or wsdlFile/);
    expect(() => resolveCrmClientConfig({ ...base, wsdlUrl: 'http://x/y?wsdl', host: 'x', clientPath: 'y' })).toThrow(/exactly one of/);
  });

  it('types and checks tls.ca, cert and key as Node takes them (PEM string or Buffer, or lists of them)', () => {
    type Tls = NonNullable<CrmClientConfig['tls']>;
    expectTypeOf<Tls['ca']>().toEqualTypeOf<Pem | Pem[] | undefined>();
    expectTypeOf<Tls['cert']>().toEqualTypeOf<Pem | Pem[] | undefined>();
    expectTypeOf<Tls['key']>().toEqualTypeOf<Pem | Array<Pem | { pem: Pem; passphrase?: string | undefined }> | undefined>();
    expectTypeOf<{ pem: Pem; passphrase?: string }>().toExtend<TlsKey>();
    const url = { wsdlUrl: 'https://x/y/webservices/index.php?wsdl' };
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const ok = resolveCrmClientConfig({ ...base, ...url, tls: { ca: [pem, Buffer.from(pem)], cert: pem, key: [{ pem: Buffer.from('k'), passphrase: 'p' }] } });
    expect(ok.tls?.ca).toHaveLength(2);
    expect(() => resolveCrmClientConfig({ ...base, ...url, tls: { ca: 42 as never } })).toThrow(/tls\.ca: /);
    expect(() => resolveCrmClientConfig({ ...base, ...url, tls: { key: [{ pem: 'k', pass: 'p' }] as never } })).toThrow(/"pass"/);
  });
});
