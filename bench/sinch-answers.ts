import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from '../local/http-server';

/**
 * A stand-in on 127.0.0.1 for the two Sinch calls sendSms makes (docs/sinch.md#sending), under one base URL
 * for both `SINCH_AUTH_URL` and `SINCH_API_URL`:
 *
 * - `POST /oauth2/token`, client credentials in Basic auth: an access token for an hour;
 * - `POST /v1/projects/<project>/messages:send` with that token as Bearer: a message id.
 *
 * A request without its credentials, or a send with another token or no recipient, is answered 401 or 400
 * as Sinch would, which fails the handler that made it.
 */
export interface SinchAnswers {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The calls answered since the last call (`Sinch.token`, `Sinch.messages:send`), in arrival order. */
  takeCalls(): string[];
  close(): Promise<void>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped id, as Sinch gives its messages. */
function messageId(): string {
  return Array.from(randomBytes(26), (byte) => CROCKFORD[byte % 32]).join('');
}

export async function startSinchAnswers(): Promise<SinchAnswers> {
  const token = randomUUID();
  let calls: string[] = [];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readBody(req)).toString('utf8');
    const path = req.url ?? '';
    const authorization = String(req.headers.authorization ?? '');
    if (req.method === 'POST' && path === '/oauth2/token') {
      calls.push('Sinch.token');
      if (!authorization.startsWith('Basic ') || body !== 'grant_type=client_credentials') {
        sendJson(res, 401, { title: 'Unauthorized', status: 401 });
        return;
      }
      sendJson(res, 200, { access_token: token, expires_in: 3599, scope: '', token_type: 'bearer' });
      return;
    }
    if (req.method === 'POST' && /^\/v1\/projects\/[^/]+\/messages:send$/.test(path)) {
      calls.push('Sinch.messages:send');
      if (authorization !== `Bearer ${token}`) {
        sendJson(res, 401, { error: { code: 401, message: 'Unauthorized', status: 'UNAUTHENTICATED' } });
        return;
      }
      const request = JSON.parse(body || '{}') as { app_id?: unknown; recipient?: unknown };
      if (typeof request.app_id !== 'string' || request.recipient === undefined) {
        sendJson(res, 400, { error: { code: 400, message: 'Invalid request', status: 'INVALID_ARGUMENT' } });
        return;
      }
      sendJson(res, 200, { message_id: messageId(), accepted_time: new Date().toISOString() });
      return;
    }
    calls.push(`Sinch.${req.method ?? ''} ${path}`);
    sendJson(res, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
  };

  const server = await listen(answer);
  return {
    endpoint: server.url,
    takeCalls() {
      const taken = calls;
      calls = [];
      return taken;
    },
    close: server.stop,
  };
}
