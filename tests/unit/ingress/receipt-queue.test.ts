import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { QueueUnavailableError } from '../../../lib/shared/errors';
import { decodeEnvelope, type ReceiptEnvelope } from '../../../lib/receipts/receipt-envelope';
import { createReceiptQueue } from '../../../lib/ingress/receipt-queue';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq';
const envelope: ReceiptEnvelope = { receivedAt: '2026-03-02T10:15:35.000Z', rawBody: '{"a":"📩"}\n' };

describe('receipt queue', () => {
  const sqsMock = mockClient(SQSClient);
  const queue = createReceiptQueue({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE_URL,
    dlqUrl: DLQ_URL,
  });

  beforeEach(() => {
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  });

  it('enqueues the envelope on the receipts queue with event type, message id and status attributes', async () => {
    await queue.enqueue(envelope, {
      eventType: 'message_delivery_report',
      messageId: '01HZX',
      status: 'DELIVERED',
    });

    const [call] = sqsMock.commandCalls(SendMessageCommand);
    const input = call?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE_URL);
    expect(decodeEnvelope(input?.MessageBody ?? '')).toEqual(envelope);
    expect(input?.MessageAttributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'message_delivery_report' },
      messageId: { DataType: 'String', StringValue: '01HZX' },
      status: { DataType: 'String', StringValue: 'DELIVERED' },
    });
  });

  it('leaves out attributes it has no value for, since SQS refuses empty ones', async () => {
    await queue.enqueue(envelope, { eventType: 'message_delivery_report', messageId: undefined, status: '' });

    const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(Object.keys(input?.MessageAttributes ?? {})).toEqual(['eventType']);
  });

  it('parks an envelope in the DLQ with its reason and parkedBy ingress', async () => {
    await queue.park(envelope, 'not_json');

    const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(DLQ_URL);
    expect(decodeEnvelope(input?.MessageBody ?? '')).toEqual(envelope);
    expect(input?.MessageAttributes).toEqual({
      parkedReason: { DataType: 'String', StringValue: 'not_json' },
      parkedBy: { DataType: 'String', StringValue: 'ingress' },
    });
  });

  it.each([
    ['enqueue', () => queue.enqueue(envelope, { eventType: 'message_delivery_report' })],
    ['park', () => queue.park(envelope, 'not_json')],
  ])('surfaces an SQS failure on %s as QueueUnavailableError with the cause', async (_operation, send) => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sqsMock.on(SendMessageCommand).rejects(cause);

    await expect(send()).rejects.toThrow(QueueUnavailableError);
    await expect(send()).rejects.toMatchObject({ cause });
  });

  it('sends without per-call options, so the client reuses its resolved middleware stack', async () => {
    const sqs = new SQSClient({ region: 'us-east-1' });
    const send = jest.spyOn(sqs, 'send');
    await createReceiptQueue({ sqs, queueUrl: QUEUE_URL, dlqUrl: DLQ_URL }).park(envelope, 'x');

    expect(send.mock.calls).toEqual([[expect.any(SendMessageCommand)]]);
  });
});
