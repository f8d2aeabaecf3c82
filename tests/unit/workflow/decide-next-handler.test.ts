import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDecideNextHandler } from '../../../lib/workflow/decide-next-handler';
import { createAttemptRepository } from '../../../lib/table/attempt-repository';
import { createDeliveryRepository } from '../../../lib/table/delivery-repository';
import { META_EMAIL, aMetaItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const NOW = new Date('2026-03-02T10:16:00.000Z');
const STATE = {
  deliveryId: 'd-1',
  expiresAt: '2026-03-02T10:25:29.000Z',
  policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
  attempt: 1,
  failures: [],
  failure: 'States.Timeout',
};

const dynamoMock = mockClient(DynamoDBDocumentClient);
let output: CapturedOutput;

function buildHandler() {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return createDecideNextHandler({
    config: { stage: 'unit', deliveriesTable: 'deliveries' },
    deliveries: createDeliveryRepository(documents, 'deliveries'),
    attempts: createAttemptRepository(documents, 'deliveries'),
    logger: new Logger({ serviceName: 'decide-next-unit', logLevel: 'DEBUG' }),
    now: () => NOW,
  });
}

beforeEach(() => {
  dynamoMock.reset();
  dynamoMock.on(QueryCommand).resolves({ Items: [] });
  dynamoMock.on(GetCommand).resolves({ Item: aMetaItem({ deliveryId: 'd-1' }) });
  output = captureOutput();
});

afterEach(() => output.restore());

describe('decide-next handler', () => {
  it('returns the next state: failure recorded, attempt advanced, the decision in plain words', async () => {
    const next = await buildHandler()(STATE, aLambdaContext());

    expect(next).toEqual({
      deliveryId: 'd-1',
      expiresAt: STATE.expiresAt,
      policy: STATE.policy,
      attempt: 2,
      failures: ['States.Timeout'],
      emailFailures: [],
      lastSmsFailure: null,
      provider: 'sinch',
      decision: {
        action: 'RESEND',
        waitSeconds: 10,
        reason: 'SMS attempt 1 got no delivery report within 60 s; resending in 10 s (attempt 2 of 3).',
      },
    });
    expect(output.logLines()).toContainEqual(
      expect.objectContaining({ message: 'Next step decided', action: 'RESEND', deliveryId: 'd-1' }),
    );
    expect(output.text()).not.toContain(META_EMAIL);
  });

  it('gives up when SMS cannot help and the delivery has no email address', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: aMetaItem({ deliveryId: 'd-1', email: undefined }) });

    const next = await buildHandler()({ ...STATE, failure: 'Sms.Permanent' }, aLambdaContext());

    expect(next).toMatchObject({ attempt: 1, failures: ['Sms.Permanent'], decision: { action: 'GIVE_UP' } });
  });

  it('rejects a state without the failure that ended the attempt', async () => {
    await expect(buildHandler()({ ...STATE, failure: undefined }, aLambdaContext())).rejects.toMatchObject({
      name: 'ValidationError',
      issues: [expect.objectContaining({ path: 'failure' })],
    });
  });

  it('keeps the reason code of a failure Sinch reported, and whether the number itself is wrong', async () => {
    // Prepare: what SendSms caught from the receipt processor's SendTaskFailure.
    const lastError = {
      Error: 'Sms.Permanent',
      Cause: JSON.stringify({
        reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
        messageId: 'm-1',
        attempt: 1,
      }),
    };

    // Act
    const next = await buildHandler()(
      { ...STATE, emailFailures: [], lastSmsFailure: null, failure: 'Sms.Permanent', lastError },
      aLambdaContext(),
    );

    // Assess
    expect(next).toMatchObject({
      failures: ['Sms.Permanent'],
      lastSmsFailure: {
        attempt: 1,
        class: 'Permanent',
        reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
        recipientInvalid: true,
      },
      decision: { action: 'EMAIL' },
    });
  });

  it('keeps the last reported failure when a later attempt ends without a report', async () => {
    // Prepare
    const reported = {
      attempt: 1,
      class: 'Transient',
      reasonCode: 'DELIVERY_TIMED_OUT',
      recipientInvalid: false,
    } as const;

    // Act
    const next = await buildHandler()(
      {
        ...STATE,
        attempt: 2,
        failures: ['Sms.Transient'],
        lastSmsFailure: reported,
        failure: 'States.Timeout',
        lastError: { Error: 'States.Timeout' },
      },
      aLambdaContext(),
    );

    // Assess
    expect(next).toMatchObject({ failures: ['Sms.Transient', 'States.Timeout'], lastSmsFailure: reported });
  });

  it('tries a throttled email again without counting it as a failed SMS attempt', async () => {
    // Prepare: SMS attempt 3 of 3 failed; the email was throttled through its retries.
    const state = {
      ...STATE,
      attempt: 3,
      failures: ['States.Timeout', 'States.Timeout', 'States.Timeout'],
      emailFailures: [],
      lastSmsFailure: null,
      failure: 'Lambda.TooManyRequestsException',
      lastError: {
        Error: 'Lambda.TooManyRequestsException',
        Cause: 'Rate Exceeded.',
        failedTask: 'SendEmail',
      },
    };

    // Act
    const next = await buildHandler()(state, aLambdaContext());

    // Assess
    expect(next).toMatchObject({
      attempt: 3,
      failures: state.failures,
      emailFailures: ['Lambda.TooManyRequestsException'],
      decision: { action: 'EMAIL', waitSeconds: 0 },
    });
  });

  it('resends after SendSms stayed throttled, counting the attempt', async () => {
    // Act
    const next = await buildHandler()(
      {
        ...STATE,
        failure: 'Lambda.TooManyRequestsException',
        lastError: { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate Exceeded.' },
      },
      aLambdaContext(),
    );

    // Assess
    expect(next).toMatchObject({
      attempt: 2,
      failures: ['Lambda.TooManyRequestsException'],
      decision: { action: 'RESEND' },
    });
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
    const outcome = buildHandler()(STATE, aLambdaContext());

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'Aws.Unavailable' });
  });

  it('fails with NotFoundError when the delivery has no META item', async () => {
    dynamoMock.on(GetCommand).resolves({});

    await expect(buildHandler()(STATE, aLambdaContext())).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
