import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createAttemptRepository, type AttemptRepository } from '../../../lib/table/attempt-repository';
import { createOutcomeRepository, type OutcomeRepository } from '../../../lib/table/outcome-repository';
import { aMetaItem } from '../../builders/attempt-item';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';

/**
 * The workflow's DynamoDB adapters against dynalite and the table exactly as serverless.yml declares it:
 * the update expressions, reserved words and conditions really run (aws-sdk-client-mock would accept any).
 */

let dynamo: DynaliteInstance;
let documents: DynamoDBDocumentClient;
let tableName: string;
let attempts: AttemptRepository;
let outcomes: OutcomeRepository;

const START = {
  deliveryId: 'd-1',
  attempt: 1,
  taskToken: 'token-a',
  provider: 'sinch' as const,
  sentAt: '2026-03-02T10:15:30.000Z',
  ttl: 1_900_000_000,
};

beforeAll(async () => {
  dynamo = await startDynalite();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  tableName = await createDeliveriesTable(client, { tableName: 'workflow-repositories' });
  attempts = createAttemptRepository(documents, tableName);
  outcomes = createOutcomeRepository(documents, tableName);
});

afterAll(async () => {
  documents.destroy();
  await dynamo.stop();
});

let counter = 0;
/** A delivery id of its own for each test, so tests never see each other's items. */
function freshId(): string {
  counter += 1;
  return `d-${counter}`;
}

