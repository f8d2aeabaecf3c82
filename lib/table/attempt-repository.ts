import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './conditional-check';
import { attemptSk, deliveryPk, type AttemptItem } from './delivery-model';
import type { FailureClass } from '../shared/errors';
import { providerOf, type SmsProviderId } from '../shared/sms-providers';

/**
 * The DynamoDB adapter for the attempt items (`D#<deliveryId>` / `A#<nnn>`) the sending tasks write.
 * The receipt processor updates the same items (status, receipts, callback); this side only creates them,
 * stores what Sinch or SES answered, and notes a send that failed before any receipt could exist.
 */

export interface SmsAttemptStart {
  readonly deliveryId: string;
  readonly attempt: number;
  /** The `.waitForTaskToken` token of this task entry; the processor completes it. */
  readonly taskToken: string;
  /** Who is to send it. A retry of the attempt keeps the provider of its first write. */
  readonly provider: SmsProviderId;
  readonly sentAt: string;
  /** Epoch seconds, the same as the delivery's `META` item. */
  readonly ttl: number;
}

export interface StartedSmsAttempt {
  /** False when Step Functions retried the task and the item already existed (its token is refreshed). */
  readonly firstWrite: boolean;
  /** The message id, when an earlier try of this attempt already got one: do not send it twice. */
  readonly messageId?: string;
  /** Set when an earlier try's send went unanswered (the provider may have it): do not send it twice. */
  readonly unconfirmedAt?: string;
  /** Who sends the attempt: the provider of its first write, whatever a retry asked for. */
  readonly provider: SmsProviderId;
}

export interface SendFailureNote {
  readonly reason: string;
  readonly at: string;
  /** Set when the send failed for good (Sinch refused it): the attempt becomes `FAILED` with this class. */
  readonly failureClass?: FailureClass;
}

export interface EmailAttemptRecord {
  readonly deliveryId: string;
  readonly attempt: number;
  /** SES MessageId. */
  readonly messageId: string;
  readonly sentAt: string;
  readonly ttl: number;
}

export interface AttemptRepository {
  /**
   * Creates the SMS attempt item before anything is sent, so a receipt can always be correlated. When Step
   * Functions retries the same attempt, the first write is kept (sentAt, status) and only the task token is
   * replaced: the retry waits with a new token and the processor must complete that one.
   */
  startSmsAttempt(start: SmsAttemptStart): Promise<StartedSmsAttempt>;
  /** Stores Sinch's message id (indexed by `byMessage`, the processor's fallback correlation). */
  setMessageId(deliveryId: string, attempt: number, messageId: string): Promise<void>;
  /** Notes why a send failed before Sinch took it; a definite refusal also marks the attempt `FAILED`. */
  noteSendFailure(deliveryId: string, attempt: number, note: SendFailureNote): Promise<void>;
  /**
   * Notes a send that went out unanswered (`unconfirmedAt` and the reason), unless a message id or a
   * receipt has already moved the attempt on.
   */
  noteUnconfirmedSend(deliveryId: string, attempt: number, note: SendFailureNote): Promise<void>;
  getAttempt(deliveryId: string, attempt: number): Promise<AttemptItem | undefined>;
  /** Records the fallback email; false when an item for this attempt number already existed. */
  putEmailAttempt(record: EmailAttemptRecord): Promise<boolean>;
  /** Every attempt of a delivery, in order. */
  listAttempts(deliveryId: string): Promise<AttemptItem[]>;
}

function key(deliveryId: string, attempt: number) {
  return { PK: deliveryPk(deliveryId), SK: attemptSk(attempt) };
}

/**
 * Creates the repository over a document client (built once per container, injected).
 *
 * @example
 * const attempts = createAttemptRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), table);
 * await attempts.startSmsAttempt({ deliveryId, attempt: 1, taskToken, sentAt, ttl });
 */
