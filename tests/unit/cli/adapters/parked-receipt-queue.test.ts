import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createParkedReceiptQueue } from '../../../../cli/adapters/parked-receipt-queue';

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/1/dlq';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/1/receipts';

function aMessage(id: string): Message {
  return {
    MessageId: id,
    ReceiptHandle: `handle-${id}`,
    Body: `{"v":1,"receivedAt":"x","rawBody":"${id}"}`,
    MessageAttributes: {
      parkedReason: { DataType: 'String', StringValue: 'why' },
      parkedBy: { DataType: 'String', StringValue: 'processor' },
      eventType: { DataType: 'String', StringValue: 'message_delivery_report' },
    },
    Attributes: { SentTimestamp: '1772446536000', ApproximateReceiveCount: '2' },
  };
}

describe('createParkedReceiptQueue', () => {
  const sqs = mockClient(SQSClient);
  const queue = createParkedReceiptQueue(
    new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    {
      dlqUrl: DLQ,
      receiptsQueueUrl: QUEUE,
    },
  );

  afterEach(() => sqs.reset());

  it('peeks with a long poll until no new message comes, then makes every message visible again', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [aMessage('m1'), aMessage('m2')] })
      .resolvesOnce({ Messages: [aMessage('m1')] })
      .resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const parked = await queue.peek(50);

    // Assess
    expect(parked).toEqual([
      expect.objectContaining({ sqsMessageId: 'm1', sentAt: '2026-03-02T10:15:36.000Z', receiveCount: 2 }),
      expect.objectContaining({
        sqsMessageId: 'm2',
        attributes: expect.objectContaining({ parkedReason: 'why' }),
      }),
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: DLQ,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
    });
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([
      ['handle-m1', 0],
      ['handle-m2', 0],
      ['handle-m1', 0],
    ]);
  });

  it('releases what it holds even when a receive fails half-way', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [aMessage('m1')] })
      .rejects(new Error('boom'));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    await expect(queue.peek(50)).rejects.toThrow('boom');
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(1);
  });

  it('stops peeking at the limit', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [aMessage('m1')] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    await expect(queue.peek(1)).resolves.toHaveLength(1);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.MaxNumberOfMessages).toBe(1);
  });

  it('copies each receipt unchanged without its parked attributes, and deletes only what was copied', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [aMessage('m1'), aMessage('m2')] })
      .resolves({});
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'n1', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
    });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    // Act
    const result = await queue.moveToReceiptsQueue(100);

    // Assess
    expect(result).toEqual({ moved: 1, failed: [{ sqsMessageId: 'm2', error: 'InternalError: try again' }] });
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(QUEUE);
    expect(sent?.Entries?.[0]).toEqual({
      Id: '0',
      MessageBody: aMessage('m1').Body,
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'message_delivery_report', BinaryValue: undefined },
      },
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input).toEqual({
      QueueUrl: DLQ,
      Entries: [{ Id: '0', ReceiptHandle: 'handle-m1' }],
    });
  });

  it('reports a receipt copied but not deleted, and does not redrive a message twice in one run', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [aMessage('m1')] })
      .resolvesOnce({ Messages: [aMessage('m1')] })
      .resolves({});
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'n1', MD5OfMessageBody: 'x' }] });
    sqs
      .on(DeleteMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });

    // Act
    const result = await queue.moveToReceiptsQueue(100);

    // Assess
    expect(result.moved).toBe(0);
    expect(result.failed).toEqual([
      { sqsMessageId: 'm1', error: expect.stringContaining('copied to the receipts queue but not removed') },
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });
});
