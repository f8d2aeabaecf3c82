import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../shared/errors';
import { deliveryPk, META_SK, type DeliveryMetaItem } from './delivery-model';
import { fingerprintRequest, type ValidDeliveryRequest } from '../delivery/delivery-request';
import { hashRecipient, maskEmail, maskPhone } from '../shared/pii';

/**
 * The `META` item of a delivery in the deliveries table: created once by the entry side, read by the task
 * Lambdas. Attempt items and outcome updates belong to the workflow and the processor.
 */

const SECONDS_PER_DAY = 24 * 60 * 60;

/** Shorter keys are placeholders ("changeme"), and a guessable key lets anyone reverse `toHash`. */
const MIN_RECIPIENT_HASH_KEY_LENGTH = 16;

/**
 * Epoch seconds at which DynamoDB may delete a delivery's items: the code's expiry plus the retention
 * period. Counting from the expiry (not the creation) keeps the whole history for `retentionDays` after
 * the last moment anything could happen to the message.
 */
export function retentionTtl(expiresAt: string, retentionDays: number): number {
  return Math.floor(Date.parse(expiresAt) / 1000) + retentionDays * SECONDS_PER_DAY;
}

export interface MetaItemContext {
  readonly createdAt: Date;
  /** The per-stage HMAC key for `toHash` (SSM `RECIPIENT_HASH_KEY_PARAM`). */
  readonly recipientHashKey: string;
  readonly retentionDays: number;
}

/**
 * The `META` item for a validated request. The recipient, email and text are stored in full because the
 * task Lambdas send them; everything meant for people and indexes is masked or keyed-hashed.
 *
 * @throws {ConfigError} when the recipient hash key is missing or too short to be secret
 */
export function buildMetaItem(request: ValidDeliveryRequest, context: MetaItemContext): DeliveryMetaItem {
  if (context.recipientHashKey.length < MIN_RECIPIENT_HASH_KEY_LENGTH) {
    throw new ConfigError(
      `The recipient hash key must be at least ${MIN_RECIPIENT_HASH_KEY_LENGTH} characters; see README "Deploying a stage"`,
    );
  }
  return {
    PK: deliveryPk(request.deliveryId),
    SK: META_SK,
    deliveryId: request.deliveryId,
    to: request.to,
    text: request.text,
    ...(request.email && { email: request.email, emailMasked: maskEmail(request.email.to) }),
    policy: request.policy,
    requestHash: fingerprintRequest(request),
    createdAt: context.createdAt.toISOString(),
    expiresAt: request.expiresAt,
    toMasked: maskPhone(request.to),
    toHash: hashRecipient(request.to, context.recipientHashKey),
    ttl: retentionTtl(request.expiresAt, context.retentionDays),
  };
}

export type CreateMetaResult =
  { readonly created: true } | { readonly created: false; readonly existing: DeliveryMetaItem };

function isConditionalCheckFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Reads and writes `META` items through a DynamoDB DocumentClient.
 *
 * @example
 * const repository = new DeliveryRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName);
 * const result = await repository.createMeta(buildMetaItem(request, context));
 */
export class DeliveryRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a new `META` item unless one exists for the delivery id. When it does, the stored item is
   * returned instead, so the caller can tell an idempotent repeat (same `requestHash`) from a conflict.
   */
  async createMeta(item: DeliveryMetaItem): Promise<CreateMetaResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
    const existing = await this.getMeta(item.deliveryId);
    // Only a TTL deletion between the two calls gets here; the caller's retry then creates the item anew.
    if (!existing) throw new Error(`META of delivery ${item.deliveryId} vanished while being read`);
    return { created: false, existing };
  }

  /** The `META` item, read strongly consistent: it decides idempotency right after a conditional write. */
  async getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: deliveryPk(deliveryId), SK: META_SK },
        ConsistentRead: true,
      }),
    );
    return Item as DeliveryMetaItem | undefined;
  }

  /** Records the workflow's execution ARN; the ARN is derived from the delivery id, so repeats are harmless. */
  async setExecutionArn(deliveryId: string, executionArn: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: deliveryPk(deliveryId), SK: META_SK },
        UpdateExpression: 'SET executionArn = :executionArn',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':executionArn': executionArn },
      }),
    );
  }
}
