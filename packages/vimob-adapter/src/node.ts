/** Mounting the webhook handler on plain `node:http`: streams the body with its size limit, then answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler } from './webhook.js';

/**
 * A `(req, res)` listener for `http.createServer` (or Express's `app.post(path, listener)` without a
 * body parser). A body over `maxBodyBytes` is refused with 413 as soon as it passes the limit.
 */
export function nodeWebhookListener(handler: WebhookHandler, options: { maxBodyBytes?: number } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    const refuse = () => {
      refused = true;
      const body = JSON.stringify({ ok: false, code: 'WEBHOOK_INVALID', reason: `body exceeds the limit of ${limit} bytes` });
      res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(body);
      req.resume();
    };
    if (declared > limit) return refuse();
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) return refuse();
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      handler({ method: req.method ?? 'GET', headers: req.headers, body: Buffer.concat(chunks) }).then(
        (out) => {
          res.writeHead(out.status, out.headers);
          res.end(out.body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ ok: false, code: 'WEBHOOK_INVALID', reason: String((error as Error).message ?? error) }));
        },
      );
    });
    req.on('error', () => {
      if (!res.headersSent) res.writeHead(400).end();
    });
  };
}
