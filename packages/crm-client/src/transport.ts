import { isAscii, isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import { type Http1Answer, Http1Pool, type Http1Request, type Http1Target, requestPayload } from './http1.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Body decoded by its charset (forced, or declared by header, else by XML declaration). */
  readonly data: string;
  /** Set when the body was declared (or defaulted to) UTF-8 but is not valid UTF-8, and was read as ISO-8859-1. */
  readonly charsetFallback?: boolean;
}

/** The transport seam: tests and hosts may pass their own. */
export interface HttpClient {
  /**
   * GET when `body` is null, else POST; resolves on any HTTP status. Rejects, never throws, on socket
   * errors, on the deadline (which covers the whole read) and on an answer larger than the limit.
   */
  send(url: string, body: string | null, headers?: Readonly<Record<string, string>>): Promise<HttpResponse>;
  close?(): void;
}

/** Default cap on one answer (WSDL or SOAP response): a CRM answer is a few KB, its WSDL about 20 KB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export type ResponseEncoding = 'auto' | 'utf-8' | 'iso-8859-1';

/** PEM text or bytes, as Node's `tls.connect` takes them. */
export type Pem = string | Buffer;

/** A private key, optionally encrypted: `{ pem, passphrase }` (Node's `tls` KeyObject). */
export interface TlsKey {
  readonly pem: Pem;
  readonly passphrase?: string | undefined;
}

/** The TLS options passed to Node's https agent (same shapes as `tls.connect`). */
export interface TlsOptions {
  /** CA certificates to trust instead of Node's bundle (a private CA, a self-signed CRM). */
  readonly ca?: Pem | ReadonlyArray<Pem> | undefined;
  /** Client certificate chain(s), for a CRM that asks for one. */
  readonly cert?: Pem | ReadonlyArray<Pem> | undefined;
  /** Client private key(s); registered as secrets. */
  readonly key?: Pem | ReadonlyArray<Pem | TlsKey> | undefined;
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
  /** Largest answer read, in bytes (default 10 MB); the read stops as soon as it is exceeded. */
  readonly maxResponseBytes?: number;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly limit: number) {
    super(`the answer is larger than the ${limit}-byte limit`);
  }
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
  /** Requests to an http: URL, when the host gives no agent of its own (http1.ts says why). */
  readonly #lean: Http1Pool | undefined;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#ownsAgents = !options.agent;
    this.#lean = options.agent ? undefined : new Http1Pool(options.maxSockets);
    // Node's types want mutable arrays; the values are passed through as given.
    const tls = options.tls ? (options.tls as https.AgentOptions) : {};
    this.#http = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#https = (options.agent as https.Agent | undefined) ?? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ...tls });
  }

  send(url: string, data: string | null, headers: Readonly<Record<string, string>> = {}): Promise<HttpResponse> {
    const limit = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const encoding = this.#options.encoding;
    const body = data === null ? undefined : Buffer.from(data, 'utf8');
    if (this.#lean) {
      let lean: Http1Target | undefined;
      try {
        lean = this.#target(url).lean;
      } catch (error) {
        return Promise.reject(error);
      }
      if (lean) return this.#leanSend(this.#lean, lean, body, headers, limit, encoding);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      // Everything below may fail at any moment (a socket error, the deadline, the limit): the first
      // outcome settles the promise, the rest only tear the request down.
      const settle = (error: Error | undefined, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          req.destroy();
          reject(error);
        } else resolve(response as HttpResponse);
      };
      let req: http.ClientRequest;
      try {
        const target = this.#target(url);
        req = (target.https ? https : http).request(
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
            if (Number(res.headers['content-length']) > limit) return settle(new ResponseTooLargeError(limit));
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > limit) return settle(new ResponseTooLargeError(limit));
              chunks.push(chunk);
            });
            res.on('error', (error) => settle(error));
            res.on('close', () => {
              if (!res.complete) settle(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
            });
            res.on('end', () => {
              try {
                const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
                const decoded = decodeResponse(raw, res.headers['content-type'], encoding);
                settle(undefined, { status: res.statusCode ?? 0, headers: res.headers, ...decoded });
              } catch (error) {
                settle(error as Error);
              }
            });
          },
        );
      } catch (error) {
        reject(error);
        return;
      }
      timer = setTimeout(() => settle(new TimeoutError(`no complete answer within ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
      req.on('error', (error) => settle(error));
      req.end(body);
    });
  }

  #leanSend(
    pool: Http1Pool,
    target: Http1Target,
    body: Buffer | undefined,
    headers: Readonly<Record<string, string>>,
    limit: number,
    encoding: ResponseEncoding | undefined,
  ): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let payload: Buffer;
      try {
        payload = requestPayload(
          target,
          { Accept: 'text/xml, application/xml, */*', ...(body ? { 'Content-Type': 'text/xml; charset=utf-8' } : {}), ...headers },
          body,
        );
      } catch (error) {
        reject(error);
        return;
      }
      let request: Http1Request | undefined;
      const timer = setTimeout(() => {
        request?.abort();
        reject(new TimeoutError(`no complete answer within ${this.#options.timeoutMs} ms`));
      }, this.#options.timeoutMs);
      request = pool.send(
        target,
        payload,
        limit,
        () => new ResponseTooLargeError(limit),
        (error: Error | undefined, answer?: Http1Answer) => {
          clearTimeout(timer);
          if (error) return reject(error);
          const { status, headers: answerHeaders, body: raw } = answer as Http1Answer;
          try {
            resolve({ status, headers: answerHeaders, ...decodeResponse(raw, answerHeaders['content-type'], encoding) });
          } catch (thrown) {
            reject(thrown);
          }
        },
      );
    });
  }

  readonly #targets = new Map<string, { https: boolean; options: http.RequestOptions; lean?: Http1Target }>();

  /** Request options built once per URL (the client calls one endpoint all day), not from a URL per call. */
  #target(url: string): { https: boolean; options: http.RequestOptions; lean?: Http1Target } {
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
        },
      };
      if (parsed.protocol === 'http:') {
        target.lean = {
          host: target.options.hostname as string,
          port: Number(target.options.port),
          hostHeader: parsed.host,
          path: target.options.path as string,
        };
      }
      if (this.#targets.size < 16) this.#targets.set(url, target);
    }
    return target;
  }

  close(): void {
    this.#lean?.destroy();
    if (!this.#ownsAgents) return;
    this.#http.destroy();
    this.#https.destroy();
  }
}

