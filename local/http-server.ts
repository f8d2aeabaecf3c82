import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The few HTTP helpers every local stand-in shares: read a body, answer JSON, listen on 127.0.0.1 and stop
 * without waiting for idle keep-alive sockets.
 */

/** Reads the whole request body as bytes. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Answers with a JSON body (or an empty one for `undefined`). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A server listening on 127.0.0.1, with its base URL and a stop that does not hang on open sockets. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `listener` on 127.0.0.1. Port 0 (the default) lets the OS pick a free port, which is what tests use.
 * A listener that throws answers 500 instead of crashing the process: a stand-in must never take the
 * whole stack down because one request was odd.
 */
export async function listen(listener: RequestListener, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => listener(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: String(error) });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5_000;
  return await serve(server, port);
}

/** Listens with an existing server (for libraries that build their own) and returns the same handle. */
export async function serve(server: Server, port = 0): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    stop: () => closeServer(server),
  };
}

/** Closes a server and every connection it still holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
