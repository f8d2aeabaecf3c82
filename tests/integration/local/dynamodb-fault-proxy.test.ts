import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { boundedClientOptions } from '../../../lib/shared/aws-clients';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';
import { startDynamoDbFaultProxy } from '../../../local/dynamodb-fault-proxy';
import { createFaultInjector, type FaultInjector } from '../../../local/fault-injector';
import type { ServiceProxy } from '../../../local/service-proxy';

const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const TABLE = 'fault-proxy-items';

describe('dynamodb-throttle: the DynamoDB fault proxy in front of dynalite', () => {
  let dynamodb: DynamoDbEmulator;
  let direct: DynamoDBDocumentClient;
  const proxies: ServiceProxy[] = [];
  const clients: DynamoDBClient[] = [];

  /** A document client as the functions build it (three attempts), through a proxy with this share. */
  const throughProxy = async (
    share: number,
  ): Promise<{ client: DynamoDBDocumentClient; injector: FaultInjector }> => {
    const injector = createFaultInjector({ faults: { dynamodbThrottle: share } });
    const proxy = await startDynamoDbFaultProxy({ target: dynamodb.endpoint, injector });
    proxies.push(proxy);
    const raw = new DynamoDBClient({ ...config, ...boundedClientOptions(), endpoint: proxy.endpoint });
    clients.push(raw);
    return { client: DynamoDBDocumentClient.from(raw), injector };
  };

  beforeAll(async () => {
    dynamodb = await startDynamoDbEmulator({ root: process.cwd() });
    const raw = new DynamoDBClient({ ...config, endpoint: dynamodb.endpoint });
    clients.push(raw);
    direct = DynamoDBDocumentClient.from(raw);
    await raw.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await dynamodb.stop();
  });

  it('throttles every attempt at a share of 1: the document client gives up with ThrottlingException', async () => {
    // Prepare
    const { client, injector } = await throughProxy(1);

    // Act
    const error = await client.send(new PutCommand({ TableName: TABLE, Item: { pk: 'throttled' } })).then(
      () => undefined,
      (caught: unknown) =>
        caught as { name: string; message: string; $metadata: Record<string, unknown>; $retryable?: unknown },
    );

    // Assess
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    expect(injector.counts()['dynamodb-throttle']).toBe(3);
    const stored = await direct.send(new GetCommand({ TableName: TABLE, Key: { pk: 'throttled' } }));
    expect(stored.Item).toBeUndefined();
  });

  it('answers with the DynamoDB JSON 1.0 error body, status and request id header', async () => {
    // Prepare
    const injector = createFaultInjector({ faults: { dynamodbThrottle: 1 } });
    const proxy = await startDynamoDbFaultProxy({ target: dynamodb.endpoint, injector });
    proxies.push(proxy);

    // Act
    const response = await fetch(proxy.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: JSON.stringify({ TableName: TABLE, Key: { pk: { S: 'x' } } }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    });
  });

  it('passes every request through unchanged at a share of 0', async () => {
    // Prepare
    const { client, injector } = await throughProxy(0);

    // Act
    await client.send(new PutCommand({ TableName: TABLE, Item: { pk: 'through', n: 1 } }));
    const read = await client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'through' } }));

    // Assess
    expect(read.Item).toEqual({ pk: 'through', n: 1 });
    expect(injector.counts()['dynamodb-throttle']).toBe(0);
  });
});
