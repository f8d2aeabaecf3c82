import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createProcessorQueue } from '../../../lib/receipts/processor-queue';
import { anSqsRecord } from '../../builders/sqs-record';

const sqsMock = mockClient(SQSClient);
const queue = createProcessorQueue({
  sqs: new SQSClient({ region: 'us-east-1' }),
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
  dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
  orphansQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-orphans',
});

describe('processor queue', () => {
  beforeEach(() => {
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).resolves({});
  });

  it('replaces an earlier parking reason instead of keeping two', async () => {
    const record = anSqsRecord({
      body: '{}',
      messageAttributes: {
        parkedReason: { dataType: 'String', stringValue: 'orphan' },
        parkedBy: { dataType: 'String', stringValue: 'processor' },
        status: { dataType: 'String', stringValue: 'DELIVERED' },
      },
    });

    await queue.park(record, 'not_an_envelope');

    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'DELIVERED' },
      parkedReason: { DataType: 'String', StringValue: 'not_an_envelope' },
      parkedBy: { DataType: 'String', StringValue: 'processor' },
    });
  });

  it('sets an orphan aside on the orphans queue, body and attributes unchanged, with reason orphan', async () => {
    // Prepare
    const record = anSqsRecord({
      body: '{"v":1}',
      messageAttributes: { status: { dataType: 'String', stringValue: 'DELIVERED' } },
    });

    // Act
    await queue.setAsideOrphan(record);

    // Assess
    expect(sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-orphans',
        MessageBody: '{"v":1}',
        MessageAttributes: {
          status: { DataType: 'String', StringValue: 'DELIVERED' },
          parkedReason: { DataType: 'String', StringValue: 'orphan' },
          parkedBy: { DataType: 'String', StringValue: 'processor' },
        },
      },
    ]);
  });

  it('stays within the ten attributes SQS allows', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`a${i}`, { dataType: 'String', stringValue: `v${i}` }]),
    );

    await queue.park(anSqsRecord({ body: '{}', messageAttributes: many }), 'orphan');

    const attributes = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes ?? {};
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes.parkedReason).toEqual({ DataType: 'String', StringValue: 'orphan' });
  });
});
