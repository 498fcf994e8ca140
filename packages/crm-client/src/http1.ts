import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';

/**
 * A lean keep-alive HTTP/1.1 client for the SOAP calls to a plain `http:` endpoint: one prebuilt
 * write per request and a small answer parser, instead of node:http's ClientRequest, agent and
 * IncomingMessage streams. Through HttpTransport against the bench's sandbox, 8 calls at once: about
 * 55–60 µs of CPU per call here, 160–165 µs through node:http (the largest part of the SDK's CPU per
 * record on loopback). It behaves as the node:http path it replaces: at most `maxSockets`
 * connections per origin, calls queued beyond it, idle connections unreferenced (and let go before
 * the server's Keep-Alive timeout), the same errors (`socket hang up` with code ECONNRESET when the
 * server closes before the answer is complete, the socket's own errors as they are, HPE_* codes for
 * answers that are not HTTP). Tools that intercept node:http (msw, nock) do not see these calls:
 * give the client an `agent` to send through node:http.
 */
export interface Http1Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Http1Target {
  readonly host: string;
  readonly port: number;
  /** Value of the Host header (hostname, with the port unless it is the default). */
  readonly hostHeader: string;
  readonly path: string;
}

type Done = (error: Error | undefined, answer?: Http1Answer) => void;

/** What the caller holds: abort() tears the request down (deadline, limit) without calling back. */
export interface Http1Request {
  abort(): void;
}

interface Job extends Http1Request {
  readonly payload: Buffer;
  readonly limit: number;
  readonly tooLarge: () => Error;
  done: Done | undefined;
  conn: Conn | undefined;
}

/** Most bytes in a status line and its headers, as node:http's default --max-http-header-size. */
const MAX_HEAD = 16 * 1024;
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Headers node:http keeps once (the first wins) when an answer repeats them; others are joined. */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function hangUp(): Error {
  return codeError('socket hang up', 'ECONNRESET');
}

/**
 * The request's head and body as one buffer (a POST when there is a body, else a GET); header names
 * and values checked as node:http does.
 */
export function requestPayload(target: Http1Target, headers: Readonly<Record<string, string>>, body: Buffer | undefined): Buffer {
  let head = `${body ? 'POST' : 'GET'} ${target.path} HTTP/1.1\r\n`;
  let host = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name] as string;
    if (!TOKEN.test(name)) throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), { code: 'ERR_INVALID_HTTP_TOKEN' });
    if (INVALID_VALUE.test(value)) throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
    const lower = name.toLowerCase();
    if (lower === 'connection' || lower === 'content-length') continue;
    if (lower === 'host') host = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!host) head += `Host: ${target.hostHeader}\r\n`;
  head += `${body ? `Content-Length: ${body.length}\r\n` : ''}Connection: keep-alive\r\n\r\n`;
  if (!body) return Buffer.from(head, 'latin1');
  const headBytes = Buffer.byteLength(head, 'latin1');
  const payload = Buffer.allocUnsafe(headBytes + body.length);
  payload.write(head, 0, 'latin1');
  body.copy(payload, headBytes);
  return payload;
}

class Origin {
  readonly idle: Conn[] = [];
  readonly queue: Job[] = [];
  readonly conns = new Set<Conn>();

  constructor(
    readonly target: Http1Target,
    readonly maxSockets: number,
  ) {}

  /** Hands the job to an idle connection, a new one, or the queue. */
  dispatch(job: Job): void {
    const conn = this.idle.pop();
    if (conn) conn.start(job);
    else if (this.conns.size < this.maxSockets) new Conn(this).start(job);
    else this.queue.push(job);
  }

  /** A connection is free: the next queued job, else it waits idle. */
  free(conn: Conn): void {
    const next = this.queue.shift();
    if (next) conn.start(next);
    else conn.park();
  }

  /** A connection went away: a queued job gets a new one. */
  gone(conn: Conn): void {
    this.conns.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.queue.shift();
    if (next) new Conn(this).start(next);
  }

  destroy(): void {
    for (const job of this.queue.splice(0)) job.done?.(hangUp());
    for (const conn of [...this.conns]) conn.socket.destroy();
  }
}

// How the body of the answer being read is delimited.
const HEAD = 0;
const LENGTH = 1;
const CHUNKED = 2;
const UNTIL_CLOSE = 3;

