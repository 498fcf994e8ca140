import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP server on 127.0.0.1 (port 0) answering every request with `handler`; its stop (open
 * connections closed too) is pushed onto `cleanup`. Returns its base URL.
 */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void, cleanup: Array<() => Promise<void> | void>): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
