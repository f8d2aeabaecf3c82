import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { META_SK, attemptSk, deliveryPk, type ReceiptEntry } from '../../../lib/table/delivery-model';
import { AttemptNotFoundError } from '../../../lib/shared/errors';
import {
  CLAIM_ABANDONED_AFTER_MS,
  createReceiptRecorder,
  type ReceiptRecorder,
  type RecordedAttempt,
} from '../../../lib/receipts/receipt-recorder';
import { aMetaItem, anAttemptItem } from '../../builders/attempt-item';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const NOW = new Date('2026-03-02T10:15:35.000Z');

function entry(key: string, status = 'DELIVERED'): ReceiptEntry {
  return { key, status, receivedAt: NOW.toISOString() };
}

describe('receipt recorder on DynamoDB (dynalite)', () => {
  let dynamo: DynaliteInstance;
  let raw: DynamoDBClient;
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let recorder: ReceiptRecorder;
  let ids = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
    raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
    client = DynamoDBDocumentClient.from(raw);
    tableName = await createDeliveriesTable(raw, { tableName: 'recorder-test' });
    recorder = createReceiptRecorder({ documentClient: client, tableName });
  });

  afterAll(async () => {
    raw.destroy();
    await dynamo.stop();
  });

  async function seedAttempt(overrides: Partial<RecordedAttempt> = {}) {
    ids += 1;
    const deliveryId = `rec-${ids}`;
    const item = anAttemptItem({ deliveryId, messageId: `msg-${ids}`, ...overrides });
    await client.send(new PutCommand({ TableName: tableName, Item: item }));
    await client.send(new PutCommand({ TableName: tableName, Item: aMetaItem({ deliveryId }) }));
    return { ref: { deliveryId, attempt: item.attempt }, messageId: item.messageId!, item };
  }

  async function readAttempt(ref: { deliveryId: string; attempt: number }) {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: { PK: deliveryPk(ref.deliveryId), SK: attemptSk(ref.attempt) },
      }),
    );
    return Item as RecordedAttempt;
  }

  describe('correlation', () => {
    it('finds the attempt named by our metadata', async () => {
      const { ref, messageId } = await seedAttempt();

      const found = await recorder.findAttempt({ messageId: 'other', metadata: `${ref.deliveryId}#1` });

      expect(found).toMatchObject({
        correlatedBy: 'metadata',
        attempt: { deliveryId: ref.deliveryId, messageId },
      });
    });

    it('finds the attempt by Sinch message id through the byMessage index when metadata is missing', async () => {
      const { ref, messageId } = await seedAttempt({ attempt: 2 });

      const found = await recorder.findAttempt({ messageId });

      expect(found).toMatchObject({
        correlatedBy: 'messageId',
        attempt: { deliveryId: ref.deliveryId, attempt: 2 },
      });
    });

    it('falls back to the message id when the metadata names no attempt of ours', async () => {
      const { messageId } = await seedAttempt();

      const found = await recorder.findAttempt({ messageId, metadata: 'someone-else#1' });

      expect(found?.correlatedBy).toBe('messageId');
    });

    it('finds nothing for an unknown message, or for an email attempt', async () => {
      const { messageId } = await seedAttempt({ channel: 'EMAIL', status: 'EMAIL_SENT' });

      await expect(recorder.findAttempt({ messageId: 'never-sent' })).resolves.toBeUndefined();
      await expect(recorder.findAttempt({ messageId })).resolves.toBeUndefined();
    });
  });

  describe('appending receipts', () => {
    it('appends a receipt exactly once when five copies race', async () => {
      const { ref, messageId } = await seedAttempt();
      const change = { status: 'DELIVERED' as const, statusAt: NOW.toISOString() };

      const results = await Promise.all(
        Array.from({ length: 5 }, () => recorder.appendReceipt(ref, messageId, entry('k1'), change)),
      );

      expect(results.filter((r) => r.appended)).toHaveLength(1);
      expect(results.filter((r) => r.advanced)).toHaveLength(1);
      const item = await readAttempt(ref);
      expect(item.receipts).toHaveLength(1);
      expect(item.receiptKeys).toEqual(new Set(['k1']));
      expect(item.status).toBe('DELIVERED');
    });

    it('records a receipt that would move the status backwards without moving it', async () => {
      const { ref, messageId } = await seedAttempt({ status: 'DELIVERED' });

      const result = await recorder.appendReceipt(ref, messageId, entry('q', 'QUEUED_ON_CHANNEL'), {
        status: 'QUEUED_ON_CHANNEL',
        statusAt: NOW.toISOString(),
      });

      expect(result).toMatchObject({ appended: true, advanced: false, attempt: { status: 'DELIVERED' } });
      expect((await readAttempt(ref)).receipts?.map((r) => r.key)).toEqual(['q']);
    });

    it('stores reason and class with a move to FAILED', async () => {
      const { ref, messageId } = await seedAttempt({ status: 'QUEUED_ON_CHANNEL' });

      await recorder.appendReceipt(ref, messageId, entry('f', 'FAILED'), {
        status: 'FAILED',
        statusAt: '2026-03-02T10:15:34.587Z',
        reason: 'RECIPIENT_NOT_REACHABLE',
        failureClass: 'Permanent',
      });

      expect(await readAttempt(ref)).toMatchObject({
        status: 'FAILED',
        statusAt: '2026-03-02T10:15:34.587Z',
        reason: 'RECIPIENT_NOT_REACHABLE',
        class: 'Permanent',
      });
    });

    it('moves an attempt that has no status yet', async () => {
      const { ref, messageId } = await seedAttempt();
      const withoutStatus: Record<string, unknown> = { ...(await readAttempt(ref)) };
      delete withoutStatus.status;
      await client.send(new PutCommand({ TableName: tableName, Item: withoutStatus }));

      const result = await recorder.appendReceipt(ref, messageId, entry('q', 'QUEUED_ON_CHANNEL'), {
        status: 'QUEUED_ON_CHANNEL',
        statusAt: NOW.toISOString(),
      });

      expect(result.advanced).toBe(true);
    });

    it('refuses to create an attempt that does not exist', async () => {
      const ref = { deliveryId: 'no-such-delivery', attempt: 1 };

      await expect(recorder.appendReceipt(ref, 'm', entry('k'), undefined)).rejects.toBeInstanceOf(
        AttemptNotFoundError,
      );
      expect(await readAttempt(ref)).toBeUndefined();
    });
  });

  describe('claiming the callback', () => {
    const claim = (claimId: string, receiptKey = 'k', now = NOW) => ({
      claimId,
      receiptKey,
      kind: 'success' as const,
      now,
    });

    it('grants the claim to exactly one of five concurrent receipts', async () => {
      const { ref } = await seedAttempt();

      const results = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map((id) => recorder.claimCallback(ref, claim(id, `key-${id}`))),
      );

      expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'held')).toHaveLength(4);
    });

    it('lets a redelivery of the claiming message resume an unfinished claim, and nobody after it is done', async () => {
      const { ref } = await seedAttempt();
      await recorder.claimCallback(ref, claim('sqs-1'));

      await expect(recorder.claimCallback(ref, claim('sqs-1'))).resolves.toEqual({ outcome: 'resumed' });
      await expect(recorder.claimCallback(ref, claim('sqs-2', 'other'))).resolves.toMatchObject({
        outcome: 'held',
        holder: { claimId: 'sqs-1', receiptKey: 'k', kind: 'success', done: false },
      });

      await recorder.completeCallback(ref, 'sqs-1', 'sent', NOW);

      await expect(recorder.claimCallback(ref, claim('sqs-1'))).resolves.toMatchObject({
        outcome: 'held',
        holder: { claimId: 'sqs-1', done: true, result: 'sent' },
      });
    });

    it('lets any receipt take over a claim abandoned for longer than the limit', async () => {
      const { ref } = await seedAttempt();
      await recorder.claimCallback(ref, claim('crashed'));
      const soon = new Date(NOW.getTime() + CLAIM_ABANDONED_AFTER_MS - 1000);
      const later = new Date(NOW.getTime() + CLAIM_ABANDONED_AFTER_MS + 1000);

      await expect(recorder.claimCallback(ref, claim('other', 'k2', soon))).resolves.toMatchObject({
        outcome: 'held',
      });
      await expect(recorder.claimCallback(ref, claim('other', 'k2', later))).resolves.toEqual({
        outcome: 'resumed',
      });
    });

    it('frees a released claim for the next receipt', async () => {
      const { ref } = await seedAttempt();
      await recorder.claimCallback(ref, claim('sqs-1'));

      await recorder.releaseCallback(ref, 'sqs-1');

      await expect(recorder.claimCallback(ref, claim('sqs-2'))).resolves.toEqual({ outcome: 'claimed' });
    });
  });

  describe('late receipts', () => {
    it('marks the one entry late and flags the delivery', async () => {
      const { ref, messageId } = await seedAttempt();
      await recorder.appendReceipt(ref, messageId, entry('first'), undefined);
      const { attempt } = await recorder.appendReceipt(ref, messageId, entry('second'), undefined);

      await recorder.markReceiptLate(ref, 'second', attempt.receipts ?? []);
      await recorder.flagLateSmsDelivered(ref.deliveryId);

      expect((await readAttempt(ref)).receipts).toEqual([entry('first'), { ...entry('second'), late: true }]);
      const { Item: meta } = await client.send(
        new GetCommand({ TableName: tableName, Key: { PK: deliveryPk(ref.deliveryId), SK: META_SK } }),
      );
      expect(meta).toMatchObject({ lateSmsDelivered: true });
    });

    it('does not create a META item for an unknown delivery', async () => {
      await recorder.flagLateSmsDelivered('ghost');

      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { PK: deliveryPk('ghost'), SK: META_SK } }),
      );
      expect(Item).toBeUndefined();
    });
  });
});
