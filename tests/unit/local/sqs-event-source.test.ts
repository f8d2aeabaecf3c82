import type { Message } from '@aws-sdk/client-sqs';
import type { InvokeResult } from '../../../local/lambda-runtime';
import { messagesToRetry, toSqsRecord } from '../../../local/sqs-event-source';

const batch: Message[] = [{ MessageId: 'm-1' }, { MessageId: 'm-2' }, { MessageId: 'm-3' }];
const ok = (payload: unknown): InvokeResult => ({ ok: true, payload, requestId: 'r' });

describe('SQS event source: what stays on the queue after an invocation', () => {
  it('keeps the whole batch when the invocation failed', () => {
    const failed: InvokeResult = {
      ok: false,
      requestId: 'r',
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'x', trace: [] },
    };

    expect([...messagesToRetry(failed, batch, true)]).toEqual(['m-1', 'm-2', 'm-3']);
  });

  it('keeps only the listed failures with ReportBatchItemFailures', () => {
    const result = ok({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });

    expect([...messagesToRetry(result, batch, true)]).toEqual(['m-2']);
  });

  it.each([
    ['null', null],
    ['an empty list', { batchItemFailures: [] }],
    ['no list', {}],
  ])('deletes everything when the function answers %s', (_case, payload) => {
    expect(messagesToRetry(ok(payload), batch, true).size).toBe(0);
  });

  it.each([
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'other' }] }],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a non-list', { batchItemFailures: 'm-1' }],
  ])('keeps the whole batch when the failure list names %s, as Lambda does', (_case, payload) => {
    expect(messagesToRetry(ok(payload), batch, true).size).toBe(3);
  });

  it('ignores a failure list when the mapping does not report batch item failures', () => {
    expect(messagesToRetry(ok({ batchItemFailures: [{ itemIdentifier: 'm-1' }] }), batch, false).size).toBe(
      0,
    );
  });
});

describe('SQS event source: the record a handler receives', () => {
  it('has the shape of a Lambda SQSRecord, attributes included', () => {
    // Act
    const record = toSqsRecord(
      {
        MessageId: 'm-1',
        ReceiptHandle: 'rh',
        Body: '{"v":1}',
        MD5OfBody: 'md5',
        Attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1000',
          ApproximateFirstReceiveTimestamp: '1001',
        },
        MessageAttributes: { status: { DataType: 'String', StringValue: 'DELIVERED' } },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );

    // Assess
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh',
      body: '{"v":1}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1000',
        SenderId: 'AROALOCAL',
        ApproximateFirstReceiveTimestamp: '1001',
      },
      messageAttributes: {
        status: { stringValue: 'DELIVERED', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});
