/**
 * The lean HTTP/1.1 pool behind SOAP calls to an http: endpoint, against raw TCP servers on
 * 127.0.0.1 that write exactly the bytes under test: keep-alive reuse, the socket limit, every way
 * an answer's body is delimited, answers split anywhere, and the errors node:http gives.
 */
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport, ResponseTooLargeError } from '../src/transport.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

interface Raw {
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Every request received, head and body, as text. */
  readonly requests: string[];
}

/**
 * A TCP server answering each complete request (head + Content-Length body) with `answer(n, socket)`
 * (n counts requests across connections); the answer is written as returned, or not at all if null.
 */
async function raw(answer: (n: number, socket: net.Socket) => string | Buffer | null): Promise<Raw> {
  let connections = 0;
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        requests.push(pending.slice(0, end + 4 + length));
        pending = pending.slice(end + 4 + length);
        const out = answer(requests.length, socket);
        if (out !== null) socket.write(out);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ws/index.php?x=1`, connections: () => connections, requests };
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

function transport(options: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport {
  const t = new HttpTransport({ timeoutMs: 2_000, maxSockets: 4, ...options });
  cleanup.push(() => t.close());
  return t;
}

describe('lean HTTP/1.1 transport (http: endpoints)', () => {
  it('writes one well-formed request: method, path with query, Host, the headers given, Content-Length, keep-alive', async () => {
    const server = await raw(() => ok('<a/>'));
    const t = transport();
    await expect(t.send(server.url, null)).resolves.toMatchObject({ status: 200, data: '<a/>' });
    const res = await t.send(server.url, '<soap>ção</soap>', { SOAPAction: '"urn#op"' });
    expect(res).toMatchObject({ status: 200, data: '<a/>' });
    const port = new URL(server.url).port;
    expect(server.requests[0]).toBe(
      `GET /ws/index.php?x=1 HTTP/1.1\r\nAccept: text/xml, application/xml, */*\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`,
    );
    expect(server.requests[1]).toBe(
      `POST /ws/index.php?x=1 HTTP/1.1\r\nAccept: text/xml, application/xml, */*\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: "urn#op"\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 18\r\nConnection: keep-alive\r\n\r\n${Buffer.from('<soap>ção</soap>').toString('latin1')}`,
    );
  });

  it('reuses one connection for calls in sequence, and opens at most maxSockets for calls at once', async () => {
    const server = await raw((n) => ok(`<n>${n}</n>`));
    const t = transport({ maxSockets: 2 });
    for (let i = 0; i < 5; i++) await t.send(server.url, '<x/>');
    expect(server.connections()).toBe(1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.send(server.url, '<x/>')));
    expect(answers.map((a) => a.data).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `<n>${i + 6}</n>`).sort());
    expect(server.connections()).toBe(2);
  });

  it('reads chunked answers (extensions, trailers), skips 100 Continue, and answers split at every byte', async () => {
    const chunked =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n<a>\r\na\r\n0123456789\r\n4\r\n</a>\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const server = await raw((_n, socket) => {
      // One byte per write, each in its own turn: every boundary of the parser is crossed.
      let i = 0;
      const next = (): void => {
        if (i < chunked.length && !socket.destroyed) socket.write(chunked[i++] as string, () => setImmediate(next));
      };
      next();
      return null;
    });
    const t = transport();
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ status: 200, data: '<a>0123456789</a>' });
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ data: '<a>0123456789</a>' });
    expect(server.connections()).toBe(1);
  });

  it('an answer without length is read until the server closes; Connection: close is honoured with a new connection next', async () => {
    const server = await raw((n, socket) => {
      if (n === 1) {
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<until-close/>');
        return null;
      }
      return ok('<closing/>', 'Connection: close\r\n');
    });
    const t = transport();
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ data: '<until-close/>' });
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ data: '<closing/>', headers: { connection: 'close' } });
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ data: '<closing/>' });
    expect(server.connections()).toBe(3);
  });

  it('an idle connection the server closed is not reused: the next call opens another and succeeds', async () => {
    const server = await raw((_n, socket) => {
      setTimeout(() => socket.destroy(), 10);
      return ok('<a/>');
    });
    const t = transport();
    await t.send(server.url, '<x/>');
    await new Promise((r) => setTimeout(r, 60));
    await expect(t.send(server.url, '<x/>')).resolves.toMatchObject({ data: '<a/>' });
    expect(server.connections()).toBe(2);
  });

  it('fails as node:http does: a close before the answer is "socket hang up" ECONNRESET, a non-HTTP answer an HPE_ code', async () => {
    const hangUp = await raw((_n, socket) => {
      socket.destroy();
      return null;
    });
    await expect(transport().send(hangUp.url, '<x/>')).rejects.toMatchObject({ message: 'socket hang up', code: 'ECONNRESET' });
    const garbage = await raw(() => 'SSH-2.0-OpenSSH_9.6\r\n\r\n');
    await expect(transport().send(garbage.url, '<x/>')).rejects.toMatchObject({ code: 'HPE_INVALID_CONSTANT' });
    const badLength = await raw(() => 'HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n');
    await expect(transport().send(badLength.url, '<x/>')).rejects.toMatchObject({ code: 'HPE_INVALID_CONTENT_LENGTH' });
    const endless = await raw(() => `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(20_000)}`);
    await expect(transport().send(endless.url, '<x/>')).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
    const closed = await raw(() => null);
    cleanup.pop()?.(); // the server is gone: the port refuses
    await expect(transport().send(closed.url, '<x/>')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('bounds the answer: a Content-Length or a chunked body over the limit is ResponseTooLargeError, the deadline a TimeoutError', async () => {
    const big = await raw(() => 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n');
    await expect(transport({ maxResponseBytes: 1_000 }).send(big.url, '<x/>')).rejects.toBeInstanceOf(ResponseTooLargeError);
    const bigChunks = await raw(() => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'400\r\n'}${'b'.repeat(1024)}\r\n`);
    await expect(transport({ maxResponseBytes: 1_000 }).send(bigChunks.url, '<x/>')).rejects.toBeInstanceOf(ResponseTooLargeError);
    const silent = await raw(() => null);
    const started = performance.now();
    await expect(transport({ timeoutMs: 200 }).send(silent.url, '<x/>')).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a header value with a line break before sending anything', async () => {
    const server = await raw(() => ok('<a/>'));
    await expect(transport().send(server.url, '<x/>', { SOAPAction: 'a\r\nX-Injected: 1' })).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(server.requests).toHaveLength(0);
  });

  it('close() fails the calls in flight and queued at once', async () => {
    const server = await raw(() => null);
    const t = transport({ maxSockets: 1 });
    const calls = [t.send(server.url, '<x/>'), t.send(server.url, '<x/>')].map((p) => p.catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 50));
    t.close();
    for (const error of await Promise.all(calls)) expect(error).toMatchObject({ code: 'ECONNRESET' });
  });
});