describe('attempt repository', () => {
  it('creates the SMS attempt on the first try and keeps it, token refreshed, on a retry', async () => {
    const deliveryId = freshId();

    const first = await attempts.startSmsAttempt({ ...START, deliveryId });
    const retry = await attempts.startSmsAttempt({
      ...START,
      deliveryId,
      taskToken: 'token-b',
      provider: 'aws-sms',
      sentAt: '2026-03-02T10:15:35.000Z',
    });

    expect(first).toEqual({ firstWrite: true, messageId: undefined, provider: 'sinch' });
    // The retry asked for another provider; the attempt stays with the one it was first written for.
    expect(retry).toEqual({ firstWrite: false, messageId: undefined, provider: 'sinch' });
    expect(await attempts.getAttempt(deliveryId, 1)).toEqual({
      PK: `D#${deliveryId}`,
      SK: 'A#001',
      deliveryId,
      attempt: 1,
      channel: 'SMS',
      provider: 'sinch',
      status: 'SENT',
      sentAt: START.sentAt,
      taskToken: 'token-b',
      ttl: START.ttl,
    });
  });

  it('tells a retry that Sinch already accepted the attempt', async () => {
    const deliveryId = freshId();
    await attempts.startSmsAttempt({ ...START, deliveryId });
    await attempts.noteSendFailure(deliveryId, 1, {
      reason: 'Sinch messages:send timed out',
      at: START.sentAt,
    });
    await attempts.setMessageId(deliveryId, 1, 'msg-1');

    const retry = await attempts.startSmsAttempt({ ...START, deliveryId, taskToken: 'token-b' });

    expect(retry).toEqual({ firstWrite: false, messageId: 'msg-1', provider: 'sinch' });
    const item = await attempts.getAttempt(deliveryId, 1);
    expect(item).toMatchObject({ messageId: 'msg-1', taskToken: 'token-b' });
    expect(item).not.toHaveProperty('reason');
  });

  it('tells a retry that an earlier send went unanswered, unless a message id or a receipt came first', async () => {
    // Prepare
    const [unanswered, taken, reported] = [freshId(), freshId(), freshId()];
    for (const deliveryId of [unanswered, taken, reported]) {
      await attempts.startSmsAttempt({ ...START, deliveryId });
    }
    await attempts.setMessageId(taken, 1, 'msg-taken');
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: `D#${reported}`, SK: 'A#001' },
        UpdateExpression: 'SET #status = :delivered',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':delivered': 'DELIVERED' },
      }),
    );
    const note = { reason: 'Sinch messages:send timed out after 4000 ms', at: '2026-03-02T10:15:34.000Z' };

    // Act
    for (const deliveryId of [unanswered, taken, reported]) {
      await attempts.noteUnconfirmedSend(deliveryId, 1, note);
    }
    const retry = await attempts.startSmsAttempt({ ...START, deliveryId: unanswered, taskToken: 'token-b' });

    // Assess
    expect(retry).toEqual({ firstWrite: false, unconfirmedAt: note.at, provider: 'sinch' });
    expect(await attempts.getAttempt(unanswered, 1)).toMatchObject({ status: 'SENT', reason: note.reason });
    expect(await attempts.getAttempt(taken, 1)).not.toHaveProperty('unconfirmedAt');
    expect(await attempts.getAttempt(reported, 1)).not.toHaveProperty('unconfirmedAt');
  });

  it('keeps the reason of a FAILED report that landed before the message id was stored', async () => {
    const deliveryId = freshId();
    await attempts.startSmsAttempt({ ...START, deliveryId });
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: `D#${deliveryId}`, SK: 'A#001' },
        UpdateExpression: 'SET #status = :failed, reason = :reason, #class = :class',
        ExpressionAttributeNames: { '#status': 'status', '#class': 'class' },
        ExpressionAttributeValues: {
          ':failed': 'FAILED',
          ':reason': 'RECIPIENT_NOT_REACHABLE',
          ':class': 'Permanent',
        },
      }),
    );

    await attempts.setMessageId(deliveryId, 1, 'msg-fast-failure');

    expect(await attempts.getAttempt(deliveryId, 1)).toMatchObject({
      status: 'FAILED',
      reason: 'RECIPIENT_NOT_REACHABLE',
      messageId: 'msg-fast-failure',
    });
  });

  it('indexes the message id for the processor (byMessage)', async () => {
    const deliveryId = freshId();
    await attempts.startSmsAttempt({ ...START, deliveryId });
    await attempts.setMessageId(deliveryId, 1, `msg-${deliveryId}`);

    const { Items } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byMessage',
        KeyConditionExpression: 'messageId = :m',
        ExpressionAttributeValues: { ':m': `msg-${deliveryId}` },
      }),
    );

    expect(Items).toEqual([expect.objectContaining({ deliveryId, attempt: 1 })]);
  });

  it('marks a refused send FAILED, but never an attempt Sinch took', async () => {
    const refused = freshId();
    const taken = freshId();
    await attempts.startSmsAttempt({ ...START, deliveryId: refused });
    await attempts.startSmsAttempt({ ...START, deliveryId: taken });
    await attempts.setMessageId(taken, 1, 'msg-taken');
    const note = {
      reason: 'Sinch messages:send answered HTTP 400',
      at: START.sentAt,
      failureClass: 'Config' as const,
    };

    await attempts.noteSendFailure(refused, 1, note);
    await attempts.noteSendFailure(taken, 1, note);

    expect(await attempts.getAttempt(refused, 1)).toMatchObject({
      status: 'FAILED',
      class: 'Config',
      reason: note.reason,
      statusAt: START.sentAt,
    });
    expect(await attempts.getAttempt(taken, 1)).toMatchObject({ status: 'SENT', messageId: 'msg-taken' });
  });

  it('records the fallback email once, after the SMS attempts, and lists all attempts in order', async () => {
    const deliveryId = freshId();
    await attempts.startSmsAttempt({ ...START, deliveryId });
    await attempts.startSmsAttempt({ ...START, deliveryId, attempt: 2 });
    const email = { deliveryId, attempt: 3, messageId: 'ses-1', sentAt: START.sentAt, ttl: START.ttl };

    expect(await attempts.putEmailAttempt(email)).toBe(true);
    expect(await attempts.putEmailAttempt({ ...email, messageId: 'ses-2' })).toBe(false);

    const listed = await attempts.listAttempts(deliveryId);
    expect(listed.map((item) => [item.attempt, item.channel, item.status])).toEqual([
      [1, 'SMS', 'SENT'],
      [2, 'SMS', 'SENT'],
      [3, 'EMAIL', 'EMAIL_SENT'],
    ]);
    expect(listed[2]?.messageId).toBe('ses-1');
  });

  it('refuses to turn an EMAIL attempt into an SMS one', async () => {
    const deliveryId = freshId();
    await attempts.putEmailAttempt({
      deliveryId,
      attempt: 1,
      messageId: 'ses-1',
      sentAt: START.sentAt,
      ttl: 1,
    });

    await expect(attempts.startSmsAttempt({ ...START, deliveryId })).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
  });
});

describe('outcome repository', () => {
  it('records the first outcome and keeps it against any later one', async () => {
    const deliveryId = freshId();
    const meta = aMetaItem({ deliveryId, attempts: undefined });
    await documents.send(new PutCommand({ TableName: tableName, Item: meta }));

    const first = await outcomes.record({
      deliveryId,
      outcome: 'EMAIL_SENT',
      outcomeAt: '2026-03-02T10:17:00.000Z',
      attempts: 3,
    });
    const later = await outcomes.record({
      deliveryId,
      outcome: 'UNDELIVERABLE',
      outcomeAt: '2026-03-02T10:18:00.000Z',
      attempts: 3,
    });

    const expected = {
      deliveryId,
      createdAt: meta.createdAt,
      expiresAt: meta.expiresAt,
      outcome: 'EMAIL_SENT',
      outcomeAt: '2026-03-02T10:17:00.000Z',
      attempts: 3,
    };
    expect(first).toEqual({ ...expected, recordedNow: true });
    expect(later).toEqual({ ...expected, recordedNow: false });
  });

  it('fails with NotFoundError for a delivery without META', async () => {
    await expect(
      outcomes.record({ deliveryId: freshId(), outcome: 'EXPIRED', outcomeAt: START.sentAt, attempts: 1 }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
