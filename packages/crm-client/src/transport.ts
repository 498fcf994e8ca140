import http from 'node:http';
import https from 'node:https';
import type { IHttpClient } from 'soap';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Body decoded by its declared charset (header, else XML declaration), ISO-8859-1 included. */
  readonly data: string;
}

export interface HttpTransportOptions {
  readonly timeoutMs: number;
  readonly maxSockets: number;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * A keep-alive HTTP transport for node-soap's `httpClient` seam: a pooled agent, a hard deadline
 * per call (not an idle timer), and charset-aware decoding (node-soap's default decodes
 * ISO-8859-1 as UTF-8, TOOLCHAIN.md).
 */
export class HttpTransport implements IHttpClient {
  readonly #options: HttpTransportOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#http = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#https = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /** GET (data null) or POST; resolves on any HTTP status, rejects on socket errors and timeouts. */
  send(url: string, data: string | null, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const body = data === null ? undefined : Buffer.from(data, 'utf8');
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        target,
        {
          method: body ? 'POST' : 'GET',
          agent: isHttps ? this.#https : this.#http,
          headers: {
            Accept: 'text/xml, application/xml, */*',
            ...(body ? { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': String(body.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            const raw = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, data: decodeBody(raw, res.headers['content-type']) });
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new TimeoutError(`no answer within ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(error);
      }
      req.on('error', fail);
      req.end(body);
    });
  }

  /** node-soap's seam. Errors and HTTP statuses are passed on for the client to map. */
  request(rurl: string, data: unknown, callback: (error: unknown, res?: unknown, body?: unknown) => unknown, exheaders?: Record<string, unknown>): never {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(exheaders ?? {})) if (value !== undefined) headers[name] = String(value);
    const promise = this.send(rurl, typeof data === 'string' ? data : null, headers).then(
      (res) => callback(null, res, res.data),
      (error: unknown) => callback(error),
    );
    return promise as never;
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

export function decodeBody(raw: Buffer, contentType: string | undefined): string {
  let charset = /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1];
  if (!charset) charset = /^<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(raw.subarray(0, 100).toString('latin1'))?.[1];
  // TextDecoder's 'latin1' is windows-1252, a superset matching what PHP emits as ISO-8859-1.
  const label = charset && /^(iso-8859-1|latin1|windows-1252|cp1252)$/i.test(charset) ? 'latin1' : 'utf-8';
  return new TextDecoder(label).decode(raw);
}
