import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { createSendHandler, MAX_SEND_BODY_BYTES, type SendDeps } from '../../../lib/delivery/send-handler';
import { loadSendApiConfig, type SendApiConfig } from '../../../lib/shared/config';
import type { DeliveryMetaItem } from '../../../lib/table/delivery-model';
import { createDeliveryRepository } from '../../../lib/table/delivery-repository';
import type { DeliveryRequest } from '../../../lib/delivery/delivery-request';
import { createWorkflowStarter } from '../../../lib/delivery/workflow-starter';
import { aDeliveryRequest, TEST_MOBILE, TEST_NOW } from '../../builders/delivery-request';
import { aFunctionUrlEvent, aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const HASH_KEY = 'unit-recipient-hash-key-0123456789';
const config: SendApiConfig = {
  stage: 'unit',
  deliveriesTable: 'receipt-driven-sms-unit-deliveries',
  deliveryStateMachineArn:
    'arn:aws:states:us-east-1:123456789012:stateMachine:receipt-driven-sms-unit-delivery',
  recipientHashKeyParam: '/receipt-driven-sms/unit/recipient-hash-key',
  retentionDays: 30,
};
const EXECUTION_ARN =
  'arn:aws:states:us-east-1:123456789012:execution:receipt-driven-sms-unit-delivery:login-7f3a9c';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const ssmMock = mockClient(SSMClient);

function buildHandler(overrides: Partial<SendDeps> = {}) {
  return createSendHandler({
    config,
    repository: createDeliveryRepository(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      config.deliveriesTable,
    ),
    workflow: createWorkflowStarter(new SFNClient({}), config.deliveryStateMachineArn),
    logger: new Logger({ serviceName: 'send-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'send-unit' }),
    now: () => TEST_NOW,
    ssm: {},
    ...overrides,
  });
}

function postEvent(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return aFunctionUrlEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), headers });
}

function storedItems(): DeliveryMetaItem[] {
  return dynamoMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item as DeliveryMetaItem);
}

function startedInputs(): unknown[] {
  return sfnMock.commandCalls(StartExecutionCommand).map((call) => JSON.parse(call.args[0].input.input!));
}

function metricNames(output: CapturedOutput): string[] {
  return output.metricBlobs().flatMap((blob) => Object.keys(blob).filter((key) => /^[A-Z]/.test(key)));
}

