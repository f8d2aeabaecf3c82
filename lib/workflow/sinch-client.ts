import { ConfigError, SinchRejectedError, SinchUnavailableError } from '../shared/errors';
import { nodeHttpTransport, type HttpTransport } from './node-http-transport';

/**
 * A thin HTTP client for the one Sinch Conversation API call this project makes, `messages:send`
 * (docs/sinch.md#sending). The official SDK adds megabytes, sets no request timeout and retries nothing; here every
 * request has a deadline and every failure maps to one of two errors the workflow understands:
 * {@link SinchUnavailableError} (`Sinch.Unavailable`, retried by the state machine) and
 * {@link SinchRejectedError} (`Sinch.Rejected`, falls back to email).
 */

/** A Sinch access key, stored as JSON `{"keyId": "…", "keySecret": "…"}` in an SSM SecureString. */
export interface SinchCredentials {
  readonly keyId: string;
  readonly keySecret: string;
}

/** One SMS to send. `to`, `text` and `sender` go to Sinch and nowhere else. */
export interface SmsMessage {
  /** E.164 number. */
  readonly to: string;
  readonly text: string;
  /** `<deliveryId>#<attempt>`; Sinch returns it in the delivery report. */
  readonly metadata: string;
  /** How long Sinch may keep trying; the code's remaining validity. Sinch accepts 3 s at least. */
  readonly ttlSeconds: number;
  /** Sender id or number (`channel_properties.SMS_SENDER`). */
  readonly sender?: string;
}

/** Sinch's answer to an accepted `messages:send`. */
export interface SinchAccepted {
  readonly messageId: string;
  readonly acceptedTime?: string;
}

export interface SinchClientOptions {
  readonly projectId: string;
  readonly appId: string;
  /** e.g. `https://eu.conversation.api.sinch.com`; the app's region, or a 404 follows. */
  readonly apiUrl: string;
  /** e.g. `https://auth.sinch.com`. */
  readonly authUrl: string;
  /** Deadline of each HTTP request. Lambda's own timeout must leave room for a token request plus a send. */
  readonly requestTimeoutMs?: number;
  /** A token is renewed this long before it expires, so it never expires in flight. */
  readonly tokenRefreshMarginSeconds?: number;
  /** How requests go out: `node:https` by default (`node-http-transport.ts`); `fetch` fits too. */
  readonly transport?: HttpTransport;
  /** Epoch milliseconds; injectable so expiry is testable without fake timers. */
  readonly now?: () => number;
}

export interface SinchClient {
  /** Sends one SMS through `messages:send`. Throws `SinchUnavailableError` or `SinchRejectedError`. */
  sendSms(message: SmsMessage, credentials: SinchCredentials): Promise<SinchAccepted>;
}

export const DEFAULT_SINCH_REQUEST_TIMEOUT_MS = 4000;
const DEFAULT_REFRESH_MARGIN_SECONDS = 60;
/** The smallest `ttl` Sinch accepts. */
export const MIN_SINCH_TTL_SECONDS = 3;

/**
 * Reads the credentials JSON from SSM (the parameter's text, or an object already parsed).
 * A malformed value is a deployment mistake, so it is a {@link ConfigError}.
 */
export function parseSinchCredentials(value: unknown): SinchCredentials {
  let candidate = value;
  if (typeof candidate === 'string') {
    try {
      candidate = JSON.parse(candidate) as unknown;
    } catch {
      candidate = undefined;
    }
  }
  if (typeof candidate === 'object' && candidate !== null) {
    const { keyId, keySecret } = candidate as Record<string, unknown>;
    if (typeof keyId === 'string' && keyId && typeof keySecret === 'string' && keySecret) {
      return { keyId, keySecret };
    }
  }
  throw new ConfigError('Sinch credentials must be JSON {"keyId": "...", "keySecret": "..."}');
}

/** Sinch's error body, documented wrapped (`{"error": {...}}`) but shown unwrapped in the OAS examples. */
interface SinchErrorBody {
  readonly code?: number | string;
  readonly message?: string;
  readonly status?: string;
}

export function parseSinchErrorBody(text: string): SinchErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  const inner =
    typeof record.error === 'object' && record.error !== null
      ? (record.error as Record<string, unknown>)
      : record;
  return {
    code: typeof inner.code === 'number' || typeof inner.code === 'string' ? inner.code : undefined,
    message: typeof inner.message === 'string' ? inner.message : undefined,
    // The token service answers RFC 7807 problems: `title` plays the role of `status`.
    status:
      typeof inner.status === 'string'
        ? inner.status
        : typeof inner.title === 'string'
          ? inner.title
          : undefined,
  };
}

/**
 * Sinch's error messages can quote the request (a recipient, an address). They end up in the execution
 * history as the error cause, so runs of digits and anything address-like are blanked first.
 */
export function redactSinchMessage(message: string): string {
  return message
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '***')
    .replace(/\+?\d[\d\s-]{4,}\d/g, '***')
    .slice(0, 300);
}

function describeHttpFailure(what: string, status: number, body: SinchErrorBody): string {
  const code = body.status ?? (body.code === undefined ? undefined : String(body.code));
  const detail = body.message ? `: ${redactSinchMessage(body.message)}` : '';
  return `${what} answered HTTP ${status}${code ? ` ${code}` : ''}${detail}`;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
}

interface CachedToken {
  readonly credentials: SinchCredentials;
  readonly accessToken: string;
  readonly expiresAtMs: number;
}

/** Socket errors that mean no connection was made, so nothing of the request reached Sinch. */
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether a request failed before any connection to Sinch (`fetch` wraps the socket error in `cause`). */
function neverConnected(error: unknown): boolean {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = failure?.code ?? failure?.cause?.code;
  return typeof code === 'string' && NOT_CONNECTED_CODES.has(code);
}

