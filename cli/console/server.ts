import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SupportServices } from '../adapters/connect';
import type { Target } from '../target';
import {
  BodyTooLargeError,
  createConsoleHandler,
  MAX_BODY_BYTES,
  type ConsoleRequest,
  type ConsoleResponse,
} from './router';
import { createToken, SECURITY_HEADERS } from './security';

/**
 * The console's HTTP server: Node's `http` module bound to 127.0.0.1 only, handing every request to the
 * router. Nothing here decides what a request may see; it only moves bytes.
 */

export interface ConsoleServerOptions {
  readonly services: SupportServices;
  readonly target: Target;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly now?: () => Date;
  readonly redriveCommand: string;
  /** Tests may fix the token; a run always draws a fresh one. */
  readonly token?: string;
}

export interface ConsoleServer {
  /** The address to open, token included: `http://127.0.0.1:<port>/t/<token>/`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The only address the console listens on: not `localhost` (which may resolve to ::1 or further). */
export const CONSOLE_HOST = '127.0.0.1';

function bodyReader(request: IncomingMessage): () => Promise<string> {
  return () =>
    new Promise((resolve, reject) => {
      const declared = Number(request.headers['content-length'] ?? '0');
      if (declared > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`declared ${declared} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new BodyTooLargeError(`more than ${MAX_BODY_BYTES} bytes`));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });
}

function send(response: ServerResponse, answer: ConsoleResponse, head: boolean): void {
  const body = Buffer.from(answer.body, 'utf8');
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  response.end(head ? undefined : body);
}

/**
 * Starts the console and resolves once it listens.
 *
 * @example
 * const server = await startConsoleServer({ services, target, redriveCommand: 'receipt-sms dlq redrive --local' });
 * console.log(server.url);
 * await server.close();
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? createToken();
  const server = createServer();
  // Keep-alive sockets would hold `close()` open for as long as a browser tab stays open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: CONSOLE_HOST, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const handle = createConsoleHandler({
    services: options.services,
    target: options.target,
    token,
    port,
    now: options.now ?? (() => new Date()),
    redriveCommand: options.redriveCommand,
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const consoleRequest: ConsoleRequest = {
      method: request.method ?? 'GET',
      target: request.url ?? '/',
      headers: {
        host: request.headers.host,
        origin: request.headers.origin,
        'sec-fetch-site': headerText(request.headers['sec-fetch-site']),
        'content-type': request.headers['content-type'],
      },
      readBody: bodyReader(request),
    };
    handle(consoleRequest).then(
      (answer) => send(response, answer, request.method === 'HEAD'),
      () => {
        // The router answers every failure it expects; this is a bug, and says nothing about the data.
        response.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
        response.end('Internal error in the console.\n');
      },
    );
  });
  return {
    url: `http://${CONSOLE_HOST}:${port}/t/${token}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