export function createAttemptRepository(
  documents: DynamoDBDocumentClient,
  tableName: string,
): AttemptRepository {
  return {
    async startSmsAttempt(start) {
      // One conditional write covers both the first try and Step Functions retrying the same attempt:
      // if_not_exists keeps the first values, the token is always the newest. The condition refuses to
      // turn an EMAIL item into an SMS one.
      const result = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(start.deliveryId, start.attempt),
          UpdateExpression:
            'SET #token = :token, #deliveryId = if_not_exists(#deliveryId, :deliveryId), ' +
            '#attempt = if_not_exists(#attempt, :attempt), #channel = if_not_exists(#channel, :sms), ' +
            '#sentAt = if_not_exists(#sentAt, :sentAt), #status = if_not_exists(#status, :sent), ' +
            '#provider = if_not_exists(#provider, :provider), #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(PK) OR #channel = :sms',
          ExpressionAttributeNames: {
            '#token': 'taskToken',
            '#deliveryId': 'deliveryId',
            '#attempt': 'attempt',
            '#channel': 'channel',
            '#sentAt': 'sentAt',
            '#status': 'status',
            '#provider': 'provider',
            '#ttl': 'ttl',
          },
          ExpressionAttributeValues: {
            ':token': start.taskToken,
            ':provider': start.provider,
            ':deliveryId': start.deliveryId,
            ':attempt': start.attempt,
            ':sms': 'SMS',
            ':sentAt': start.sentAt,
            ':sent': 'SENT',
            ':ttl': start.ttl,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const previous = result.Attributes as Partial<AttemptItem> | undefined;
      return {
        firstWrite: previous === undefined,
        messageId: typeof previous?.messageId === 'string' ? previous.messageId : undefined,
        unconfirmedAt: typeof previous?.unconfirmedAt === 'string' ? previous.unconfirmedAt : undefined,
        // An item from before providers were recorded has none: it was Sinch's.
        provider: previous === undefined ? start.provider : providerOf(previous),
      };
    },

    async setMessageId(deliveryId, attempt, messageId) {
      // The reason a retried send left behind ("timed out, retrying") is stale once Sinch took the message,
      // but a receipt may already have moved the attempt on (reports are correlated by metadata, so a fast
      // FAILED can land before this write): its reason is the real one and stays.
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId, attempt),
            UpdateExpression: 'SET messageId = :messageId REMOVE reason',
            ConditionExpression: 'attribute_exists(PK) AND #status = :sent',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':messageId': messageId, ':sent': 'SENT' },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId, attempt),
            UpdateExpression: 'SET messageId = :messageId',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':messageId': messageId },
          }),
        );
      }
    },

    async noteUnconfirmedSend(deliveryId, attempt, note) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId, attempt),
            UpdateExpression: 'SET unconfirmedAt = :at, reason = :reason',
            ConditionExpression:
              'attribute_exists(PK) AND #status = :sent AND attribute_not_exists(messageId)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':at': note.at, ':reason': note.reason, ':sent': 'SENT' },
          }),
        );
      } catch (error) {
        // A receipt (correlated by our reference) or the message id got there first: nothing to note.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    },

    async noteSendFailure(deliveryId, attempt, note) {
      if (note.failureClass === undefined) {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId, attempt),
            UpdateExpression: 'SET reason = :reason',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':reason': note.reason },
          }),
        );
        return;
      }
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId, attempt),
            UpdateExpression: 'SET #status = :failed, statusAt = :at, reason = :reason, #class = :class',
            // Only a message Sinch never took can be marked here; receipts own every later status.
            ConditionExpression:
              'attribute_exists(PK) AND #status = :sent AND attribute_not_exists(messageId)',
            ExpressionAttributeNames: { '#status': 'status', '#class': 'class' },
            ExpressionAttributeValues: {
              ':failed': 'FAILED',
              ':sent': 'SENT',
              ':at': note.at,
              ':reason': note.reason,
              ':class': note.failureClass,
            },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    },

    async getAttempt(deliveryId, attempt) {
      const result = await documents.send(
        new GetCommand({ TableName: tableName, Key: key(deliveryId, attempt), ConsistentRead: true }),
      );
      return result.Item as AttemptItem | undefined;
    },

    async putEmailAttempt(record) {
      const item: AttemptItem = {
        ...key(record.deliveryId, record.attempt),
        deliveryId: record.deliveryId,
        attempt: record.attempt,
        channel: 'EMAIL',
        messageId: record.messageId,
        sentAt: record.sentAt,
        status: 'EMAIL_SENT',
        statusAt: record.sentAt,
        ttl: record.ttl,
      };
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
    },

    async listAttempts(deliveryId) {
      const items: AttemptItem[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: { ':pk': deliveryPk(deliveryId), ':prefix': 'A#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...((page.Items ?? []) as AttemptItem[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
  };
}