/**
 * Creates a client. One per Lambda container: the access token is cached in it.
 *
 * @example
 * const sinch = createSinchClient({ projectId, appId, apiUrl: 'https://eu.conversation.api.sinch.com',
 *   authUrl: 'https://auth.sinch.com' });
 * const { messageId } = await sinch.sendSms(
 *   { to: '+447700900123', text: 'Your code is 123456', metadata: 'd-1#1', ttlSeconds: 300 },
 *   { keyId, keySecret },
 * );
 */
export function createSinchClient(options: SinchClientOptions): SinchClient {
  const transport = options.transport ?? nodeHttpTransport;
  const now = options.now ?? Date.now;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_SINCH_REQUEST_TIMEOUT_MS;
  const marginMs = (options.tokenRefreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS) * 1000;
  const tokenUrl = `${options.authUrl.replace(/\/+$/, '')}/oauth2/token`;
  const sendUrl = `${options.apiUrl.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`;

  let cached: CachedToken | undefined;
  // Concurrent invocations that find no valid token share one token request instead of racing.
  let pending: { credentials: SinchCredentials; promise: Promise<CachedToken> } | undefined;

  const sameCredentials = (a: SinchCredentials, b: SinchCredentials): boolean =>
    a.keyId === b.keyId && a.keySecret === b.keySecret;

  /**
   * One HTTP exchange, body included, under one deadline; transport failures become `Sinch.Unavailable`.
   * For a request that `delivers` (messages:send), a failure after the connection was made leaves open
   * whether Sinch took it, and the error says so.
   */
  async function request(
    what: string,
    url: string,
    init: { readonly headers: Readonly<Record<string, string>>; readonly body: string },
    delivers = false,
  ): Promise<HttpAnswer> {
    try {
      const response = await transport(url, {
        method: 'POST',
        ...init,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, ok: response.ok, text: await response.text() };
    } catch (error) {
      // Checked by name: undici's DOMException does not share this realm's Error prototype everywhere.
      const timedOut = (error as { name?: unknown } | undefined)?.name === 'TimeoutError';
      throw new SinchUnavailableError(
        timedOut ? `${what} timed out after ${timeoutMs} ms` : `${what} could not be reached`,
        undefined,
        { cause: error, mayHaveBeenAccepted: delivers && !neverConnected(error) },
      );
    }
  }

  async function fetchToken(credentials: SinchCredentials): Promise<CachedToken> {
    const basic = Buffer.from(`${credentials.keyId}:${credentials.keySecret}`, 'utf8').toString('base64');
    const response = await request('Sinch token service', tokenUrl, {
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    });
    const { text } = response;
    if (!response.ok) {
      const body = parseSinchErrorBody(text);
      const message = describeHttpFailure('Sinch token service', response.status, body);
      if (isRetryableStatus(response.status)) throw new SinchUnavailableError(message, response.status);
      throw new SinchRejectedError(message, response.status, body.status);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Handled below as a malformed answer.
    }
    if (typeof parsed.access_token !== 'string' || !parsed.access_token) {
      throw new SinchUnavailableError(
        'Sinch token service answered without an access token',
        response.status,
      );
    }
    const expiresInSeconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    return { credentials, accessToken: parsed.access_token, expiresAtMs: now() + expiresInSeconds * 1000 };
  }

  async function accessToken(credentials: SinchCredentials): Promise<string> {
    if (cached && sameCredentials(cached.credentials, credentials) && now() < cached.expiresAtMs - marginMs) {
      return cached.accessToken;
    }
    if (!pending || !sameCredentials(pending.credentials, credentials)) {
      const promise = fetchToken(credentials).finally(() => {
        if (pending?.promise === promise) pending = undefined;
      });
      pending = { credentials, promise };
    }
    cached = await pending.promise;
    return cached.accessToken;
  }

  function sendBody(message: SmsMessage): string {
    return JSON.stringify({
      app_id: options.appId,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: message.to }] } },
      message: { text_message: { text: message.text } },
      channel_priority_order: ['SMS'],
      ...(message.sender ? { channel_properties: { SMS_SENDER: message.sender } } : {}),
      message_metadata: message.metadata,
      ttl: `${Math.max(MIN_SINCH_TTL_SECONDS, Math.floor(message.ttlSeconds))}s`,
    });
  }

  async function postMessage(body: string, token: string): Promise<HttpAnswer> {
    return request(
      'Sinch messages:send',
      sendUrl,
      {
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
      },
      true,
    );
  }

  return {
    async sendSms(message, credentials) {
      const body = sendBody(message);
      let response = await postMessage(body, await accessToken(credentials));
      if (response.status === 401) {
        // The token may have been revoked or rotated early: renew it once. A second 401 means the key
        // itself is wrong, which no retry fixes.
        cached = undefined;
        response = await postMessage(body, await accessToken(credentials));
      }
      const { text } = response;
      if (!response.ok) {
        const error = parseSinchErrorBody(text);
        const description = describeHttpFailure('Sinch messages:send', response.status, error);
        if (isRetryableStatus(response.status)) {
          throw new SinchUnavailableError(description, response.status);
        }
        throw new SinchRejectedError(description, response.status, error.status);
      }
      let accepted: { message_id?: unknown; accepted_time?: unknown } = {};
      try {
        accepted = JSON.parse(text) as typeof accepted;
      } catch {
        // Handled below as a malformed answer.
      }
      if (typeof accepted.message_id !== 'string' || !accepted.message_id) {
        throw new SinchUnavailableError('Sinch messages:send answered without a message_id', response.status);
      }
      return {
        messageId: accepted.message_id,
        acceptedTime: typeof accepted.accepted_time === 'string' ? accepted.accepted_time : undefined,
      };
    },
  };
}
