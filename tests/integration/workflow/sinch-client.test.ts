import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, SinchRejectedError, SinchUnavailableError } from '../../../lib/shared/errors';
import {
  createSinchClient,
  parseSinchCredentials,
  redactSinchMessage,
  type SinchClientOptions,
  type SmsMessage,
} from '../../../lib/workflow/sinch-client';

/** What the fake Sinch saw, and how it answers; each test scripts the answers it needs. */
interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}
type Answer = (req: Recorded, res: ServerResponse) => void | Promise<void>;

let server: Server;
let baseUrl: string;
let requests: Recorded[];
let tokenAnswers: Answer[];
let sendAnswers: Answer[];
let tokensIssued: number;

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const issueToken =
  (expiresIn = 3600): Answer =>
  (_req, res) => {
    tokensIssued += 1;
    json(res, 200, { access_token: `tok-${tokensIssued}`, token_type: 'Bearer', expires_in: expiresIn });
  };
const accept =
  (messageId = '01HZX4R2K8M3P6Q9S1T4V7W0YZ'): Answer =>
  (_req, res) =>
    json(res, 200, { message_id: messageId, accepted_time: '2030-01-01T00:00:00.120Z' });

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const recorded: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const queue = recorded.path === '/oauth2/token' ? tokenAnswers : sendAnswers;
      const answer = (queue.length > 1 ? queue.shift() : queue[0]) ?? ((_r, s) => json(s, 404, {}));
      await answer(recorded, res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  tokensIssued = 0;
  tokenAnswers = [issueToken()];
  sendAnswers = [accept()];
});

const CREDENTIALS = { keyId: 'key-id', keySecret: 'key-secret' };
const MESSAGE: SmsMessage = {
  to: '+447700900123',
  text: 'Your code is 123456',
  metadata: 'd-1#1',
  ttlSeconds: 297.6,
};

function client(overrides: Partial<SinchClientOptions> = {}) {
  return createSinchClient({
    projectId: 'proj-1',
    appId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
    apiUrl: baseUrl,
    authUrl: baseUrl,
    requestTimeoutMs: 500,
    ...overrides,
  });
}

const sendRequests = () => requests.filter((r) => r.path.endsWith('messages:send'));
const tokenRequests = () => requests.filter((r) => r.path === '/oauth2/token');

