import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDecideNextHandler } from '../../../lib/workflow/decide-next-handler';
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
    logger: new Logger({ serviceName: 'decide-next-unit', logLevel: 'DEBUG' }),
    now: () => NOW,
  });
}

beforeEach(() => {
  dynamoMock.reset();
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

  it('fails with NotFoundError when the delivery has no META item', async () => {
    dynamoMock.on(GetCommand).resolves({});

    await expect(buildHandler()(STATE, aLambdaContext())).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
