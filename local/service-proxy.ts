import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { writeAnswer, type HttpAnswer } from './aws-error-responses';
import { listen, readBody } from './http-server';

/**
 * A small HTTP proxy on 127.0.0.1 in front of one emulator: each request is read whole, offered to
 * `intercept` (which may answer it itself: an injected fault, a protocol translation), and otherwise passed
 * through unchanged, the emulator's answer streamed back as it comes. Only the functions' traffic is pointed
 * at a proxy, and only while a fault needs it (see `stack.ts`); the emulator itself never changes.
 */

/** A request as the proxy received it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The emulator's whole answer to a request the proxy sent on its own behalf. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Upstream {
  /** Sends a request to the emulator and reads the whole answer (for translations). */
  send(request: ProxiedRequest): Promise<UpstreamAnswer>;
}

export type Interceptor = (
  request: ProxiedRequest,
  upstream: Upstream,
) => HttpAnswer | undefined | Promise<HttpAnswer | undefined>;

export interface ServiceProxyOptions {
  /** The emulator, `http://127.0.0.1:<port>`. */
  readonly target: string;
  readonly intercept?: Interceptor;
  /** A fixed port; a free one when absent. */
  readonly port?: number;
}

export interface ServiceProxy {
  /** For `AWS_ENDPOINT_URL_<SERVICE>` or a client's `endpoint`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Headers that belong to one connection, not to the request or answer. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function endToEnd(headers: IncomingHttpHeaders, drop?: string): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && !HOP_BY_HOP.has(lower) && lower !== drop) kept[name] = value;
  }
  return kept;
}

export async function startServiceProxy(options: ServiceProxyOptions): Promise<ServiceProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });

  const open = (request: ProxiedRequest) =>
    httpRequest({
      agent,
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: {
        ...endToEnd(request.headers, 'content-length'),
        'content-length': String(request.body.length),
      },
    });

  const upstream: Upstream = {
    send: (request) =>
      new Promise((resolve, reject) => {
        const outgoing = open(request);
        outgoing.once('error', reject);
        outgoing.once('response', (incoming) => {
          readBody(incoming).then(
            (body) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body }),
            reject,
          );
        });
        outgoing.end(request.body);
      }),
  };

  const running = await listen(async (req, res) => {
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: await readBody(req),
    };
    const answer = await options.intercept?.(request, upstream);
    if (answer) {
      writeAnswer(res, answer);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const outgoing = open(request);
      // A caller that gives up (an aborted long poll) ends the emulator's request too.
      res.once('close', () => {
        if (!res.writableFinished) outgoing.destroy();
        resolve();
      });
      outgoing.once('error', (error) => {
        if (res.headersSent) res.destroy();
        else reject(error);
      });
      outgoing.once('response', (incoming) => {
        res.writeHead(incoming.statusCode ?? 502, endToEnd(incoming.headers));
        incoming.pipe(res);
        incoming.once('end', resolve);
      });
      outgoing.end(request.body);
    });
  }, options.port);

  return {
    endpoint: running.url,
    stop: async () => {
      await running.stop();
      agent.destroy();
    },
  };
}
