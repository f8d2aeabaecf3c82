import type { IncomingHttpHeaders } from 'node:http';
import { listen, readBody, type RunningServer } from '../../../local/http-server';
import { startSinchSimulator, type SinchSimulator } from '../../../local/sinch-simulator';
import {
  computeWebhookSignature,
  SINCH_SIGNATURE_HEADERS as SIGNATURE_HEADERS,
} from '../../../lib/ingress/webhook-signature';

const PROJECT = '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10';
const APP = '01HZX4Q6W3N5T8B2C7D9E1F0GH';
const KEY_ID = 'key-id';
const KEY_SECRET = 'key-secret';
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

interface Received {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

/** A webhook receiver that records every POST and answers with `answer(body)` (200 by default). */
async function startReceiver(
  answer: (body: string) => number = () => 200,
): Promise<RunningServer & { received: Received[] }> {
  const received: Received[] = [];
  const server = await listen(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    received.push({ body, headers: req.headers });
    res.writeHead(answer(body)).end();
  });
  return Object.assign(server, { received });
}

function sendBody(identity: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    app_id: APP,
    recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity }] } },
    message: { text_message: { text: 'Your code is 123456' } },
    channel_priority_order: ['SMS'],
    message_metadata: `d-${identity.slice(-4)}#1`,
    ttl: '300s',
    ...overrides,
  };
}