class Conn {
  readonly socket: net.Socket;
  #job: Job | undefined;
  #buffer: Buffer | undefined;
  #phase = HEAD;
  #complete = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #keepAlive = true;
  #idleMs = 0;
  #remaining = 0;
  #trailers = false;
  #body: Buffer[] = [];
  #size = 0;
  #closed = false;

  constructor(readonly origin: Origin) {
    origin.conns.add(this);
    this.socket = net.connect({ host: origin.target.host, port: origin.target.port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 1_000);
    this.socket.on('data', (chunk: Buffer) => this.#data(chunk));
    this.socket.on('error', (error) => this.#fail(error));
    this.socket.on('close', () => this.#close());
    this.socket.on('timeout', () => this.socket.destroy());
  }

  start(job: Job): void {
    this.#job = job;
    job.conn = this;
    this.#phase = HEAD;
    this.#complete = false;
    this.#body = [];
    this.#size = 0;
    if (this.#idleMs > 0) this.socket.setTimeout(0);
    this.socket.ref();
    this.socket.write(job.payload);
  }

  park(): void {
    this.origin.idle.push(this);
    this.socket.unref();
    if (this.#idleMs > 0) this.socket.setTimeout(this.#idleMs);
  }

  /** The job gave up (deadline, limit): the connection is mid-answer, so it is closed. */
  abort(): void {
    this.#job = undefined;
    this.socket.destroy();
  }

  #finish(error: Error | undefined, answer?: Http1Answer): void {
    const job = this.#job as Job;
    this.#job = undefined;
    job.conn = undefined;
    const done = job.done;
    job.done = undefined;
    if (error) this.socket.destroy();
    done?.(error, answer);
  }

  #fail(error: Error): void {
    if (this.#job) this.#finish(error);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#job) {
      if (this.#phase === UNTIL_CLOSE) this.#deliver(false);
      else this.#finish(hangUp());
    }
    this.origin.gone(this);
  }

  #data(chunk: Buffer): void {
    if (!this.#job) {
      // Bytes nobody asked for: the connection is out of step, never reused.
      this.socket.destroy();
      return;
    }
    let data = this.#buffer ? Buffer.concat([this.#buffer, chunk]) : chunk;
    this.#buffer = undefined;
    while (data.length > 0 && !this.#complete) {
      if (this.#phase === HEAD) {
        const end = data.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0 ? data.length > MAX_HEAD : end > MAX_HEAD) {
          this.#finish(codeError('Parse Error: Header overflow', 'HPE_HEADER_OVERFLOW'));
          return;
        }
        if (end < 0) {
          this.#buffer = data;
          return;
        }
        const error = this.#head(data.toString('latin1', 0, end));
        if (error) {
          this.#finish(error);
          return;
        }
        data = data.subarray(end + 4);
      } else if (this.#phase === LENGTH || this.#phase === UNTIL_CLOSE || this.#remaining > 0) {
        const take = this.#phase === UNTIL_CLOSE ? data.length : Math.min(this.#remaining, data.length);
        if (!this.#take(data.subarray(0, take))) return;
        data = data.subarray(take);
        if (this.#phase !== UNTIL_CLOSE) this.#remaining -= take;
        if (this.#phase === LENGTH && this.#remaining === 0) this.#complete = true;
      } else {
        // Chunked: a size line, the chunk, CRLF; at last a zero size, trailers, an empty line.
        const eol = data.indexOf('\r\n', 0, 'latin1');
        if (eol < 0) {
          if (data.length > MAX_HEAD) {
            this.#finish(codeError('Parse Error: Invalid character in chunk size', 'HPE_INVALID_CHUNK_SIZE'));
            return;
          }
          this.#buffer = data;
          return;
        }
        const line = data.toString('latin1', 0, eol);
        data = data.subarray(eol + 2);
        if (this.#trailers) {
          if (line === '') this.#complete = true;
          continue;
        }
        if (line === '') continue; // the CRLF after a chunk's data
        const size = /^([0-9a-fA-F]+)[ \t]*(;.*)?$/.exec(line);
        if (!size) {
          this.#finish(codeError('Parse Error: Invalid character in chunk size', 'HPE_INVALID_CHUNK_SIZE'));
          return;
        }
        const length = Number.parseInt(size[1] as string, 16);
        if (length === 0) this.#trailers = true;
        else this.#remaining = length;
      }
    }
    // Bytes after a complete answer mean the server is out of step: the connection is not reused.
    if (this.#complete) this.#deliver(data.length > 0);
  }

  /** Keeps a piece of the body; false when the limit is passed (the job is then failed). */
  #take(piece: Buffer): boolean {
    const job = this.#job as Job;
    this.#size += piece.length;
    if (this.#size > job.limit) {
      this.#finish(job.tooLarge());
      return false;
    }
    if (piece.length > 0) this.#body.push(piece);
    return true;
  }

  /** Reads the status line and headers; sets how the body is delimited. */
  #head(text: string): Error | undefined {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] as string);
    if (!status) return codeError('Parse Error: Expected HTTP/', 'HPE_INVALID_CONSTANT');
    const headers: IncomingHttpHeaders = {};
    let last: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
        headers[last] = `${headers[last] as string} ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) return codeError('Parse Error: Invalid header token', 'HPE_INVALID_HEADER_TOKEN');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      last = name;
      const seen = headers[name];
      if (name === 'set-cookie') {
        headers['set-cookie'] ??= [];
        headers['set-cookie'].push(value);
      } else if (seen === undefined) headers[name] = value;
      else if (!SINGLE.has(name)) headers[name] = `${seen as string}, ${value}`;
    }
    const code = Number(status[2]);
    if (code < 200) return undefined; // 100 Continue and the like: the real answer follows
    const connection = String(headers.connection ?? '').toLowerCase();
    this.#keepAlive = status[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    // The server closes idle connections after its Keep-Alive timeout: they are let go a second
    // before, so a request is not sent on a connection being closed.
    const hint = /\btimeout=(\d+)/.exec(String(headers['keep-alive'] ?? ''))?.[1];
    if (hint) this.#idleMs = Math.max(1, Number(hint) - 1) * 1_000;
    this.#status = code;
    this.#headers = headers;
    this.#trailers = false;
    this.#remaining = 0;
    const length = headers['content-length'];
    if (code === 204 || code === 304) this.#complete = true;
    else if (/\bchunked\b/i.test(String(headers['transfer-encoding'] ?? ''))) this.#phase = CHUNKED;
    else if (length !== undefined) {
      if (!/^\d+$/.test(length)) return codeError('Parse Error: Invalid character in Content-Length', 'HPE_INVALID_CONTENT_LENGTH');
      const job = this.#job as Job;
      if (Number(length) > job.limit) return job.tooLarge();
      this.#phase = LENGTH;
      this.#remaining = Number(length);
      if (this.#remaining === 0) this.#complete = true;
    } else {
      this.#phase = UNTIL_CLOSE;
      this.#keepAlive = false;
    }
    return undefined;
  }

  #deliver(outOfStep: boolean): void {
    const body = this.#body.length === 1 ? (this.#body[0] as Buffer) : Buffer.concat(this.#body);
    const keepAlive = this.#keepAlive && !outOfStep && !this.#closed;
    this.#body = [];
    this.#finish(undefined, { status: this.#status, headers: this.#headers, body });
    if (this.#closed) return;
    if (keepAlive) this.origin.free(this);
    else this.socket.destroy();
  }
}

/** Connections per origin, at most `maxSockets` each. */
export class Http1Pool {
  readonly #origins = new Map<string, Origin>();
  readonly #maxSockets: number;

  constructor(maxSockets: number) {
    this.#maxSockets = maxSockets;
  }

  /** Sends `payload` (from requestPayload) to `target`; `done` is called once, unless aborted. */
  send(target: Http1Target, payload: Buffer, limit: number, tooLarge: () => Error, done: Done): Http1Request {
    const key = `${target.host}:${target.port}`;
    let origin = this.#origins.get(key);
    if (!origin) {
      origin = new Origin(target, this.#maxSockets);
      this.#origins.set(key, origin);
    }
    const queue = origin.queue;
    const job: Job = {
      payload,
      limit,
      tooLarge,
      done,
      conn: undefined,
      abort() {
        job.done = undefined;
        if (job.conn) job.conn.abort();
        else {
          const at = queue.indexOf(job);
          if (at >= 0) queue.splice(at, 1);
        }
      },
    };
    origin.dispatch(job);
    return job;
  }

  /** Closes every connection, failing the calls in flight or queued; later calls open new ones (as an agent's destroy()). */
  destroy(): void {
    for (const origin of this.#origins.values()) origin.destroy();
  }
}