describe('createSinchClient().sendSms', () => {
  it('gets a client-credentials token and posts the documented messages:send body', async () => {
    // Act
    const accepted = await client().sendSms({ ...MESSAGE, sender: 'Acme' }, CREDENTIALS);

    // Assess
    expect(accepted).toEqual({
      messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      acceptedTime: '2030-01-01T00:00:00.120Z',
    });
    const [token] = tokenRequests();
    expect(token?.method).toBe('POST');
    expect(token?.headers.authorization).toBe(`Basic ${Buffer.from('key-id:key-secret').toString('base64')}`);
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.body).toBe('grant_type=client_credentials');
    const [send] = sendRequests();
    expect(send?.path).toBe('/v1/projects/proj-1/messages:send');
    expect(send?.headers.authorization).toBe('Bearer tok-1');
    expect(JSON.parse(send?.body ?? '')).toEqual({
      app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+447700900123' }] } },
      message: { text_message: { text: 'Your code is 123456' } },
      channel_priority_order: ['SMS'],
      channel_properties: { SMS_SENDER: 'Acme' },
      message_metadata: 'd-1#1',
      ttl: '297s',
    });
  });

  it('leaves channel_properties out when no sender is configured and never asks for a ttl below 3 s', async () => {
    await client().sendSms({ ...MESSAGE, ttlSeconds: 1 }, CREDENTIALS);

    const body = JSON.parse(sendRequests()[0]?.body ?? '') as Record<string, unknown>;
    expect(body).not.toHaveProperty('channel_properties');
    expect(body.ttl).toBe('3s');
  });

  it('reuses a cached token until shortly before it expires', async () => {
    // Prepare
    let now = 1_000_000;
    const sinch = client({ now: () => now, tokenRefreshMarginSeconds: 60 });

    // Act
    await sinch.sendSms(MESSAGE, CREDENTIALS);
    now += 3_500_000; // 100 s before expiry: still valid
    await sinch.sendSms(MESSAGE, CREDENTIALS);
    now += 41_000; // 59 s before expiry: inside the margin
    await sinch.sendSms(MESSAGE, CREDENTIALS);

    // Assess
    expect(tokenRequests()).toHaveLength(2);
    expect(sendRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
  });

  it('shares one token request between concurrent sends', async () => {
    const sinch = client();

    await Promise.all([1, 2, 3, 4].map(() => sinch.sendSms(MESSAGE, CREDENTIALS)));

    expect(tokenRequests()).toHaveLength(1);
    expect(sendRequests()).toHaveLength(4);
  });

  it('asks for a new token when the credentials change', async () => {
    const sinch = client();

    await sinch.sendSms(MESSAGE, CREDENTIALS);
    await sinch.sendSms(MESSAGE, { keyId: 'key-2', keySecret: 'secret-2' });

    expect(tokenRequests()).toHaveLength(2);
  });

  it('renews the token once on a 401 and sends again', async () => {
    sendAnswers = [
      (_req, res) => json(res, 401, { error: { code: 401, message: 'expired', status: 'UNAUTHENTICATED' } }),
      accept(),
    ];

    const accepted = await client().sendSms(MESSAGE, CREDENTIALS);

    expect(accepted.messageId).toBe('01HZX4R2K8M3P6Q9S1T4V7W0YZ');
    expect(sendRequests().map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('rejects after a second 401, without a third try', async () => {
    sendAnswers = [
      (_req, res) => json(res, 401, { error: { code: 401, message: 'bad key', status: 'UNAUTHENTICATED' } }),
    ];

    const sending = client().sendSms(MESSAGE, CREDENTIALS);

    await expect(sending).rejects.toBeInstanceOf(SinchRejectedError);
    await expect(sending).rejects.toMatchObject({ httpStatus: 401, sinchCode: 'UNAUTHENTICATED' });
    expect(sendRequests()).toHaveLength(2);
  });

  it('maps a wrapped 400 error body to Sinch.Rejected with Sinch status and code', async () => {
    sendAnswers = [
      (_req, res) =>
        json(res, 400, { error: { code: 400, message: 'app_id is not a ULID', status: 'INVALID_ARGUMENT' } }),
    ];

    const sending = client().sendSms(MESSAGE, CREDENTIALS);

    await expect(sending).rejects.toMatchObject({
      name: 'Sinch.Rejected',
      httpStatus: 400,
      sinchCode: 'INVALID_ARGUMENT',
      message: 'Sinch messages:send answered HTTP 400 INVALID_ARGUMENT: app_id is not a ULID',
    });
  });

  it('maps an unwrapped 404 error body to Sinch.Rejected', async () => {
    sendAnswers = [
      (_req, res) => json(res, 404, { code: 404, message: 'app not found', status: 'NOT_FOUND' }),
    ];

    await expect(client().sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      name: 'Sinch.Rejected',
      httpStatus: 404,
      sinchCode: 'NOT_FOUND',
    });
  });

  it.each([429, 500, 503])('maps HTTP %i to Sinch.Unavailable so the workflow retries', async (status) => {
    sendAnswers = [(_req, res) => json(res, status, { error: { code: status, status: 'UNAVAILABLE' } })];

    const sending = client().sendSms(MESSAGE, CREDENTIALS);

    await expect(sending).rejects.toBeInstanceOf(SinchUnavailableError);
    await expect(sending).rejects.toMatchObject({ name: 'Sinch.Unavailable', httpStatus: status });
  });

  it('gives up on a request that takes longer than the timeout', async () => {
    sendAnswers = [
      async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        json(res, 200, { message_id: 'late' });
      },
    ];

    const sending = client({ requestTimeoutMs: 50 }).sendSms(MESSAGE, CREDENTIALS);

    // The send is the request that takes too long; on a busy machine the token request (same deadline)
    // can be the one that gives up first, which is the same promise kept.
    await expect(sending).rejects.toMatchObject({
      name: 'Sinch.Unavailable',
      message: expect.stringMatching(/^Sinch (messages:send|token service) timed out after 50 ms$/),
    });
  });

  it('maps a network failure to Sinch.Unavailable', async () => {
    // Prepare: a port nothing listens on
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const sending = client({ apiUrl: deadUrl, authUrl: deadUrl }).sendSms(MESSAGE, CREDENTIALS);

    await expect(sending).rejects.toMatchObject({
      name: 'Sinch.Unavailable',
      message: 'Sinch token service could not be reached',
    });
  });

  it('says a send that timed out may have been taken, so it is not sent again', async () => {
    // Prepare: a token cached by a first send, then a send Sinch answers too late
    const sinch = client({ requestTimeoutMs: 200 });
    await sinch.sendSms(MESSAGE, CREDENTIALS);
    sendAnswers = [
      async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        json(res, 200, { message_id: 'late' });
      },
    ];

    // Act & Assess
    await expect(sinch.sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      name: 'Sinch.Unavailable',
      message: 'Sinch messages:send timed out after 200 ms',
      mayHaveBeenAccepted: true,
    });
  });

  it('says the same of a send whose connection dropped before the answer', async () => {
    sendAnswers = [
      (_req, res) => {
        res.socket?.destroy();
      },
    ];

    await expect(client().sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      name: 'Sinch.Unavailable',
      message: 'Sinch messages:send could not be reached',
      mayHaveBeenAccepted: true,
    });
  });

  it('says a send that never connected was not taken, nor was anything when the token failed', async () => {
    // Prepare: the token service answers, the messages API refuses connections
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act & Assess
    await expect(client({ apiUrl: deadUrl }).sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      message: 'Sinch messages:send could not be reached',
      mayHaveBeenAccepted: false,
    });
    await expect(client({ authUrl: deadUrl }).sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      message: 'Sinch token service could not be reached',
      mayHaveBeenAccepted: false,
    });
  });

  it('maps refused credentials at the token service to Sinch.Rejected', async () => {
    tokenAnswers = [(_req, res) => json(res, 401, { type: 'about:blank', title: 'Invalid credentials' })];

    await expect(client().sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      name: 'Sinch.Rejected',
      httpStatus: 401,
      sinchCode: 'Invalid credentials',
    });
    expect(sendRequests()).toHaveLength(0);
  });

  it('maps a throttled token service to Sinch.Unavailable', async () => {
    tokenAnswers = [(_req, res) => json(res, 429, {})];

    await expect(client().sendSms(MESSAGE, CREDENTIALS)).rejects.toMatchObject({
      name: 'Sinch.Unavailable',
      httpStatus: 429,
    });
  });

  it('treats a 200 without a message_id as unavailable rather than sent', async () => {
    sendAnswers = [(_req, res) => json(res, 200, {})];

    await expect(client().sendSms(MESSAGE, CREDENTIALS)).rejects.toBeInstanceOf(SinchUnavailableError);
  });

  it('keeps the recipient out of the error it raises', async () => {
    sendAnswers = [
      (_req, res) =>
        json(res, 400, {
          error: { code: 400, message: 'Invalid identity +447700900123 for a@b.example', status: 'INVALID' },
        }),
    ];

    const error = await client()
      .sendSms(MESSAGE, CREDENTIALS)
      .then(
        () => new Error('expected a rejection'),
        (e: unknown) => e as Error,
      );

    expect(error.name).toBe('Sinch.Rejected');
    expect(error.message).not.toContain('7700900123');
    expect(error.message).not.toContain('a@b.example');
  });
});

describe('parseSinchCredentials', () => {
  it('accepts the parsed object and the JSON string', () => {
    expect(parseSinchCredentials({ keyId: 'a', keySecret: 'b' })).toEqual({ keyId: 'a', keySecret: 'b' });
    expect(parseSinchCredentials('{"keyId":"a","keySecret":"b"}')).toEqual({ keyId: 'a', keySecret: 'b' });
  });

  it.each([undefined, '', 'not json', '{"keyId":"a"}', { keyId: '', keySecret: 'b' }])(
    'rejects %p as a configuration error',
    (value) => {
      expect(() => parseSinchCredentials(value)).toThrow(ConfigError);
    },
  );
});

describe('redactSinchMessage', () => {
  it('blanks numbers and addresses but keeps the words', () => {
    expect(redactSinchMessage('Recipient +46 70 123 45 67 (x@y.example) is invalid')).toBe(
      'Recipient *** (***) is invalid',
    );
  });
});
