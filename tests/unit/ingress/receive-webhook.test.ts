import { QueueUnavailableError, WebhookVerificationError } from '../../../lib/shared/errors';
import type { ReceiptEnvelope } from '../../../lib/receipts/receipt-envelope';
import type { ReceiptAttributes, ReceiptQueue } from '../../../lib/ingress/receipt-queue';
import { receiveWebhook, type ReceiveWebhookDeps } from '../../../lib/ingress/receive-webhook';
import { deliveryReportBody } from '../../builders/delivery-report';
import { signWebhook } from '../../builders/signed-webhook';

const SECRET = 'current-webhook-secret';
const NOW_MS = Date.UTC(2026, 2, 2, 10, 15, 35, 250);
const NOW_S = Math.floor(NOW_MS / 1000);

class RecordingQueue implements ReceiptQueue {
  readonly enqueued: { envelope: ReceiptEnvelope; attributes: ReceiptAttributes }[] = [];
  readonly parked: { envelope: ReceiptEnvelope; reason: string }[] = [];
  failure: Error | undefined;

  async enqueue(envelope: ReceiptEnvelope, attributes: ReceiptAttributes): Promise<void> {
    if (this.failure) throw this.failure;
    this.enqueued.push({ envelope, attributes });
  }

  async park(envelope: ReceiptEnvelope, reason: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.parked.push({ envelope, reason });
  }
}

function setup() {
  const queue = new RecordingQueue();
  const deps: ReceiveWebhookDeps = {
    secrets: [SECRET],
    maxAgeSeconds: 86_400,
    maxFutureSeconds: 300,
    queue,
    now: () => NOW_MS,
  };
  const receive = (body: string, secret = SECRET, timestamp = NOW_S) => {
    const signed = signWebhook({ body, secret, timestamp });
    return receiveWebhook({ rawBody: signed.body, headers: signed.headers }, deps);
  };
  const post = (signed: { body: string; headers: Record<string, string> }) =>
    receiveWebhook({ rawBody: signed.body, headers: signed.headers }, deps);
  return { queue, receive, post };
}

describe('receiveWebhook', () => {
  it('enqueues a verified delivery report with the raw body and when it was received', async () => {
    const { queue, receive } = setup();
    const body = deliveryReportBody({ messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ', status: 'DELIVERED' });

    const outcome = await receive(body);

    expect(outcome).toEqual({
      outcome: 'enqueued',
      eventType: 'message_delivery_report',
      messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      status: 'DELIVERED',
    });
    expect(queue.enqueued).toEqual([
      {
        envelope: { receivedAt: '2026-03-02T10:15:35.250Z', rawBody: body },
        attributes: {
          eventType: 'message_delivery_report',
          messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
          status: 'DELIVERED',
        },
      },
    ]);
    expect(queue.parked).toEqual([]);
  });

  it('acknowledges another known event without queueing anything', async () => {
    const { queue, receive } = setup();

    const outcome = await receive('{"app_id":"a","message_submit_notification":{"message_id":"m"}}');

    expect(outcome).toEqual({ outcome: 'ignored', eventType: 'message_submit_notification' });
    expect(queue.enqueued).toEqual([]);
    expect(queue.parked).toEqual([]);
  });

  it('parks a signed body that is not JSON, keeping it byte for byte', async () => {
    const { queue, receive } = setup();

    const outcome = await receive('this is not json\n');

    expect(outcome).toEqual({ outcome: 'parked', reason: 'not_json' });
    expect(queue.parked).toEqual([
      {
        envelope: { receivedAt: '2026-03-02T10:15:35.250Z', rawBody: 'this is not json\n' },
        reason: 'not_json',
      },
    ]);
  });

  it('parks a signed empty body', async () => {
    const { queue, receive } = setup();

    await expect(receive('')).resolves.toEqual({ outcome: 'parked', reason: 'empty_body' });
    expect(queue.parked).toHaveLength(1);
  });

  it('neither queues nor parks a request that fails verification', async () => {
    const { queue, receive } = setup();

    await expect(receive(deliveryReportBody(), 'forged-secret')).rejects.toThrow(WebhookVerificationError);
    expect(queue.enqueued).toEqual([]);
    expect(queue.parked).toEqual([]);
  });

  it('enqueues a report signed an hour ago, as a late Sinch retry repeating its first signature would be', async () => {
    // Prepare
    const { queue, receive } = setup();

    // Act
    const outcome = await receive(deliveryReportBody(), SECRET, NOW_S - 3600);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'enqueued' });
    expect(queue.enqueued).toHaveLength(1);
  });

  it('refuses a report signed three days ago or an hour ahead, and queues nothing', async () => {
    // Prepare
    const { queue, receive } = setup();

    // Act
    const old = receive(deliveryReportBody(), SECRET, NOW_S - 3 * 86_400);
    const ahead = receive(deliveryReportBody(), SECRET, NOW_S + 3600);

    // Assess
    await expect(old).rejects.toMatchObject({ reason: 'timestamp_too_old' });
    await expect(ahead).rejects.toMatchObject({ reason: 'timestamp_in_future' });
    expect(queue.enqueued).toEqual([]);
  });

  it('enqueues an exact replay again: no nonce store, the processor ignores a report it already has', async () => {
    // Prepare
    const { queue, post } = setup();
    const signed = signWebhook({ body: deliveryReportBody(), secret: SECRET, timestamp: NOW_S - 60 });

    // Act
    const outcomes = [await post(signed), await post(signed)];

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['enqueued', 'enqueued']);
    expect(queue.enqueued.map(({ envelope }) => envelope.rawBody)).toEqual([signed.body, signed.body]);
  });

  it('lets a queue failure through, so the caller answers 500', async () => {
    const { queue, receive } = setup();
    queue.failure = new QueueUnavailableError('SQS down');

    await expect(receive(deliveryReportBody())).rejects.toThrow(QueueUnavailableError);
    await expect(receive('not json')).rejects.toThrow(QueueUnavailableError);
  });
});