describe('send handler', () => {
  let output: CapturedOutput;

  beforeEach(() => {
    dynamoMock.reset();
    sfnMock.reset();
    ssmMock.reset();
    ssmMock.on(GetParametersCommand).resolves({
      Parameters: [{ Name: config.recipientHashKeyParam, Type: 'SecureString', Value: HASH_KEY }],
    });
    dynamoMock.on(PutCommand).resolves({});
    dynamoMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: TEST_NOW });
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    clearCache();
  });

  describe('a valid request', () => {
    it('starts the delivery and answers 202 with its id and execution ARN', async () => {
      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response).toEqual({
        statusCode: 202,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deliveryId: 'login-7f3a9c', executionArn: EXECUTION_ARN }),
      });
      expect(storedItems()).toEqual([expect.objectContaining({ PK: 'D#login-7f3a9c', to: TEST_MOBILE })]);
      expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
        TableName: config.deliveriesTable,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      expect(startedInputs()).toEqual([
        {
          deliveryId: 'login-7f3a9c',
          expiresAt: '2030-01-01T12:10:00.000Z',
          policy: expect.any(Object),
          attempt: 1,
          failures: [],
          emailFailures: [],
          lastSmsFailure: null,
          provider: null,
        },
      ]);
      expect(dynamoMock.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
        ':executionArn': EXECUTION_ARN,
      });
    });

    it('hashes the recipient with the key read from SSM', async () => {
      await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(ssmMock.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({
        Names: [config.recipientHashKeyParam],
        WithDecryption: true,
      });
      expect(storedItems()[0]?.toHash).toMatch(/^[\w-]{43}$/);
    });

    it('reads the key from SSM once per container', async () => {
      const handler = buildHandler();

      await handler(postEvent(aDeliveryRequest({ deliveryId: 'one' })), aLambdaContext());
      await handler(postEvent(aDeliveryRequest({ deliveryId: 'two' })), aLambdaContext());

      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(1);
    });

    it('accepts a base64-encoded body', async () => {
      const event = aFunctionUrlEvent({
        body: JSON.stringify(aDeliveryRequest()),
        headers: { 'content-type': 'application/json' },
        base64: true,
      });

      const response = await buildHandler()(event, aLambdaContext());

      expect(response.statusCode).toBe(202);
    });

    it('counts the start and logs the delivery id, never the recipient, email or text', async () => {
      const request = aDeliveryRequest();

      await buildHandler()(postEvent(request), aLambdaContext());

      expect(output.logLines()).toContainEqual(
        expect.objectContaining({ message: 'Delivery accepted', deliveryId: 'login-7f3a9c', stage: 'unit' }),
      );
      expect(metricNames(output)).toContain('DeliveriesStarted');
      const everything = output.text();
      expect(everything).not.toContain(TEST_MOBILE.slice(-8));
      expect(everything).not.toContain(request.email!.to);
      expect(everything).not.toContain('482913');
    });
  });

  describe('a repeated request', () => {
    async function firstItem(request: DeliveryRequest): Promise<DeliveryMetaItem> {
      await buildHandler()(postEvent(request), aLambdaContext());
      const item = storedItems()[0]!;
      dynamoMock.reset();
      sfnMock.reset();
      return item;
    }

    it('answers 200 with the existing delivery and starts nothing', async () => {
      const item = await firstItem(aDeliveryRequest());
      dynamoMock
        .on(PutCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );
      dynamoMock.on(GetCommand).resolves({ Item: { ...item, executionArn: EXECUTION_ARN } });

      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response).toMatchObject({
        statusCode: 200,
        body: JSON.stringify({ deliveryId: 'login-7f3a9c', executionArn: EXECUTION_ARN }),
      });
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(metricNames(output)).toContain('DeliveryRequestsRepeated');
    });

    it('answers 409 when the id was used for a different request', async () => {
      const item = await firstItem(aDeliveryRequest());
      dynamoMock
        .on(PutCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );
      dynamoMock.on(GetCommand).resolves({ Item: { ...item, executionArn: EXECUTION_ARN } });

      const response = await buildHandler()(
        postEvent(aDeliveryRequest({ text: 'Your code is 000111.' })),
        aLambdaContext(),
      );

      expect(response.statusCode).toBe(409);
      expect(JSON.parse(response.body!)).toEqual({
        error: 'Delivery login-7f3a9c already exists with a different request',
        deliveryId: 'login-7f3a9c',
      });
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(metricNames(output)).toContain('DeliveryRequestsConflicting');
    });
  });

  describe('an invalid request', () => {
    it('answers 400 with every field issue and stores or starts nothing', async () => {
      const response = await buildHandler()(
        postEvent({ ...aDeliveryRequest(), to: '+442079460000', text: '', policy: { maxSmsAttempts: 0 } }),
        aLambdaContext(),
      );

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body!)).toEqual({
        error: 'Invalid delivery request',
        issues: [
          { path: 'to', message: 'must be a valid mobile number' },
          { path: 'text', message: 'must not be empty' },
          { path: 'policy.maxSmsAttempts', message: 'must be a whole number from 1 to 5' },
        ],
      });
      expect(dynamoMock.calls()).toHaveLength(0);
      expect(sfnMock.calls()).toHaveLength(0);
    });

    it('logs which fields were wrong without their values or caller-chosen keys', async () => {
      await buildHandler()(
        postEvent({ ...aDeliveryRequest(), to: '+442079460000', ['+447400999888']: true }),
        aLambdaContext(),
      );

      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          message: 'Delivery request invalid',
          fields: ['to', '(unrecognised field)'],
        }),
      );
      expect(output.text()).not.toContain('2079460000');
      expect(output.text()).not.toContain('447400999888');
      expect(metricNames(output)).toContain('DeliveryRequestsInvalid');
    });
  });

  describe('a request of the wrong shape', () => {
    it.each([
      ['GET', 405],
      ['PUT', 405],
    ])('answers %s with %i and an Allow header', async (method, status) => {
      const response = await buildHandler()(aFunctionUrlEvent({ method }), aLambdaContext());

      expect(response).toMatchObject({ statusCode: status, headers: { allow: 'POST' } });
    });

    it('answers 413 for a body over the limit', async () => {
      const body = JSON.stringify({ ...aDeliveryRequest(), text: 'x'.repeat(MAX_SEND_BODY_BYTES) });

      const response = await buildHandler()(postEvent(body), aLambdaContext());

      expect(response.statusCode).toBe(413);
      expect(dynamoMock.calls()).toHaveLength(0);
    });

    it('answers 415 for a body that is not declared as JSON', async () => {
      const response = await buildHandler()(
        postEvent(aDeliveryRequest(), { 'content-type': 'application/x-www-form-urlencoded' }),
        aLambdaContext(),
      );

      expect(response).toMatchObject({
        statusCode: 415,
        body: JSON.stringify({ error: 'Content-Type must be application/json' }),
      });
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await buildHandler()(postEvent('{"to": "+44'), aLambdaContext());

      expect(response).toMatchObject({
        statusCode: 400,
        body: JSON.stringify({ error: 'Request body is not valid JSON' }),
      });
    });
  });

  describe('a failing dependency', () => {
    it('answers a generic 500 when the key cannot be read from SSM, and stores nothing', async () => {
      ssmMock.on(GetParametersCommand).rejects(new Error('AccessDeniedException: not authorised'));

      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response).toMatchObject({
        statusCode: 500,
        body: JSON.stringify({ error: 'Internal Server Error' }),
      });
      expect(dynamoMock.calls()).toHaveLength(0);
    });

    it('reads the key again on the next request after a failed read', async () => {
      ssmMock
        .on(GetParametersCommand)
        .rejectsOnce(new Error('ThrottlingException'))
        .resolves({
          Parameters: [{ Name: config.recipientHashKeyParam, Type: 'SecureString', Value: HASH_KEY }],
        });
      const handler = buildHandler();

      const failed = await handler(postEvent(aDeliveryRequest()), aLambdaContext());
      const retried = await handler(postEvent(aDeliveryRequest()), aLambdaContext());

      expect([failed.statusCode, retried.statusCode]).toEqual([500, 202]);
      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(2);
    });

    it('answers a generic 500 when the SSM parameter does not exist', async () => {
      ssmMock
        .on(GetParametersCommand)
        .resolves({ Parameters: [], InvalidParameters: [config.recipientHashKeyParam] });

      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response.statusCode).toBe(500);
    });

    it('answers a generic 500 when the key is a placeholder', async () => {
      ssmMock.on(GetParametersCommand).resolves({
        Parameters: [{ Name: config.recipientHashKeyParam, Type: 'SecureString', Value: 'changeme' }],
      });

      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response.statusCode).toBe(500);
      expect(dynamoMock.calls()).toHaveLength(0);
    });

    it('answers a generic 500 when Step Functions fails, leaving META for a retry to finish', async () => {
      sfnMock.on(StartExecutionCommand).rejects(new Error('ServiceUnavailable'));

      const response = await buildHandler()(postEvent(aDeliveryRequest()), aLambdaContext());

      expect(response).toMatchObject({
        statusCode: 500,
        body: JSON.stringify({ error: 'Internal Server Error' }),
      });
      expect(storedItems()).toHaveLength(1);
      expect(dynamoMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });
  });
});

describe('loadSendApiConfig', () => {
  const env = {
    STAGE: 'prod',
    DELIVERIES_TABLE: 't',
    DELIVERY_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:sm',
    RECIPIENT_HASH_KEY_PARAM: '/receipt-driven-sms/prod/recipient-hash-key',
  };

  it('reads the hash key parameter and defaults the retention to 30 days', () => {
    expect(loadSendApiConfig(env)).toMatchObject({
      recipientHashKeyParam: '/receipt-driven-sms/prod/recipient-hash-key',
      retentionDays: 30,
    });
  });

  it('requires the hash key parameter', () => {
    expect(() => loadSendApiConfig({ ...env, RECIPIENT_HASH_KEY_PARAM: '' })).toThrow(
      'Environment variable RECIPIENT_HASH_KEY_PARAM is required',
    );
  });

  it('refuses a retention that is not a positive whole number', () => {
    expect(() => loadSendApiConfig({ ...env, RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
  });
});
