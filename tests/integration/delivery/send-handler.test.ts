import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { createSendHandler, liveDeps } from '../../../lib/delivery/send-handler';
import { loadSendApiConfig } from '../../../lib/shared/config';
import { hashRecipient } from '../../../lib/shared/pii';
import { startSsmStandIn, type SsmStandIn } from '../../../local/ssm-stand-in';
import { aDeliveryRequest, TEST_MOBILE } from '../../builders/delivery-request';
import { aFunctionUrlEvent, aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';

/**
 * The real handler with its production wiring (`liveDeps`): the real DynamoDB client against dynalite and
 * the SSM parameter middleware's real SSM client against the SSM stand-in, reached through the standard
 * AWS_ENDPOINT_URL_* variables exactly as in the local stack. Step Functions answers through
 * aws-sdk-client-mock with its name-uniqueness rule.
 */
const PARAM = '/receipt-driven-sms/it/recipient-hash-key';
const HASH_KEY = 'integration-hash-key-0123456789abcdef';
const SM_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-it-delivery';

function inTenMinutes(): string {
  return new Date(Date.now() + 10 * 60_000).toISOString();
}

function post(body: unknown) {
  return aFunctionUrlEvent({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

describe('send handler against dynalite and the SSM stand-in', () => {
  let dynamo: DynaliteInstance;
  let ssm: SsmStandIn;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let tableName: string;
  let output: CapturedOutput;
  const sfn = mockClient(SFNClient);
  const executions = new Map<string, string>();

  const handler = () =>
    createSendHandler(
      liveDeps(
        loadSendApiConfig({
          ...process.env,
          STAGE: 'it',
          DELIVERIES_TABLE: tableName,
          DELIVERY_STATE_MACHINE_ARN: SM_ARN,
          RECIPIENT_HASH_KEY_PARAM: PARAM,
        }),
      ),
    );

  beforeAll(async () => {
    [dynamo, ssm] = await Promise.all([
      startDynalite(),
      startSsmStandIn({ parameters: { [PARAM]: { value: HASH_KEY, type: 'SecureString' } } }),
    ]);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_REGION = 'us-east-1';
    client = new DynamoDBClient({});
    documents = DynamoDBDocumentClient.from(client);
    tableName = await createDeliveriesTable(client, { tableName: 'deliveries-send-it' });

    // As AWS answers for a running execution: the same name and input again succeeds, another input fails.
    sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      const running = executions.get(input.name!);
      if (running !== undefined && running !== input.input) {
        throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
      }
      executions.set(input.name!, input.input!);
      return { executionArn: `${SM_ARN.replace(':stateMachine:', ':execution:')}:${input.name}` };
    });
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => ({
      executionArn,
      input: executions.get(executionArn.split(':').pop()!),
    }));
  });

  afterAll(async () => {
    sfn.restore();
    client.destroy();
    await Promise.all([dynamo.stop(), ssm.stop()]);
  });

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    clearCache();
  });

  it('stores the delivery with the key from SSM and answers 202, then 200 for the same request', async () => {
    const request = aDeliveryRequest({ deliveryId: 'it-send-1', expiresAt: inTenMinutes() });
    const send = handler();

    const first = await send(post(request), aLambdaContext());
    const repeat = await send(post(request), aLambdaContext());

    expect([first.statusCode, repeat.statusCode]).toEqual([202, 200]);
    expect(repeat.body).toBe(first.body);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { PK: 'D#it-send-1', SK: 'META' } }),
    );
    expect(Item).toMatchObject({
      to: TEST_MOBILE,
      toHash: hashRecipient(TEST_MOBILE, HASH_KEY),
      executionArn: JSON.parse(first.body!).executionArn,
    });
    expect(ssm.reads).toBe(1);
  });

  it('answers 202 to exactly one of many identical requests sent at once, 200 to the others', async () => {
    // Prepare
    const request = aDeliveryRequest({ deliveryId: 'it-send-race', expiresAt: inTenMinutes() });
    const send = handler();
    const parallel = 10;

    // Act
    const responses = await Promise.all(
      Array.from({ length: parallel }, () => send(post(request), aLambdaContext())),
    );

    // Assess
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(parallel - 1);
    expect(new Set(responses.map((response) => JSON.parse(response.body!).executionArn)).size).toBe(1);
  });

  it('answers 409 for a different request under the same id', async () => {
    const send = handler();
    await send(
      post(aDeliveryRequest({ deliveryId: 'it-send-2', expiresAt: inTenMinutes() })),
      aLambdaContext(),
    );

    const conflict = await send(
      post(aDeliveryRequest({ deliveryId: 'it-send-2', expiresAt: inTenMinutes(), text: 'Code 123456' })),
      aLambdaContext(),
    );

    expect(conflict.statusCode).toBe(409);
  });

  it('answers 500 and stores nothing while the key parameter is missing', async () => {
    const missing = createSendHandler(
      liveDeps(
        loadSendApiConfig({
          ...process.env,
          STAGE: 'it',
          DELIVERIES_TABLE: tableName,
          DELIVERY_STATE_MACHINE_ARN: SM_ARN,
          RECIPIENT_HASH_KEY_PARAM: '/receipt-driven-sms/it/not-created',
        }),
      ),
    );

    const response = await missing(
      post(aDeliveryRequest({ deliveryId: 'it-send-3', expiresAt: inTenMinutes() })),
      aLambdaContext(),
    );

    expect(response.statusCode).toBe(500);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { PK: 'D#it-send-3', SK: 'META' } }),
    );
    expect(Item).toBeUndefined();
  });
});
