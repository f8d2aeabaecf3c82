import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { createTables } from '../../../local/cloud-resources';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';
import { loadServerlessManifest } from '../../../local/serverless-manifest';

const PROJECT_ROOT = join(__dirname, '..', '..', '..');

describe('tables of serverless.yml in the local DynamoDB', () => {
  let dynamodb: DynamoDbEmulator;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamodb = await startDynamoDbEmulator({ root: process.cwd() });
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await dynamodb.stop();
  });

  it('creates the deliveries table with its keys and both indexes, as deployed', async () => {
    // Prepare
    const manifest = loadServerlessManifest({ root: PROJECT_ROOT, stage: 'local' });

    // Act
    const tables = await createTables(client, manifest, { refs: () => 'unused' });

    // Assess
    expect(tables.DeliveriesTable?.name).toBe('receipt-driven-sms-local-deliveries');
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: tables.DeliveriesTable!.name }),
    );
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'byMessage',
      'byRecipient',
    ]);
  });
});
