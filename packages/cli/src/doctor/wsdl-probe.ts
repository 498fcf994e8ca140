/**
 * Fetches the CRM's WSDL the way Mega does and says precisely what is wrong with the address:
 * DNS, refused, TLS, timeout, HTTP status, the manual's "Empty document", an HTML page, a document
 * that is not this service's WSDL. Bounded in size and time.
 */
import http from 'node:http';
import https from 'node:https';

export const WSDL_PROBE_LIMIT_BYTES = 10 * 1024 * 1024;

export type WsdlProbe =
  | { readonly kind: 'ok'; readonly bytes: number; readonly serverDate?: Date; readonly status: number }
  | { readonly kind: 'dns' | 'refused' | 'tls' | 'timeout' | 'network'; readonly detail: string }
  | { readonly kind: 'http-status'; readonly status: number }
  | { readonly kind: 'empty' | 'html' | 'not-wsdl' | 'too-large'; readonly detail: string }
  | { readonly kind: 'wrong-service'; readonly found: readonly string[] }
  | { readonly kind: 'wrong-port'; readonly found: readonly string[] };

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i;

export function probeWsdl(url: string, expected: { readonly service: string; readonly port: string }, timeoutMs: number): Promise<WsdlProbe> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WsdlProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(result);
    };
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { headers: { accept: 'text/xml, application/xml, */*' }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > WSDL_PROBE_LIMIT_BYTES) return finish({ kind: 'too-large', detail: `more than ${WSDL_PROBE_LIMIT_BYTES} bytes` });
        chunks.push(chunk);
      });
      response.on('error', (error) => finish({ kind: 'network', detail: error.message }));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status !== 200) return finish({ kind: 'http-status', status });
        const body = Buffer.concat(chunks).toString('latin1');
        const date = response.headers.date ? new Date(response.headers.date) : undefined;
        finish(classifyWsdlBody(body, expected, status, date && !Number.isNaN(date.getTime()) ? date : undefined));
      });
    });
    const deadline = setTimeout(() => finish({ kind: 'timeout', detail: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return finish({ kind: 'dns', detail: `${code}: the host name does not resolve` });
      if (code === 'ECONNREFUSED') return finish({ kind: 'refused', detail: 'ECONNREFUSED: nothing listens at that address and port' });
      if (TLS_CODES.test(code) || TLS_CODES.test(error.message)) return finish({ kind: 'tls', detail: `${code || 'TLS'}: ${error.message}` });
      if (code === 'ETIMEDOUT') return finish({ kind: 'timeout', detail: code });
      finish({ kind: 'network', detail: `${code} ${error.message}`.trim() });
    });
  });
}

export function classifyWsdlBody(body: string, expected: { readonly service: string; readonly port: string }, status = 200, serverDate?: Date): WsdlProbe {
  const text = body.trim();
  if (text.length === 0) return { kind: 'empty', detail: 'HTTP 200 with an empty body' };
  const head = text.slice(0, 2_000).toLowerCase();
  if (head.includes('<html') || head.startsWith('<!doctype html')) return { kind: 'html', detail: text.slice(0, 120).replace(/\s+/g, ' ') };
  if (!/<(\w+:)?definitions[\s>]/.test(text.slice(0, 20_000))) return { kind: 'not-wsdl', detail: text.slice(0, 120).replace(/\s+/g, ' ') };
  const services = [...text.matchAll(/<(?:\w+:)?service\s+name="([^"]+)"/g)].map((m) => m[1] as string);
  if (!services.includes(expected.service)) return { kind: 'wrong-service', found: services };
  const ports = [...text.matchAll(/<(?:\w+:)?port\s+name="([^"]+)"/g)].map((m) => m[1] as string);
  if (!ports.includes(expected.port)) return { kind: 'wrong-port', found: ports };
  return { kind: 'ok', bytes: Buffer.byteLength(body, 'latin1'), status, ...(serverDate ? { serverDate } : {}) };
}
