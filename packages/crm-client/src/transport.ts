import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Body decoded by its charset (forced, or declared by header, else by XML declaration). */
  readonly data: string;
}

/** The transport seam: tests and hosts may pass their own. */
export interface HttpClient {
  /** GET when `body` is null, else POST; resolves on any HTTP status, rejects on socket errors and timeouts. */
  send(url: string, body: string | null, headers?: Readonly<Record<string, string>>): Promise<HttpResponse>;
  close?(): void;
}

export type ResponseEncoding = 'auto' | 'utf-8' | 'iso-8859-1';

export interface TlsOptions {
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
}

export interface HttpTransportOptions {
  readonly timeoutMs: number;
  readonly maxSockets: number;
  readonly encoding?: ResponseEncoding;
  /** Your own agent (keep-alive, proxy…); otherwise a pooled keep-alive agent is created. */
  readonly agent?: http.Agent;
  readonly tls?: TlsOptions;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Lean keep-alive HTTP transport: a pooled agent, a hard deadline per call (not an idle timer, which
 * never fires on a trickling server), and charset-aware decoding (node-soap's default transport
 * decodes ISO-8859-1 as UTF-8, TOOLCHAIN.md).
 */
export class HttpTransport implements HttpClient {
  readonly #options: HttpTransportOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  readonly #ownsAgents: boolean;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#ownsAgents = !options.agent;
    const tls = options.tls ? { ...options.tls, ca: options.tls.ca as string | Buffer | Array<string | Buffer> | undefined } : {};
    this.#http = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#https = (options.agent as https.Agent | undefined) ?? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ...tls });
  }

  send(url: string, data: string | null, headers: Readonly<Record<string, string>> = {}): Promise<HttpResponse> {
    const target = this.#target(url);
    const body = data === null ? undefined : Buffer.from(data, 'utf8');
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (target.https ? https : http).request(
        {
          ...target.options,
          method: body ? 'POST' : 'GET',
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
            const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, data: decodeBody(raw, res.headers['content-type'], this.#options.encoding) });
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

  readonly #targets = new Map<string, { https: boolean; options: http.RequestOptions }>();

  /** Request options built once per URL (the client calls one endpoint all day), not from a URL per call. */
  #target(url: string): { https: boolean; options: http.RequestOptions } {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const https = parsed.protocol === 'https:';
      target = {
        https,
        options: {
          protocol: parsed.protocol,
          hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: parsed.port || (https ? 443 : 80),
          path: `${parsed.pathname}${parsed.search}`,
          agent: https ? this.#https : this.#http,
          ...(parsed.username ? { auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` } : {}),
        },
      };
      if (this.#targets.size < 16) this.#targets.set(url, target);
    }
    return target;
  }

  close(): void {
    if (!this.#ownsAgents) return;
    this.#http.destroy();
    this.#https.destroy();
  }
}

// TextDecoder's 'latin1' is windows-1252, a superset matching what PHP emits as ISO-8859-1.
const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8');

export function decodeBody(raw: Buffer, contentType: string | undefined, forced: ResponseEncoding = 'auto'): string {
  let charset: string | undefined = forced === 'auto' ? undefined : forced;
  charset ??= /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1];
  charset ??= /^<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(raw.subarray(0, 100).toString('latin1'))?.[1];
  return (charset && /^(iso-8859-1|latin1|windows-1252|cp1252)$/i.test(charset) ? LATIN1 : UTF8).decode(raw);
}