describe('Sinch simulator', () => {
  let sinch: SinchSimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const token = async (): Promise<string> => {
    const response = await fetch(`${sinch.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const send = async (body: unknown, bearer?: string, project = PROJECT): Promise<Response> =>
    fetch(`${sinch.url}/v1/projects/${project}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer ?? (await token())}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    receiver = await startReceiver();
    sinch = await startSinchSimulator({
      projectId: PROJECT,
      appId: APP,
      keyId: KEY_ID,
      keySecret: KEY_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: receiver.url,
      factor: 0.001,
    });
  });

  afterEach(async () => {
    await sinch.stop();
    await receiver.stop();
  });

  describe('OAuth2 token endpoint', () => {
    it('issues an expiring bearer token for client credentials', async () => {
      // Act
      const response = await fetch(`${sinch.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });

      // Assess
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: '' });
      const [, payload] = String(body.access_token).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as {
        exp: number;
        iat: number;
      };
      expect(claims.exp - claims.iat).toBe(3600);
    });

    it('rejects a wrong key secret with an RFC 7807 body', async () => {
      // Act
      const response = await fetch(`${sinch.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY_ID}:wrong`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });

      // Assess
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ title: 'Invalid credentials', status: 401 });
    });

    it('rejects another grant type', async () => {
      const response = await fetch(`${sinch.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=password',
      });

      expect(response.status).toBe(400);
    });

    it('answers an expired token with a 401 whose WWW-Authenticate says expired', async () => {
      // Prepare
      await sinch.stop();
      sinch = await startSinchSimulator({
        projectId: PROJECT,
        appId: APP,
        keyId: KEY_ID,
        keySecret: KEY_SECRET,
        webhookSecret: WEBHOOK_SECRET,
        tokenTtlSeconds: 0,
      });
      const expired = await token();

      // Act
      const response = await send(sendBody('+46701740610'), expired);

      // Assess
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('expired');
    });
  });

  describe('messages:send', () => {
    it('accepts a valid SMS send with a ULID message id and the accepted time', async () => {
      // Act
      const response = await send(sendBody('+46701740610'));

      // Assess
      expect(response.status).toBe(200);
      const body = (await response.json()) as { message_id: string; accepted_time: string };
      expect(body.message_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(Number.isNaN(Date.parse(body.accepted_time))).toBe(false);
      expect(sinch.sends).toEqual([
        expect.objectContaining({
          httpStatus: 200,
          messageId: body.message_id,
          deliveryId: 'd-0610',
          attempt: 1,
        }),
      ]);
    });

    it('requires a bearer token', async () => {
      const response = await send(sendBody('+46701740610'), 'not-a-token');

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    });

    it('refuses a project the credentials do not belong to', async () => {
      const response = await send(sendBody('+46701740610'), undefined, 'another-project');

      expect(response.status).toBe(403);
    });

    it('answers 404 for an app that is not in the project', async () => {
      const response = await send(sendBody('+46701740610', { app_id: '01HZX4Q6W3N5T8B2C7D9E1F0ZZ' }));

      expect(response.status).toBe(404);
    });

    it.each([
      ['app_id is not a ULID', { app_id: 'my-app' }],
      ['recipient is a contact id', { recipient: { contact_id: 'c-1' } }],
      [
        'channel is not SMS',
        {
          recipient: {
            identified_by: { channel_identities: [{ channel: 'RCS', identity: '+46701740610' }] },
          },
        },
      ],
      [
        'identity is not a number',
        { recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: 'bob' }] } } },
      ],
      ['text is missing', { message: { text_message: {} } }],
      ['channel priority names an unconfigured channel', { channel_priority_order: ['WHATSAPP'] }],
      ['metadata is too long', { message_metadata: 'x'.repeat(1025) }],
      ['ttl is not a duration', { ttl: 300 }],
    ])('rejects a request whose %s with a wrapped 400', async (_case, overrides) => {
      // Act
      const response = await send(sendBody('+46701740610', overrides));

      // Assess
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    });

    it('rejects a body that is not JSON', async () => {
      const response = await fetch(`${sinch.url}/v1/projects/${PROJECT}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
        body: '{not json',
      });

      expect(response.status).toBe(400);
    });

    it.each([
      ['+46701740630', 503, 'UNAVAILABLE'],
      ['+46701740631', 429, 'RESOURCE_EXHAUSTED'],
    ])('answers the first request for %s with %i, then accepts', async (number, status, sinchStatus) => {
      // Act
      const first = await send(sendBody(number));
      const second = await send(sendBody(number));

      // Assess
      expect(first.status).toBe(status);
      expect(await first.json()).toMatchObject({ error: { code: status, status: sinchStatus } });
      expect(second.status).toBe(200);
    });

    it('rejects every request for the send-400 number', async () => {
      expect((await send(sendBody('+46701740632'))).status).toBe(400);
      expect((await send(sendBody('+46701740632'))).status).toBe(400);
      expect(sinch.acceptedSendsFor('d-0632')).toEqual([]);
    });
  });

  describe('delivery reports', () => {
    it('POSTs QUEUED_ON_CHANNEL then DELIVERED, signed with the webhook secret', async () => {
      // Act
      const response = await send(sendBody('+46701740610'));
      const { message_id: messageId } = (await response.json()) as { message_id: string };
      await sinch.idle();

      // Assess
      const statuses = receiver.received.map((r) => {
        const body = JSON.parse(r.body) as {
          message_delivery_report: { status: string; message_id: string };
        };
        expect(body.message_delivery_report.message_id).toBe(messageId);
        return body.message_delivery_report.status;
      });
      expect(statuses).toEqual(['QUEUED_ON_CHANNEL', 'DELIVERED']);
      for (const { body, headers } of receiver.received) {
        expect(headers[SIGNATURE_HEADERS.algorithm]).toBe('HmacSHA256');
        expect(headers[SIGNATURE_HEADERS.signature]).toBe(
          computeWebhookSignature(
            body,
            String(headers[SIGNATURE_HEADERS.nonce]),
            String(headers[SIGNATURE_HEADERS.timestamp]),
            WEBHOOK_SECRET,
          ),
        );
      }
      expect(sinch.reports.every((r) => r.delivery?.state === 'acknowledged')).toBe(true);
    });

    it('echoes the metadata and sends the identity without +', async () => {
      await send(sendBody('+46701740620', { message_metadata: 'delivery-7#2' }));
      await sinch.idle();

      const failed = receiver.received
        .map((r) => JSON.parse(r.body) as { message_delivery_report: Record<string, unknown> })
        .find((b) => b.message_delivery_report.status === 'FAILED');
      expect(failed?.message_delivery_report).toMatchObject({
        metadata: 'delivery-7#2',
        channel_identity: { channel: 'SMS', identity: '46701740620', app_id: '' },
        reason: { code: 'RECIPIENT_INVALID_CHANNEL_IDENTITY' },
      });
    });

    it('retries 5xx and 429 with a fresh signature, and stops at another 4xx', async () => {
      // Prepare
      await receiver.stop();
      const queuedAnswers = [503, 429, 200];
      receiver = await startReceiver((body) =>
        body.includes('"QUEUED_ON_CHANNEL"') ? (queuedAnswers.shift() ?? 200) : 400,
      );
      sinch.setWebhookUrl(receiver.url);

      // Act
      await send(sendBody('+46701740610'));
      await sinch.idle();

      // Assess
      const [queued, delivered] = sinch.reports;
      expect(queued?.delivery?.tries.map((t) => t.status)).toEqual([503, 429, 200]);
      expect(queued?.delivery?.state).toBe('acknowledged');
      expect(delivered?.delivery?.tries.map((t) => t.status)).toEqual([400]);
      expect(delivered?.delivery?.state).toBe('rejected');
      const nonces = receiver.received
        .filter((r) => r.body.includes('"QUEUED_ON_CHANNEL"'))
        .map((r) => r.headers[SIGNATURE_HEADERS.nonce]);
      expect(new Set(nonces).size).toBe(3);
    });

    it('POSTs each report three times for the duplicate number', async () => {
      await send(sendBody('+46701740611'));
      await sinch.idle();

      expect(receiver.received).toHaveLength(6);
    });

    it('sends nothing for the no-report number', async () => {
      await send(sendBody('+46701740615'));
      await sinch.idle();

      expect(receiver.received).toHaveLength(0);
    });

    it('fails the first attempt of a delivery and delivers the second', async () => {
      await send(sendBody('+46701740613', { message_metadata: 'd-x#1' }));
      await send(sendBody('+46701740613', { message_metadata: 'd-x#2' }));
      await sinch.idle();

      const byAttempt = sinch.reports.map((r) => `${r.attempt}:${r.status}`);
      expect(byAttempt).toEqual(['1:QUEUED_ON_CHANNEL', '1:FAILED', '2:QUEUED_ON_CHANNEL', '2:DELIVERED']);
    });

    it('injects webhook 5xx under chaos and still gets every report through by retrying', async () => {
      // Prepare
      sinch.setChaos({ duplicateRate: 0, reorderRate: 0, dropRate: 0, webhookFaultRate: 0.5 }, 7);

      // Act
      for (let i = 0; i < 10; i += 1) await send(sendBody('+46701740610', { message_metadata: `f-${i}#1` }));
      await sinch.idle();

      // Assess
      const tries = sinch.reports.flatMap((r) => r.delivery?.tries ?? []);
      expect(tries.some((t) => t.fault === 'before')).toBe(true);
      expect(tries.some((t) => t.fault === 'after')).toBe(true);
      expect(sinch.reports.every((r) => r.delivery?.state === 'acknowledged')).toBe(true);
      // A lost response means the receiver saw the same report more than once.
      expect(receiver.received.length).toBeGreaterThan(sinch.reports.length);
    });

    it('reproduces the same chaos from the same seed', async () => {
      // Prepare
      const run = async (seed: number): Promise<string[]> => {
        sinch.setChaos({ duplicateRate: 0.5, reorderRate: 0.5, dropRate: 0.3, webhookFaultRate: 0 }, seed);
        const before = sinch.reports.length;
        for (let i = 0; i < 10; i += 1)
          await send(sendBody('+46701740610', { message_metadata: `c-${seed}-${i}#1` }));
        await sinch.idle();
        return sinch.reports.slice(before).map((r) => `${r.status}:${r.dropped}`);
      };

      // Act
      const first = await run(42);
      const second = await run(42);

      // Assess
      expect(second).toEqual(first);
      expect(first.some((entry) => entry.endsWith('true'))).toBe(true);
    });
  });
});
