import { join } from 'node:path';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';

const ROOT = join(__dirname, '..', '..', '..');

describe('an emulator in a child process', () => {
  let emulator: DynamoDbEmulator;

  beforeAll(async () => {
    emulator = await startDynamoDbEmulator({ root: ROOT });
  }, 30_000);

  afterAll(() => emulator.stop());

  it('reports the CPU time it has used, and more after it has worked', async () => {
    // Prepare
    const before = await emulator.cpuUsage();

    // Act: work only the emulator does (the tables it lists are its own).
    for (let i = 0; i < 50; i += 1) {
      await fetch(emulator.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          'x-amz-date': '20261203T000000Z',
        },
        body: '{}',
      });
    }
    const after = await emulator.cpuUsage();

    // Assess
    expect(before.user + before.system).toBeGreaterThan(0);
    expect(after.user + after.system).toBeGreaterThan(before.user + before.system);
  });
});
