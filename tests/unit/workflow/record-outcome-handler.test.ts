import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createRecordOutcomeHandler } from '../../../lib/workflow/record-outcome-handler';
import { createAttemptRepository } from '../../../lib/table/attempt-repository';
import { createOutcomeRepository } from '../../../lib/table/outcome-repository';
import { createOutcomeEventSender } from '../../../lib/workflow/outcome-event-sender';
import { aMetaItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const NOW = new Date('2026-03-02T10:17:29.000Z');
const META = aMetaItem({ deliveryId: 'd-1', attempts: undefined }); // created 10:15:29

const dynamoMock = mockClient(DynamoDBDocumentClient);
const eventsMock = mockClient(EventBridgeClient);
let output: CapturedOutput;

function buildHandler() {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return createRecordOutcomeHandler({
    config: { stage: 'unit', deliveriesTable: 'deliveries' },
    outcomes: createOutcomeRepository(documents, 'deliveries'),
    events: createOutcomeEventSender(new EventBridgeClient({ region: 'us-east-1' })),
    attempts: createAttemptRepository(documents, 'deliveries'),
    logger: new Logger({ serviceName: 'record-outcome-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'record-outcome-unit' }),
    now: () => NOW,
  });
}

function publishedDetails(): unknown[] {
  return eventsMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.Detail ?? 'null') as unknown);
}

beforeEach(() => {
  dynamoMock.reset();
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  dynamoMock.on(QueryCommand).resolves({ Items: [] });
  dynamoMock.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => ({
    Attributes: {
      ...META,
      outcome: input.ExpressionAttributeValues[':outcome'],
      outcomeAt: input.ExpressionAttributeValues[':outcomeAt'],
      attempts: input.ExpressionAttributeValues[':attempts'],
    },
  }));
  output = captureOutput();
});

afterEach(() => output.restore());