// TextDecoder's 'latin1' is windows-1252, a superset matching what PHP emits as ISO-8859-1.
const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8');

/** The body decoded by its charset (forced, else declared by header, else by XML declaration). */
export function decodeBody(raw: Buffer, contentType: string | undefined, forced: ResponseEncoding = 'auto'): string {
  return decodeResponse(raw, contentType, forced).data;
}

/**
 * Decodes by the forced or declared charset, and checks it: text declared (or defaulted to) UTF-8
 * that is not valid UTF-8 is read as ISO-8859-1 (what NuSOAP sends), and text declared ISO-8859-1
 * that is valid multi-byte UTF-8 is read as UTF-8 (NuSOAP never converts what it is given); either
 * fallback is reported instead of turning accents into U+FFFD or mojibake.
 */
export function decodeResponse(
  raw: Buffer,
  contentType: string | undefined,
  forced: ResponseEncoding = 'auto',
): Pick<HttpResponse, 'data' | 'charsetFallback'> {
  let charset: string | undefined = forced === 'auto' ? undefined : forced;
  charset ??= /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1];
  charset ??= /^<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(raw.subarray(0, 100).toString('latin1'))?.[1];
  const declaredLatin1 = charset !== undefined && /^(iso-8859-1|latin1|windows-1252|cp1252)$/i.test(charset);
  if (declaredLatin1) {
    if (forced === 'auto' && !isAscii(raw)) {
      const utf8 = validUtf8(raw);
      if (utf8 !== undefined) return { data: utf8, charsetFallback: true };
    }
    return { data: LATIN1.decode(raw) };
  }
  const utf8 = validUtf8(raw);
  return utf8 === undefined ? { data: LATIN1.decode(raw), charsetFallback: true } : { data: utf8 };
}

/** The text when `raw` is valid UTF-8 (checked without a throwing decoder: NuSOAP's Latin-1 answers are common). */
function validUtf8(raw: Buffer): string | undefined {
  return isUtf8(raw) ? UTF8.decode(raw) : undefined;
}
