import type { IncomingHttpHeaders } from 'node:http';
import {
  SINCH_SIGNATURE_HEADERS as SIGNATURE_HEADERS,
  signWebhook,
} from '../../../lib/ingress/webhook-signature';
import { createFaultInjector, type FaultInjector } from '../../../local/fault-injector';
import type { Faults } from '../../../local/faults';
import { listen, readBody, type RunningServer } from '../../../local/http-server';
import { startSinchSimulator, type SinchSimulator } from '../../../local/sinch-simulator';
import { createWebhookSender } from '../../../local/webhook-sender';
import { createSinchClient } from '../../../lib/workflow/sinch-client';

const PROJECT = '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10';
const APP = '01HZX4Q6W3N5T8B2C7D9E1F0GH';
const KEY_ID = 'key-id';
const KEY_SECRET = 'key-secret';
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

interface Received {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/** A webhook receiver that records every POST (raw bytes) and answers `answer(n)` to the n-th (200 by default). */
async function startReceiver(
  answer: (n: number) => number = () => 200,
): Promise<RunningServer & { received: Received[] }> {
  const received: Received[] = [];
  const server = await listen(async (req, res) => {
    received.push({ body: await readBody(req), headers: req.headers });
    res.writeHead(answer(received.length)).end();
  });
  return Object.assign(server, { received });
}

const signatureOf = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.values(SIGNATURE_HEADERS).map((name) => [name, headers[name]]));

describe('the simulated Sinch’s faults', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  afterEach(async () => {
    await receiver.stop();
  });

  describe('sinch-keep-signature: the webhook sender', () => {
    it('resends the first try’s nonce, timestamp and signature on a retry', async () => {
      // Prepare
      receiver = await startReceiver((n) => (n === 1 ? 503 : 200));
      let kept = 0;
      const sender = createWebhookSender({
        factor: 0.001,
        keepSignature: true,
        onKeptSignature: () => (kept += 1),
      });

      // Act
      const delivery = await sender.deliver(receiver.url, '{"a":1}', (raw) =>
        signWebhook(raw, WEBHOOK_SECRET),
      );

      // Assess
      expect(delivery.state).toBe('acknowledged');
      const [first, retry] = receiver.received;
      expect(signatureOf(retry!.headers)).toEqual(signatureOf(first!.headers));
      expect(kept).toBe(1);
    });

    it('signs every retry afresh without the fault', async () => {
      // Prepare
      receiver = await startReceiver((n) => (n === 1 ? 503 : 200));
      const sender = createWebhookSender({ factor: 0.001 });

      // Act
      await sender.deliver(receiver.url, '{"a":1}', (raw) => signWebhook(raw, WEBHOOK_SECRET));

      // Assess
      const [first, retry] = receiver.received;
      expect(retry!.headers[SIGNATURE_HEADERS.nonce]).not.toBe(first!.headers[SIGNATURE_HEADERS.nonce]);
    });
  });

  describe('the simulator', () => {
    let sinch: SinchSimulator;
    let injector: FaultInjector;

    const start = async (faults: Faults): Promise<void> => {
      injector = createFaultInjector({ faults });
      sinch = await startSinchSimulator({
        projectId: PROJECT,
        appId: APP,
        keyId: KEY_ID,
        keySecret: KEY_SECRET,
        webhookSecret: WEBHOOK_SECRET,
        webhookUrl: receiver.url,
        factor: 0.001,
        faults: injector,
      });
    };

    /** Sends one SMS to a scenario number through messages:send. */
    const sendSms = async (identity: string): Promise<void> => {
      const tokenResponse = await fetch(`${sinch.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      const response = await fetch(`${sinch.url}/v1/projects/${PROJECT}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: APP,
          recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity }] } },
          message: { text_message: { text: 'Your code is 123456' } },
          channel_priority_order: ['SMS'],
          message_metadata: `d-${identity.slice(-4)}#1`,
          ttl: '300s',
        }),
      });
      expect(response.status).toBe(200);
    };

    afterEach(async () => {
      await sinch.stop();
    });

    it('sinch-replay=1 re-POSTs every accepted webhook later with the same bytes and headers', async () => {
      // Prepare
      receiver = await startReceiver();
      await start({ sinchReplay: 1 });

      // Act
      await sendSms('+46701740610');
      await sinch.idle();

      // Assess: QUEUED_ON_CHANNEL and DELIVERED, each received twice, byte for byte.
      expect(receiver.received).toHaveLength(4);
      expect(sinch.replays).toHaveLength(2);
      for (const replay of sinch.replays) {
        const copies = receiver.received.filter((received) => received.body.equals(Buffer.from(replay.body)));
        expect(copies).toHaveLength(2);
        expect(signatureOf(copies[1]!.headers)).toEqual(signatureOf(copies[0]!.headers));
        expect(replay.result.status).toBe(200);
      }
      expect(injector.counts()['sinch-replay']).toBe(2);
    });

    it('sinch-lost-answer=1 accepts the message and sends its reports, but the answer never arrives', async () => {
      // Prepare
      receiver = await startReceiver();
      await start({ sinchLostAnswer: 1 });
      const client = createSinchClient({
        projectId: PROJECT,
        appId: APP,
        apiUrl: sinch.url,
        authUrl: sinch.url,
      });

      // Act
      const sending = client.sendSms(
        { to: '+46701740610', text: 'Your code is 123456', metadata: 'd-lost#1', ttlSeconds: 300 },
        { keyId: KEY_ID, keySecret: KEY_SECRET },
      );

      // Assess: the client is told Sinch may have it, and Sinch does
      await expect(sending).rejects.toMatchObject({ name: 'Sinch.Unavailable', mayHaveBeenAccepted: true });
      await sinch.idle();
      expect(sinch.sends.map((send) => send.httpStatus)).toEqual([200]);
      expect(receiver.received).toHaveLength(2);
      expect(injector.counts()['sinch-lost-answer']).toBe(1);
    });

    it('sinch-replay=0 replays nothing', async () => {
      // Prepare
      receiver = await startReceiver();
      await start({ sinchReplay: 0 });

      // Act
      await sendSms('+46701740610');
      await sinch.idle();

      // Assess
      expect(receiver.received).toHaveLength(2);
      expect(sinch.replays).toEqual([]);
    });

    it('never replays a webhook the receiver did not accept', async () => {
      // Prepare
      receiver = await startReceiver(() => 401);
      await start({ sinchReplay: 1 });

      // Act
      await sendSms('+46701740610');
      await sinch.idle();

      // Assess
      expect(receiver.received).toHaveLength(2);
      expect(sinch.replays).toEqual([]);
    });

    it('sinch-keep-signature: a retried report carries the first try’s headers', async () => {
      // Prepare: the first POST of each report answers 503.
      receiver = await startReceiver((n) => (n % 2 === 1 ? 503 : 200));
      await start({ sinchKeepSignature: true });

      // Act
      await sendSms('+46701740610');
      await sinch.idle();

      // Assess
      const byBody = new Map<string, Received[]>();
      for (const received of receiver.received) {
        byBody.set(received.body.toString(), [...(byBody.get(received.body.toString()) ?? []), received]);
      }
      const retried = [...byBody.values()].filter((tries) => tries.length > 1);
      expect(retried.length).toBeGreaterThan(0);
      for (const tries of retried) {
        expect(new Set(tries.map((t) => JSON.stringify(signatureOf(t.headers)))).size).toBe(1);
      }
      expect(injector.counts()['sinch-keep-signature']).toBe(
        retried.reduce((n, tries) => n + tries.length - 1, 0),
      );
    });
  });
});