describe('record-outcome handler', () => {
  it('records DELIVERED_AFTER_RESEND when the SMS got through on a later attempt', async () => {
    // Prepare: attempt 1 from before providers were recorded (Sinch's), attempt 2 through the secondary
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        { PK: 'D#d-1', SK: 'A#002', attempt: 2, channel: 'SMS', provider: 'aws-sms' },
        { PK: 'D#d-1', SK: 'A#001', attempt: 1, channel: 'SMS' },
      ],
    });

    // Act
    const detail = await buildHandler()(
      { deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 2, failures: ['States.Timeout'] },
      aLambdaContext(),
    );

    // Assess
    expect(detail).toEqual({
      deliveryId: 'd-1',
      stage: 'unit',
      outcome: 'DELIVERED_AFTER_RESEND',
      smsAttempts: 2,
      emailSent: false,
      failureClasses: ['States.Timeout'],
      smsProviders: ['sinch', 'aws-sms'],
      lastSmsFailure: null,
      createdAt: META.createdAt,
      expiresAt: META.expiresAt,
      outcomeAt: NOW.toISOString(),
      secondsToOutcome: 120,
    });
    expect(dynamoMock.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { PK: 'D#d-1', SK: 'META' },
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(outcome)',
      ExpressionAttributeValues: { ':outcome': 'DELIVERED_AFTER_RESEND', ':attempts': 2 },
    });
  });

  it('puts the recorded outcome on the default bus as one DeliveryOutcome event', async () => {
    const detail = await buildHandler()(
      { deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 1, failures: [] },
      aLambdaContext(),
    );

    const [call, ...others] = eventsMock.commandCalls(PutEventsCommand);
    expect(others).toEqual([]);
    expect(call?.args[0].input.Entries).toEqual([
      {
        EventBusName: 'default',
        Source: 'receipt-driven-sms',
        DetailType: 'DeliveryOutcome',
        Detail: JSON.stringify(detail),
      },
    ]);
  });

  it('publishes nothing when the outcome could not be recorded', async () => {
    dynamoMock
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(
      buildHandler()({ deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 1, failures: [] }, aLambdaContext()),
    ).rejects.toThrow();
    expect(eventsMock.commandCalls(PutEventsCommand)).toEqual([]);
  });

  it.each([
    ['ThrottlingException', 'Aws.Unavailable'],
    ['InternalFailure', 'Aws.Unavailable'],
    ['AccessDeniedException', 'Error'],
  ])('fails the task when EventBridge refuses the entry with %s, as %s', async (errorCode, expectedName) => {
    eventsMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: errorCode, ErrorMessage: 'refused' }] });

    await expect(
      buildHandler()({ deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 1, failures: [] }, aLambdaContext()),
    ).rejects.toMatchObject({ name: expectedName, message: expect.stringContaining(errorCode) });
  });

  it('counts each outcome in a Deliveries metric with the outcome as dimension', async () => {
    await buildHandler()(
      { deliveryId: 'd-1', outcome: 'EMAIL_SENT', attempt: 3, failures: [] },
      aLambdaContext(),
    );

    const [blob] = output.metricBlobs();
    expect(blob).toMatchObject({ outcome: 'EMAIL_SENT', Deliveries: 1 });
  });

  it('says in the event that the number is wrong when Sinch reported it so, and nothing personal', async () => {
    // Prepare: the workflow state DecideNextStep left after a Permanent failure on SMS attempt 1.
    const lastSmsFailure = {
      attempt: 1,
      class: 'Permanent',
      reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
      recipientInvalid: true,
    } as const;

    // Act
    const detail = await buildHandler()(
      { deliveryId: 'd-1', outcome: 'EMAIL_SENT', attempt: 1, failures: ['Sms.Permanent'], lastSmsFailure },
      aLambdaContext(),
    );

    // Assess
    expect(detail).toMatchObject({
      outcome: 'EMAIL_SENT',
      failureClasses: ['Sms.Permanent'],
      lastSmsFailure,
    });
    expect(JSON.stringify(detail)).not.toContain(META.to);
  });

  it('describes an execution of an earlier definition, which passes no lastSmsFailure, with null', async () => {
    const detail = await buildHandler()(
      { deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 1, failures: [] },
      aLambdaContext(),
    );

    expect(detail.lastSmsFailure).toBeNull();
  });

  it('refuses a lastSmsFailure that carries anything but a code', async () => {
    const lastSmsFailure = {
      attempt: 1,
      class: 'Permanent',
      reasonCode: 'Number +447400123456 is invalid',
      recipientInvalid: true,
    };

    await expect(
      buildHandler()(
        { deliveryId: 'd-1', outcome: 'EMAIL_SENT', attempt: 1, failures: [], lastSmsFailure },
        aLambdaContext(),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('keeps the outcome recorded first and describes that one', async () => {
    dynamoMock
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    dynamoMock.on(GetCommand).resolves({
      Item: {
        deliveryId: 'd-1',
        createdAt: META.createdAt,
        expiresAt: META.expiresAt,
        outcome: 'EMAIL_SENT',
        outcomeAt: '2026-03-02T10:17:00.000Z',
        attempts: 3,
      },
    });

    const detail = await buildHandler()(
      { deliveryId: 'd-1', outcome: 'UNDELIVERABLE', attempt: 3, failures: [] },
      aLambdaContext(),
    );

    expect(detail).toMatchObject({
      outcome: 'EMAIL_SENT',
      outcomeAt: '2026-03-02T10:17:00.000Z',
      emailSent: true,
    });
    // A retried task publishes the outcome META holds, never the one it was asked to record.
    expect(publishedDetails()).toEqual([detail]);
    expect(output.logLines()).toContainEqual(
      expect.objectContaining({
        message: 'An earlier outcome was already recorded; keeping it',
        ignored: 'UNDELIVERABLE',
      }),
    );
  });

  it('fails with NotFoundError when the delivery has no META item', async () => {
    dynamoMock
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'missing', $metadata: {} }));
    dynamoMock.on(GetCommand).resolves({});

    await expect(
      buildHandler()({ deliveryId: 'd-1', outcome: 'EXPIRED', attempt: 1, failures: [] }, aLambdaContext()),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('rejects an outcome the workflow cannot produce', async () => {
    await expect(
      buildHandler()(
        { deliveryId: 'd-1', outcome: 'DELIVERED_AFTER_RESEND', attempt: 2, failures: [] },
        aLambdaContext(),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
