import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createProcessorHandler } from '../../../lib/receipts/processor-handler';
import type { ProcessorConfig } from '../../../lib/shared/config';
import { META_SK, attemptSk, deliveryPk, type AttemptItem } from '../../../lib/table/delivery-model';
import { META_PHONE, anAttemptItem } from '../../builders/attempt-item';
import { deliveryReportBody, type DeliveryReportOptions } from '../../builders/delivery-report';
import { aLambdaContext } from '../../builders/function-url-event';
import { anSqsEvent, anSqsRecord, receiptMessageBody } from '../../builders/sqs-record';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const config: ProcessorConfig = {
  stage: 'unit',
  deliveriesTable: 'deliveries-unit',
  receiptsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
  receiptsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
  orphansQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-orphans',
  orphanAfterReceives: 4,
};
const NOW = new Date('2026-03-02T10:15:36.000Z');
const DELIVERY_ID = 'dlv-unit-1';
const MESSAGE_ID = '01HZX4R2K8M3P6Q9S1T4V7W0YZ';
const IDENTITY = META_PHONE.slice(1);

const dynamoMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);

function buildHandler() {
  return createProcessorHandler({
    config,
    documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    sfn: new SFNClient({ region: 'us-east-1' }),
    sqs: new SQSClient({ region: 'us-east-1' }),
    logger: new Logger({ serviceName: 'processor-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'processor-unit' }),
    now: () => NOW,
    // The longest delay of each back-off step, so the expected delays are exact.
    random: () => 1,
  });
}

function recordFor(
  report: DeliveryReportOptions,
  options: { messageId?: string; receiveCount?: number } = {},
) {
  const body = receiptMessageBody(
    deliveryReportBody({
      messageId: MESSAGE_ID,
      identity: IDENTITY,
      metadata: `${DELIVERY_ID}#1`,
      ...report,
    }),
  );
  return anSqsRecord({ body, ...options });
}

const isClaim = (input: UpdateCommandInput) =>
  input.UpdateExpression?.includes('callbackBy = :claimId') ?? false;
const isAppend = (input: UpdateCommandInput) => input.UpdateExpression?.includes('list_append') ?? false;

/** The table holds one SMS attempt waiting on its task token; writes succeed as on a fresh attempt. */
function givenWaitingAttempt(overrides: Partial<AttemptItem> = {}): AttemptItem {
  const attempt = anAttemptItem({ deliveryId: DELIVERY_ID, messageId: MESSAGE_ID, ...overrides });
  dynamoMock.on(GetCommand).resolves({ Item: attempt });
  dynamoMock.on(QueryCommand).resolves({ Items: [{ PK: attempt.PK, SK: attempt.SK }] });
  dynamoMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    if (isAppend(input)) {
      const entries = input.ExpressionAttributeValues?.[':entries'] as unknown[];
      return { Attributes: { ...attempt, receipts: entries } };
    }
    return { Attributes: {} };
  });
  return attempt;
}

function updates(predicate: (input: UpdateCommandInput) => boolean = () => true) {
  return dynamoMock
    .commandCalls(UpdateCommand)
    .map((call) => call.args[0].input)
    .filter(predicate);
}

function parkedMessages() {
  return sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
}

function metricBlobs(output: CapturedOutput, name: string) {
  return output.metricBlobs().filter((blob) => name in blob);
}

