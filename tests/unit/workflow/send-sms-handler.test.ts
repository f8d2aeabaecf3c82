import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { createSendSmsHandler, type SendSmsDeps } from '../../../lib/workflow/send-sms-handler';
import { createAttemptRepository } from '../../../lib/table/attempt-repository';
import type { SendSmsConfig } from '../../../lib/shared/config';
import { createDeliveryRepository } from '../../../lib/table/delivery-repository';
import { createSinchClient } from '../../../lib/workflow/sinch-client';
import { META_EMAIL, META_PHONE, META_TEXT, aMetaItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';
import { fakeSinchFetch, type FakeSinchFetch, type SinchAnswer } from '../../support/fake-sinch-fetch';

const TABLE = 'deliveries';
const NOW = new Date('2026-03-02T10:16:00.000Z');
const config: SendSmsConfig = {
  stage: 'unit',
  deliveriesTable: TABLE,
  sinchProjectId: 'proj-1',
  sinchAppId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  sinchRegion: 'eu',
  sinchCredentialsParam: '/receipt-driven-sms/unit/sinch-credentials',
  sinchApiUrl: 'https://eu.conversation.api.sinch.com',
  sinchAuthUrl: 'https://auth.sinch.com',
  sinchSmsSender: 'Acme',
};
const META = aMetaItem({ deliveryId: 'd-1' }); // expires 2026-03-02T10:25:29Z
const PAYLOAD = { deliveryId: 'd-1', attempt: 1, taskToken: 'token-1' };

const dynamoMock = mockClient(DynamoDBDocumentClient);
const ssmMock = mockClient(SSMClient);
let output: CapturedOutput;
let sinch: FakeSinchFetch;

function credentials(value: string) {
  ssmMock.on(GetParametersCommand).resolves({
    Parameters: [{ Name: config.sinchCredentialsParam, Type: 'SecureString', Value: value }],
  });
}

function buildHandler(script: SinchAnswer[] = [], overrides: Partial<SendSmsDeps> = {}) {
  sinch = fakeSinchFetch(script);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return createSendSmsHandler({
    config,
    deliveries: createDeliveryRepository(documents, TABLE),
    attempts: createAttemptRepository(documents, TABLE),
    sinch: createSinchClient({
      projectId: config.sinchProjectId,
      appId: config.sinchAppId,
      apiUrl: config.sinchApiUrl,
      authUrl: config.sinchAuthUrl,
      transport: sinch.fetch,
    }),
    logger: new Logger({ serviceName: 'send-sms-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'send-sms-unit' }),
    now: () => NOW,
    ssm: { awsClientOptions: { region: 'us-east-1' } },
    ...overrides,
  });
}

beforeEach(() => {
  clearCache();
  dynamoMock.reset();
  ssmMock.reset();
  credentials(JSON.stringify({ keyId: 'key', keySecret: 'secret' }));
  dynamoMock.on(GetCommand).resolves({ Item: META });
  dynamoMock.on(UpdateCommand).resolves({});
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  clearCache();
});

const updates = () => dynamoMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);

describe('send-sms handler', () => {
  it('writes the attempt with its token before sending, then stores the Sinch message id', async () => {
    // Act
    const result = await buildHandler()(PAYLOAD, aLambdaContext());

    // Assess
    expect(result).toEqual({
      deliveryId: 'd-1',
      attempt: 1,
      messageId: 'msg-1',
      provider: 'sinch',
      alreadySent: false,
      unconfirmed: false,
    });
    const [start, messageId] = updates();
    expect(start).toMatchObject({
      TableName: TABLE,
      Key: { PK: 'D#d-1', SK: 'A#001' },
      ConditionExpression: 'attribute_not_exists(PK) OR #channel = :sms',
      ExpressionAttributeValues: expect.objectContaining({
        ':token': 'token-1',
        ':sentAt': NOW.toISOString(),
      }),
    });
    expect(messageId).toMatchObject({
      Key: { PK: 'D#d-1', SK: 'A#001' },
      ExpressionAttributeValues: { ':messageId': 'msg-1' },
    });
    expect(sinch.accepted).toEqual([
      { to: META_PHONE, text: META_TEXT, metadata: 'd-1#1', ttl: '569s', messageId: 'msg-1' },
    ]);
  });

  it('logs and measures without the recipient, the address or the text', async () => {
    await buildHandler()(PAYLOAD, aLambdaContext());

    expect(output.logLines()).toContainEqual(
      expect.objectContaining({
        message: 'SMS accepted by the provider',
        deliveryId: 'd-1',
        messageId: 'msg-1',
        provider: 'sinch',
      }),
    );
    for (const secret of [META_PHONE, META_EMAIL, META_TEXT, 'secret'])
      expect(output.text()).not.toContain(secret);
  });

  it('does not send again when Step Functions retries an attempt Sinch already accepted', async () => {
    dynamoMock.on(UpdateCommand).resolves({ Attributes: { messageId: 'msg-earlier', channel: 'SMS' } });

    const result = await buildHandler()(PAYLOAD, aLambdaContext());

    expect(result).toMatchObject({ messageId: 'msg-earlier', alreadySent: true });
    expect(sinch.sendRequests).toBe(0);
    expect(updates()).toHaveLength(1);
  });

  it('refuses to send an expired code and writes nothing', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: { ...META, expiresAt: '2026-03-02T10:15:59.000Z' } });

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({
      name: 'Delivery.Expired',
    });
    expect(updates()).toHaveLength(0);
    expect(sinch.sendRequests).toBe(0);
  });

  it('throws Sinch.Unavailable for a 503 and notes why on the attempt', async () => {
    const handler = buildHandler([{ status: 503, body: { error: { code: 503, status: 'UNAVAILABLE' } } }]);

    await expect(handler(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'Sinch.Unavailable' });
    expect(updates()[1]).toMatchObject({
      UpdateExpression: 'SET reason = :reason',
      ExpressionAttributeValues: { ':reason': 'Sinch messages:send answered HTTP 503 UNAVAILABLE' },
    });
  });

  it('throws Sinch.Rejected for a 400 and marks the attempt FAILED (Config)', async () => {
    const handler = buildHandler([
      { status: 400, body: { error: { code: 400, message: 'bad app', status: 'INVALID_ARGUMENT' } } },
    ]);

    await expect(handler(PAYLOAD, aLambdaContext())).rejects.toMatchObject({
      name: 'Sinch.Rejected',
      sinchCode: 'INVALID_ARGUMENT',
    });
    expect(updates()[1]).toMatchObject({
      ConditionExpression: 'attribute_exists(PK) AND #status = :sent AND attribute_not_exists(messageId)',
      ExpressionAttributeValues: expect.objectContaining({ ':failed': 'FAILED', ':class': 'Config' }),
    });
  });

  it('still throws the Sinch error when noting it fails', async () => {
    dynamoMock
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: 'gone', $metadata: {} }));
    const handler = buildHandler([{ status: 500 }]);

    await expect(handler(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'Sinch.Unavailable' });
  });

  it('fails with NotFoundError when the delivery has no META item', async () => {
    dynamoMock.on(GetCommand).resolves({});

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('rejects a payload that breaks the contract with the state machine', async () => {
    await expect(buildHandler()({ deliveryId: 'd-1', attempt: 0 }, aLambdaContext())).rejects.toMatchObject({
      name: 'ValidationError',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'attempt' })]),
    });
  });

  it('reports malformed credentials in SSM as a configuration error', async () => {
    credentials('{"keyId":"only"}');

    await expect(buildHandler()(PAYLOAD, aLambdaContext())).rejects.toMatchObject({ name: 'ConfigError' });
    expect(sinch.sendRequests).toBe(0);
  });

  it('reads the credentials once per container while they are cached', async () => {
    const handler = buildHandler();

    await handler(PAYLOAD, aLambdaContext());
    await handler({ ...PAYLOAD, attempt: 2, taskToken: 'token-2' }, aLambdaContext());

    expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({
      Names: [config.sinchCredentialsParam],
      WithDecryption: true,
    });
  });
});
