import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeliveryReader, READ_ATTRIBUTES } from '../../../../cli/adapters/delivery-reader';

const SECRET_FIELDS = ['to', 'text', 'email', 'taskToken', 'toHash', 'requestHash'];

function projectedNames(input: {
  ExpressionAttributeNames?: Record<string, string>;
  ProjectionExpression?: string;
}): string[] {
  return (input.ProjectionExpression ?? '')
    .split(', ')
    .map((placeholder) => input.ExpressionAttributeNames?.[placeholder] ?? placeholder);
}

describe('createDeliveryReader', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const reader = createDeliveryReader(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    ),
    'deliveries',
  );

  afterEach(() => dynamo.reset());

  it('reads a delivery and its attempts without ever naming the recipient, text or task token', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({
      Items: [
        { SK: 'META', deliveryId: 'd-1', createdAt: 'c', toMasked: '+46*****4567' },
        { SK: 'A#001', attempt: 1, channel: 'SMS', status: 'SENT', sentAt: 's' },
        { SK: 'A#002', attempt: 2, channel: 'EMAIL', status: 'EMAIL_SENT', sentAt: 't' },
      ],
    });

    // Act
    const found = await reader.getDelivery('d-1');

    // Assess
    expect(found?.delivery.deliveryId).toBe('d-1');
    expect(found?.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    const input = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.ExpressionAttributeValues).toEqual({ ':pk': 'D#d-1' });
    const names = projectedNames(input);
    expect(names).toEqual(
      expect.arrayContaining(['SK', 'toMasked', 'executionArn', 'receipts', 'messageId']),
    );
    for (const secret of SECRET_FIELDS) expect(names).not.toContain(secret);
  });

  it('answers undefined when there is no META item', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    await expect(reader.getDelivery('nope')).resolves.toBeUndefined();
  });

  it('finds a delivery id by Sinch message id through byMessage', async () => {
    dynamo.on(QueryCommand, { IndexName: 'byMessage' }).resolves({ Items: [{ deliveryId: 'd-7' }] });

    await expect(reader.findDeliveryIdByMessageId('m-1')).resolves.toBe('d-7');
  });

  it('queries byRecipient newest first, asking only for what the index projects', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ deliveryId: 'd-2' }] });

    // Act
    await reader.findByRecipientHash('hash', 20);

    // Assess
    const input = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      IndexName: 'byRecipient',
      ScanIndexForward: false,
      Limit: 20,
      ExpressionAttributeValues: { ':h': 'hash' },
    });
    expect(projectedNames(input).sort()).toEqual([
      'attempts',
      'createdAt',
      'deliveryId',
      'expiresAt',
      'outcome',
      'outcomeAt',
      'toMasked',
    ]);
  });

  it('scans every page for META items since a time with an outcome, reporting progress', async () => {
    // Prepare
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ deliveryId: 'a' }],
        ScannedCount: 100,
        LastEvaluatedKey: { PK: 'x', SK: 'y' },
      })
      .resolvesOnce({ Items: [{ deliveryId: 'b' }], ScannedCount: 40 });
    const progress: unknown[] = [];

    // Act
    const records = await reader.scanRecent(
      { since: new Date('2026-03-01T00:00:00Z'), outcome: 'EXPIRED' },
      (p) => progress.push(p),
    );

    // Assess
    expect(records.map((r) => r.deliveryId)).toEqual(['a', 'b']);
    expect(progress).toEqual([
      { scanned: 100, matched: 1 },
      { scanned: 140, matched: 2 },
    ]);
    const input = dynamo.commandCalls(ScanCommand)[0]!.args[0].input;
    expect(input.FilterExpression).toBe('#sk = :meta AND #created >= :since AND #outcome = :outcome');
    expect(input.ExpressionAttributeValues).toEqual({
      ':meta': 'META',
      ':since': '2026-03-01T00:00:00.000Z',
      ':outcome': 'EXPIRED',
    });
    for (const secret of SECRET_FIELDS) expect(projectedNames(input)).not.toContain(secret);
    expect(dynamo.commandCalls(ScanCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({
      PK: 'x',
      SK: 'y',
    });
  });

  it('selects deliveries without an outcome for IN_PROGRESS', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [] });

    await reader.scanRecent({ outcome: 'IN_PROGRESS' });

    expect(dynamo.commandCalls(ScanCommand)[0]!.args[0].input.FilterExpression).toBe(
      '#sk = :meta AND attribute_not_exists(#outcome)',
    );
  });

  it('names only READ_ATTRIBUTES, through placeholders, with Select SPECIFIC_ATTRIBUTES in every read', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ SK: 'META', deliveryId: 'd-1' }] });
    dynamo.on(ScanCommand).resolves({ Items: [] });

    // Act
    await reader.getDelivery('d-1');
    await reader.findDeliveryIdByMessageId('m-1');
    await reader.findByRecipientHash('hash', 5);
    await reader.scanRecent({ since: new Date('2026-03-01T00:00:00Z'), outcome: 'DELIVERED' });
    await reader.scanRecent({ outcome: 'IN_PROGRESS' });

    // Assess
    const inputs = [
      ...dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input),
      ...dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input),
    ];
    expect(inputs).toHaveLength(5);
    for (const input of inputs) {
      expect(input.Select).toBe('SPECIFIC_ATTRIBUTES');
      const expressions = [
        input.ProjectionExpression,
        'KeyConditionExpression' in input ? input.KeyConditionExpression : undefined,
        input.FilterExpression,
      ].filter((e): e is string => e !== undefined);
      // With every name behind a placeholder, ExpressionAttributeNames is the whole list of names read.
      const bare = expressions.flatMap((e) =>
        e
          .replace(/[#:][A-Za-z0-9_]+/g, '')
          .split(/[^A-Za-z_]+/)
          .filter((word) => word !== '' && word !== 'AND' && word !== 'attribute_not_exists'),
      );
      expect(bare).toEqual([]);
      for (const name of Object.values(input.ExpressionAttributeNames ?? {})) {
        expect(READ_ATTRIBUTES).toContain(name);
      }
    }
  });

  it('allows none of the personal or secret attributes', () => {
    for (const secret of ['to', 'text', 'email', 'taskToken', 'requestHash']) {
      expect(READ_ATTRIBUTES).not.toContain(secret);
    }
  });
});
