import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * The one HTTP exchange the Sinch client needs, as a subset of `fetch`: a POST with a string body, cut
 * off when `signal` aborts, answered with the status and the whole body. `fetch` itself fits it, and tests
 * pass one.
 */
export type HttpTransport = (
  url: string,
  init: {
    readonly method: 'POST';
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly signal: AbortSignal;
  },
) => Promise<{ readonly status: number; readonly ok: boolean; text(): Promise<string> }>;

// One keep-alive pool per protocol for the container's life, as fetch would keep.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * {@link HttpTransport} over `node:http`/`node:https`. Why not the global `fetch`: its first call in a
 * process loads and compiles undici, about 35 ms of a cold start (docs/performance.md, "Cold start"),
 * while `node:https` is already loaded by the AWS SDK that every function bundles.
 *
 * Failures keep what the caller reads from them: an abort rejects with the signal's reason (a
 * `TimeoutError` for `AbortSignal.timeout`), and a socket error with its own `code` (`ECONNREFUSED`, …).
 *
 * @example
 * const answer = await nodeHttpTransport(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(4000) });
 */
export const nodeHttpTransport: HttpTransport = (url, { method, headers, body, signal }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown): void => settle(() => reject(error));

    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error('the connection closed before the answer was complete'));
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        settle(() =>
          resolve({ status, ok: status >= 200 && status < 300, text: () => Promise.resolve(text) }),
        );
      });
    };
    const request = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: secure ? agents.https : agents.http,
      },
      onResponse,
    );
    function onAbort(): void {
      const reason: unknown = signal.reason;
      request.destroy();
      fail(reason);
    }
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    request.end(body);
  });
