import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { MessageRejected, SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createSendEmailHandler } from '../../../lib/workflow/send-email-handler';
import { createAttemptRepository } from '../../../lib/table/attempt-repository';
import { createDeliveryRepository } from '../../../lib/table/delivery-repository';
import type { AttemptItem } from '../../../lib/table/delivery-model';
import { createSesEmailSender } from '../../../lib/workflow/email-sender';
import { META_EMAIL, META_PHONE, META_TEXT, aMetaItem, anAttemptItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const TABLE = 'deliveries';
const NOW = new Date('2026-03-02T10:20:00.000Z');
const META = aMetaItem({ deliveryId: 'd-1' }); // expires 2026-03-02T10:25:29Z
const PAYLOAD = { deliveryId: 'd-1', attempt: 4 };

const dynamoMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESClient);
let output: CapturedOutput;

function buildHandler() {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return createSendEmailHandler({
    config: { stage: 'unit', deliveriesTable: TABLE, emailFrom: 'no-reply@example.com' },
    deliveries: createDeliveryRepository(documents, TABLE),
    attempts: createAttemptRepository(documents, TABLE),
    mailer: createSesEmailSender(
      new SESClient({ region: 'us-east-1', maxAttempts: 1 }),
      'no-reply@example.com',
    ),
    logger: new Logger({ serviceName: 'send-email-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'send-email-unit' }),
    now: () => NOW,
  });
}

function metaAndAttempt(attempt?: AttemptItem) {
  dynamoMock.on(GetCommand, { Key: { PK: 'D#d-1', SK: 'META' } }).resolves({ Item: META });
  dynamoMock.on(GetCommand, { Key: { PK: 'D#d-1', SK: 'A#004' } }).resolves({ Item: attempt });
}

beforeEach(() => {
  dynamoMock.reset();
  sesMock.reset();
  metaAndAttempt();
  dynamoMock.on(PutCommand).resolves({});
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  output = captureOutput();
});

afterEach(() => output.restore());

describe('send-email handler', () => {
  it('sends the fallback email from EMAIL_FROM and records it as an EMAIL attempt', async () => {
    // Act
    const result = await buildHandler()(PAYLOAD, aLambdaContext());

    // Assess
    expect(result).toEqual({ deliveryId: 'd-1', attempt: 4, messageId: 'ses-1', alreadySent: false });
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      Source: 'no-reply@example.com',
      Destination: { ToAddresses: [META_EMAIL] },
      Message: {
        Subject: { Data: 'Your code', Charset: 'UTF-8' },
        Body: { Text: { Data: META_TEXT, Charset: 'UTF-8' } },
      },
    });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: {
        PK: 'D#d-1',
        SK: 'A#004',
        deliveryId: 'd-1',
        attempt: 4,
        channel: 'EMAIL',
        messageId: 'ses-1',
        sentAt: NOW.toISOString(),
        status: 'EMAIL_SENT',
        statusAt: NOW.toISOString(),
        ttl: META.ttl,
      },
    });
    for (const secret of [META_PHONE, META_EMAIL, META_TEXT]) expect(output.text()).not.toContain(secret);
  });

  it('does not send twice when Step Functions retries after the email went out', async () => {
    metaAndAttempt(anAttemptItem({ deliveryId: 'd-1', attempt: 4, channel: 'EMAIL', messageId: 'ses-0' }));

    const result = await buildHandler()(PAYLOAD, aLambdaContext());

    expect(result).toMatchObject({ messageId: 'ses-0', alreadySent: true });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('never sends a code that has expired', async () => {
    dynamoMock.on(GetCommand, { Key: { PK: 'D#d-1', SK: 'META' } }).resolves({
      Item: { ...META, expiresAt: '2026-03-02T10:19:59.000Z' },
    });

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({
      name: 'Delivery.Expired',
    });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('throws Email.Unavailable when SES throttles, so the state machine retries', async () => {
    sesMock
      .on(SendEmailCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({
      name: 'Email.Unavailable',
    });
  });

  it('throws Email.Rejected for a refused address, without quoting the address', async () => {
    sesMock.on(SendEmailCommand).rejects(
      new MessageRejected({
        message: `Email address is not verified: ${META_EMAIL}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await buildHandler()(PAYLOAD, aLambdaContext()).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e as Error,
    );

    expect(error).toMatchObject({
      name: 'Email.Rejected',
      message: 'SES refused the email (MessageRejected)',
    });
    expect(dynamoMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('counts an email SES refused in EmailFailures, by the reason SES gave', async () => {
    // Prepare: an account still in the SES sandbox refuses every unverified recipient.
    sesMock.on(SendEmailCommand).rejects(
      new MessageRejected({
        message: `Email address is not verified. The following identities failed the check: ${META_EMAIL}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'Email.Rejected' });

    // Assess
    expect(output.metricBlobs()).toContainEqual(
      expect.objectContaining({ reason: 'MessageRejected', EmailFailures: 1 }),
    );
    expect(output.text()).not.toContain(META_EMAIL);
  });

  it('counts a throttled email in EmailFailures too, and throws Email.Unavailable for the retry', async () => {
    sesMock.on(SendEmailCommand).rejects(
      Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({
      name: 'Email.Unavailable',
    });

    expect(output.metricBlobs()).toContainEqual(
      expect.objectContaining({ reason: 'Throttling', EmailFailures: 1 }),
    );
  });

  it('ends with Aws.Unavailable when DynamoDB stays throttled, so the state machine retries', async () => {
    // Prepare
    dynamoMock.on(GetCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'Throughput exceeds the current capacity',
        $metadata: { httpStatusCode: 400, attempts: 3 },
      }),
    );

    // Act
    const sent = buildHandler()(PAYLOAD, aLambdaContext());

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'Aws.Unavailable' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('throws Email.Rejected when the delivery has no email address', async () => {
    dynamoMock.on(GetCommand, { Key: { PK: 'D#d-1', SK: 'META' } }).resolves({
      Item: { ...META, email: undefined },
    });

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'Email.Rejected' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('keeps the email sent when the attempt item already exists', async () => {
    dynamoMock
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).resolves.toMatchObject({ messageId: 'ses-1' });
  });
});
