import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictError } from '../../../lib/shared/errors';
import { createDeliveryRepository, type DeliveryRepository } from '../../../lib/table/delivery-repository';
import { hashRecipient } from '../../../lib/shared/pii';
import { startDelivery, type StartDeliveryDeps } from '../../../lib/delivery/start-delivery';
import { createWorkflowStarter } from '../../../lib/delivery/workflow-starter';
import { aDeliveryRequest, TEST_MOBILE, TEST_NOW } from '../../builders/delivery-request';
import {
  createDeliveriesTable,
  deliveriesTableTtlAttribute,
  startDynalite,
  type DynaliteInstance,
} from '../../support/deliveries-table';

const HASH_KEY = 'integration-recipient-hash-key-42';
const SM_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-test-delivery';
const executionArn = (name: string) => `${SM_ARN.replace(':stateMachine:', ':execution:')}:${name}`;

/**
 * Step Functions' name uniqueness, behind the real SFN client, as AWS answers for a running Standard
 * execution: the first StartExecution of a name starts it; a later one with the same input succeeds with
 * the same ARN, as if it had started it; one with another input answers ExecutionAlreadyExists.
 * DescribeExecution returns the stored input.
 */
function fakeStepFunctions() {
  const sfn = mockClient(SFNClient);
  const executions = new Map<string, string>();
  sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
    const running = executions.get(input.name!);
    if (running !== undefined && running !== input.input) {
      throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    }
    executions.set(input.name!, input.input!);
    return { executionArn: executionArn(input.name!), startDate: new Date() };
  });
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn: arn }: { executionArn: string }) => ({
    executionArn: arn,
    input: executions.get(arn.split(':').pop()!),
  }));
  return { sfn, executions };
}

describe('startDelivery against DynamoDB (dynalite)', () => {
  let dynamo: DynaliteInstance;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let tableName: string;
  let repository: DeliveryRepository;
  let deps: StartDeliveryDeps;
  let stepFunctions: ReturnType<typeof fakeStepFunctions>;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    documents = DynamoDBDocumentClient.from(client);
    tableName = await createDeliveriesTable(client, { tableName: 'deliveries-start-test' });
  });

  beforeEach(() => {
    stepFunctions = fakeStepFunctions();
    repository = createDeliveryRepository(documents, tableName);
    deps = {
      repository,
      workflow: createWorkflowStarter(new SFNClient({ region: 'us-east-1' }), SM_ARN),
      recipientHashKey: HASH_KEY,
      retentionDays: 30,
      now: () => TEST_NOW,
    };
  });

  afterEach(() => stepFunctions.sfn.restore());

  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('creates the table exactly as serverless.yml declares it', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));

    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(
      Table?.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          IndexName: 'byMessage',
          KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['deliveryId', 'attempt'] },
        },
        expect.objectContaining({
          IndexName: 'byRecipient',
          KeySchema: [
            { AttributeName: 'toHash', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    );
    expect(deliveriesTableTtlAttribute()).toBe('ttl');
  });

  it('stores META, starts the workflow and records its ARN', async () => {
    const result = await startDelivery(aDeliveryRequest({ deliveryId: 'it-happy' }), deps);

    expect(result).toEqual({
      deliveryId: 'it-happy',
      executionArn: executionArn('it-happy'),
      status: 'started',
    });
    const meta = await repository.getMeta('it-happy');
    expect(meta).toMatchObject({
      to: TEST_MOBILE,
      executionArn: executionArn('it-happy'),
      toMasked: '+44******3456',
    });
    expect(JSON.parse(stepFunctions.executions.get('it-happy')!)).toEqual({
      deliveryId: 'it-happy',
      expiresAt: meta!.expiresAt,
      policy: meta!.policy,
      attempt: 1,
      failures: [],
      emailFailures: [],
      lastSmsFailure: null,
      provider: null,
    });
  });

  it('makes the delivery findable by phone number through the byRecipient index only with the key', async () => {
    await startDelivery(aDeliveryRequest({ deliveryId: 'it-lookup', to: '+4915112345678' }), deps);

    const { Items } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byRecipient',
        KeyConditionExpression: 'toHash = :h',
        ExpressionAttributeValues: { ':h': hashRecipient('+4915112345678', HASH_KEY) },
      }),
    );

    expect(Items).toEqual([expect.objectContaining({ deliveryId: 'it-lookup', toMasked: '+49*******5678' })]);
    expect(Items?.[0]).not.toHaveProperty('to');
    expect(Items?.[0]).not.toHaveProperty('text');
  });

  it('answers a repeated request with the existing delivery', async () => {
    const first = await startDelivery(aDeliveryRequest({ deliveryId: 'it-repeat' }), deps);

    const repeat = await startDelivery(aDeliveryRequest({ deliveryId: 'it-repeat' }), deps);

    expect(repeat).toEqual({ ...first, status: 'existing' });
    expect(stepFunctions.sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('rejects a different request under a used id and leaves the stored one intact', async () => {
    await startDelivery(aDeliveryRequest({ deliveryId: 'it-conflict' }), deps);
    const before = await repository.getMeta('it-conflict');

    await expect(
      startDelivery(aDeliveryRequest({ deliveryId: 'it-conflict', to: '+33612345678' }), deps),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await repository.getMeta('it-conflict')).toEqual(before);
  });

  it('starts the workflow on a repeat after a crash between storing and starting', async () => {
    stepFunctions.sfn.on(StartExecutionCommand).rejectsOnce(new Error('socket hang up'));
    await expect(startDelivery(aDeliveryRequest({ deliveryId: 'it-crash' }), deps)).rejects.toThrow(
      'socket hang up',
    );
    expect((await repository.getMeta('it-crash'))?.executionArn).toBeUndefined();
    stepFunctions.sfn.restore();
    stepFunctions = fakeStepFunctions();

    const repeat = await startDelivery(aDeliveryRequest({ deliveryId: 'it-crash' }), deps);

    // Started by this repeat, but created by the first call: `existing`, a 200, not a second 202.
    expect(repeat.status).toBe('existing');
    expect(stepFunctions.executions.has('it-crash')).toBe(true);
    expect((await repository.getMeta('it-crash'))?.executionArn).toBe(executionArn('it-crash'));
  });

  it('stores one META item when the same request arrives twice at once', async () => {
    const results = await Promise.all([
      startDelivery(aDeliveryRequest({ deliveryId: 'it-race' }), deps),
      startDelivery(aDeliveryRequest({ deliveryId: 'it-race' }), deps),
    ]);

    expect(results.map((r) => r.executionArn)).toEqual([executionArn('it-race'), executionArn('it-race')]);
    expect(results.map((r) => r.status).sort()).toEqual(['existing', 'started']);
    expect(stepFunctions.executions.size).toBe(1);
  });

  it('answers started to exactly one of many identical requests racing on the conditional write', async () => {
    // Prepare: every request in flight at once, each with its own DynamoDB round trips.
    const parallel = 12;

    // Act
    const results = await Promise.all(
      Array.from({ length: parallel }, () =>
        startDelivery(aDeliveryRequest({ deliveryId: 'it-many' }), deps),
      ),
    );

    // Assess
    expect(results.filter((r) => r.status === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'existing')).toHaveLength(parallel - 1);
    expect(new Set(results.map((r) => r.executionArn))).toEqual(new Set([executionArn('it-many')]));
    expect(stepFunctions.executions.size).toBe(1);
    expect((await repository.getMeta('it-many'))?.executionArn).toBe(executionArn('it-many'));
  });
});