describe('processor handler', () => {
  let output: CapturedOutput;

  beforeEach(() => {
    dynamoMock.reset();
    sfnMock.reset();
    sqsMock.reset();
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    output = captureOutput();
  });

  afterEach(() => output.restore());

  describe('a final receipt for a waiting attempt', () => {
    it('wakes the workflow with SendTaskSuccess for DELIVERED and acknowledges the record', async () => {
      const attempt = givenWaitingAttempt();
      const record = recordFor({ status: 'DELIVERED', eventTime: '2026-03-02T10:15:34.587654321Z' });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response).toEqual({ batchItemFailures: [] });
      expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
        {
          taskToken: attempt.taskToken,
          output: JSON.stringify({
            status: 'DELIVERED',
            messageId: MESSAGE_ID,
            attempt: 1,
            statusAt: '2026-03-02T10:15:34.587654321Z',
          }),
        },
      ]);
      expect(updates(isAppend)[0]).toMatchObject({
        TableName: config.deliveriesTable,
        Key: { PK: deliveryPk(DELIVERY_ID), SK: attemptSk(1) },
        ExpressionAttributeValues: { ':key': `${MESSAGE_ID}#DELIVERED#2026-03-02T10:15:34.587654321Z` },
      });
      expect(
        updates((input) => input.UpdateExpression?.includes('callbackDoneAt = :now') ?? false),
      ).toHaveLength(1);
    });

    it('fails the task with Sms.<Class> for FAILED', async () => {
      const attempt = givenWaitingAttempt();
      const record = recordFor({ status: 'FAILED', reason: { code: 'DELIVERY_REJECTED_DUE_TO_POLICY' } });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      const [failure] = sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input);
      expect(failure).toMatchObject({ taskToken: attempt.taskToken, error: 'Sms.Policy' });
      expect(JSON.parse(failure?.cause ?? '')).toEqual({
        reasonCode: 'DELIVERY_REJECTED_DUE_TO_POLICY',
        messageId: MESSAGE_ID,
        attempt: 1,
      });
    });

    it('logs the delivery, message and attempt but never the body or the phone number', async () => {
      givenWaitingAttempt();

      await buildHandler()(anSqsEvent([recordFor({ status: 'DELIVERED' })]), aLambdaContext());

      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          message: 'Receipt processed',
          stage: 'unit',
          deliveryId: DELIVERY_ID,
          messageId: MESSAGE_ID,
          attempt: 1,
          callback: 'sent',
        }),
      );
      expect(output.text()).not.toContain(IDENTITY);
      expect(metricBlobs(output, 'ReceiptsRecorded')).toEqual([
        expect.objectContaining({ ReceiptsRecorded: 1, status: 'DELIVERED' }),
      ]);
    });
  });

  it('never logs the incoming event, even when POWERTOOLS_LOGGER_LOG_EVENT asks for it', async () => {
    givenWaitingAttempt();
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      await buildHandler()(anSqsEvent([recordFor({ status: 'DELIVERED' })]), aLambdaContext());
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    }

    expect(output.text()).not.toContain(IDENTITY);
  });

  it('records QUEUED_ON_CHANNEL without waking anything', async () => {
    givenWaitingAttempt();

    const response = await buildHandler()(
      anSqsEvent([recordFor({ status: 'QUEUED_ON_CHANNEL' })]),
      aLambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(updates(isClaim)).toHaveLength(0);
  });

  it('records a receipt for a closed task as late and flags the delivery', async () => {
    givenWaitingAttempt();
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const response = await buildHandler()(anSqsEvent([recordFor({ status: 'DELIVERED' })]), aLambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(updates((input) => input.Key?.SK === META_SK)).toEqual([
      expect.objectContaining({ UpdateExpression: 'SET lateSmsDelivered = :late' }),
    ]);
    expect(metricBlobs(output, 'LateSmsDelivered')).not.toHaveLength(0);
  });

  describe('records that cannot be used', () => {
    it('parks a body that is not an envelope in the DLQ unchanged, and acknowledges it', async () => {
      const record = anSqsRecord({
        body: 'garbage',
        messageAttributes: { eventType: { dataType: 'String', stringValue: 'message_delivery_report' } },
      });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      expect(parkedMessages()).toEqual([
        {
          QueueUrl: config.receiptsDlqUrl,
          MessageBody: 'garbage',
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: 'message_delivery_report' },
            parkedReason: { DataType: 'String', StringValue: 'not_an_envelope' },
            parkedBy: { DataType: 'String', StringValue: 'processor' },
          },
        },
      ]);
      expect(dynamoMock.calls()).toHaveLength(0);
    });

    it.each([
      ['not_json', receiptMessageBody('{"message_delivery_report":')],
      ['not_a_delivery_report', receiptMessageBody('{"message_submit_notification":{}}')],
      ['missing_message_id', receiptMessageBody(deliveryReportBody({ messageId: '' }))],
      ['unknown_status', receiptMessageBody(deliveryReportBody({ status: 'PENDING' }))],
    ])('parks an unusable report as %s', async (reason, body) => {
      const record = anSqsRecord({ body });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      expect(parkedMessages()).toEqual([
        expect.objectContaining({
          MessageBody: body,
          MessageAttributes: expect.objectContaining({
            parkedReason: { DataType: 'String', StringValue: reason },
          }),
        }),
      ]);
      expect(metricBlobs(output, 'ReceiptsParked')).toEqual([expect.objectContaining({ reason })]);
    });

    it('reports the record as failed when the DLQ does not take it, so nothing is lost', async () => {
      sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
      const record = anSqsRecord({ body: 'garbage' });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    });
  });

  describe('a receipt that matches no attempt', () => {
    beforeEach(() => {
      dynamoMock.on(GetCommand).resolves({});
      dynamoMock.on(QueryCommand).resolves({ Items: [] });
    });

    it('is retried soon: reported as failed with its visibility shortened', async () => {
      const record = recordFor({ status: 'DELIVERED' }, { receiveCount: 2 });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
        { QueueUrl: config.receiptsQueueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 10 },
      ]);
      expect(parkedMessages()).toHaveLength(0);
    });

    it('is still retried when the visibility cannot be shortened', async () => {
      sqsMock.on(ChangeMessageVisibilityCommand).rejects(new Error('receipt handle expired'));
      const record = recordFor({ status: 'DELIVERED' });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    });

    it('becomes an orphan at the configured receive: set aside on the orphans queue, not the DLQ, and acknowledged', async () => {
      // Prepare
      const record = recordFor({ status: 'DELIVERED' }, { receiveCount: config.orphanAfterReceives });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(parkedMessages()).toEqual([
        expect.objectContaining({
          QueueUrl: config.orphansQueueUrl,
          MessageBody: record.body,
          MessageAttributes: expect.objectContaining({
            parkedReason: { DataType: 'String', StringValue: 'orphan' },
            parkedBy: { DataType: 'String', StringValue: 'processor' },
          }),
        }),
      ]);
      expect(metricBlobs(output, 'OrphanReceipts')).not.toHaveLength(0);
      expect(metricBlobs(output, 'ReceiptsParked')).toEqual([]);
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    });

    it('is reported as failed, and not acknowledged, when the orphans queue does not take it', async () => {
      // Prepare
      sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
      const record = recordFor({ status: 'DELIVERED' }, { receiveCount: config.orphanAfterReceives });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    });
  });

  describe('AWS errors', () => {
    it('reports the record as failed when DynamoDB throttles, to come back in seconds rather than 180 s', async () => {
      // Prepare
      dynamoMock
        .on(GetCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'Slow down', $metadata: {} }));
      const record = recordFor({ status: 'DELIVERED' }, { receiveCount: 3 });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
        { QueueUrl: config.receiptsQueueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 8 },
      ]);
      expect(sfnMock.calls()).toHaveLength(0);
      expect(parkedMessages()).toHaveLength(0);
      expect(metricBlobs(output, 'ReceiptProcessingErrors')).toEqual([
        expect.objectContaining({ ReceiptProcessingErrors: 1 }),
      ]);
    });

    it('reports the record as failed and releases its claim when Step Functions throttles, retrying it soon', async () => {
      // Prepare
      givenWaitingAttempt();
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      const record = recordFor({ status: 'DELIVERED' });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(updates((input) => input.UpdateExpression?.startsWith('REMOVE callbackAt') ?? false)).toEqual([
        expect.objectContaining({ ExpressionAttributeValues: { ':claimId': record.messageId } }),
      ]);
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
        { QueueUrl: config.receiptsQueueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 2 },
      ]);
    });

    it('still reports a throttled record as failed when its visibility cannot be shortened', async () => {
      // Prepare
      givenWaitingAttempt();
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      sqsMock.on(ChangeMessageVisibilityCommand).rejects(new Error('SQS unavailable'));
      const record = recordFor({ status: 'DELIVERED' });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({ level: 'WARN', message: 'Could not shorten the retry delay' }),
      );
    });

    it('leaves access denied to the visibility timeout: a person must act, fast retries would not help', async () => {
      // Prepare
      dynamoMock
        .on(GetCommand)
        .rejects(Object.assign(new Error('not authorised'), { name: 'AccessDeniedException' }));
      const record = recordFor({ status: 'DELIVERED' });

      // Act
      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    });

    it('treats a duplicate as recorded and does not call back twice', async () => {
      const attempt = givenWaitingAttempt({ callbackAt: NOW.toISOString() });
      dynamoMock
        .on(UpdateCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );
      dynamoMock.on(GetCommand).resolves({
        Item: { ...attempt, callbackBy: 'sqs-earlier', callbackKey: 'k', callbackDoneAt: NOW.toISOString() },
      });
      const record = recordFor({ status: 'DELIVERED' }, { messageId: 'sqs-earlier' });

      const response = await buildHandler()(anSqsEvent([record]), aLambdaContext());

      expect(response.batchItemFailures).toEqual([]);
      expect(sfnMock.calls()).toHaveLength(0);
      expect(metricBlobs(output, 'DuplicateReceipts')).not.toHaveLength(0);
    });
  });

  it('returns the failed records of a batch where every record failed instead of throwing', async () => {
    dynamoMock.on(GetCommand).rejects(new Error('network down'));
    const records = [recordFor({ status: 'DELIVERED' }), recordFor({ status: 'FAILED' })];

    const response = await buildHandler()(anSqsEvent(records), aLambdaContext());

    expect(response.batchItemFailures).toEqual(records.map((r) => ({ itemIdentifier: r.messageId })));
  });
});
