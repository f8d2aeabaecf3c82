import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createBreakerRepository } from '../../../lib/table/breaker-repository';
import { CLOSED_BREAKER, createPrimaryBreaker } from '../../../lib/workflow/provider-breaker';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';

/**
 * The breaker's store against dynalite and the deliveries table as serverless.yml declares it: the
 * conditional Put on the version really runs, so two containers writing at once cannot both win.
 */

let dynamo: DynaliteInstance;
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  tableName = await createDeliveriesTable(client, { tableName: 'breaker-repository' });
});

afterAll(async () => {
  documents.destroy();
  await dynamo.stop();
});

describe('breaker repository', () => {
  it('reads a breaker never written as closed, and refuses a write on a version already taken', async () => {
    // Prepare
    const store = createBreakerRepository(documents, tableName, 'sinch');
    const first = { ...CLOSED_BREAKER, failures: 1, windowStartedAt: '2030-01-01T00:00:00.000Z', version: 1 };

    // Act
    const initially = await store.read();
    const won = await store.write(first);
    const lost = await store.write({ ...first, failures: 7 });

    // Assess
    expect(initially).toEqual(CLOSED_BREAKER);
    expect([won, lost]).toEqual([true, false]);
    expect(await store.read()).toEqual(first);
  });

  it('counts every failure of containers recording at once, and opens at the threshold', async () => {
    // Prepare: another provider id, so this breaker starts closed
    const store = createBreakerRepository(documents, tableName, 'aws-sms');
    const breakers = Array.from({ length: 3 }, () =>
      createPrimaryBreaker({
        store,
        settings: { threshold: 3, windowSeconds: 60, openSeconds: 30 },
        now: () => new Date('2030-01-01T00:00:10.000Z'),
      }),
    );

    // Act
    const steps = await Promise.all(breakers.map((breaker) => breaker.recordFailure()));

    // Assess
    expect(await store.read()).toMatchObject({ status: 'OPEN', version: 3 });
    expect(steps.filter((step) => step.transition === 'OPENED')).toHaveLength(1);
  });
});
