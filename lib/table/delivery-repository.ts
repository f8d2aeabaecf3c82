import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './conditional-check';
import { deliveryPk, META_SK, type DeliveryMetaItem } from './delivery-model';

/**
 * The `META` item of a delivery in the deliveries table: created once by the entry side, read by the task
 * Lambdas. Attempt items and outcome updates belong to the workflow and the processor.
 */

/** `created: false` carries the item already stored under the delivery id. */
export type CreateMetaResult =
  { readonly created: true } | { readonly created: false; readonly existing: DeliveryMetaItem };

/** Reads and writes `META` items; the other item kinds have their own repositories. */
export interface DeliveryRepository {
  /**
   * Stores a new `META` item unless one exists for the delivery id. When it does, the stored item is
   * returned instead, so the caller can tell an idempotent repeat (same `requestHash`) from a conflict.
   */
  createMeta(item: DeliveryMetaItem): Promise<CreateMetaResult>;
  /** The `META` item, read strongly consistent: it decides idempotency right after a conditional write. */
  getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined>;
  /** Records the workflow's execution ARN; the ARN is derived from the delivery id, so repeats are harmless. */
  setExecutionArn(deliveryId: string, executionArn: string): Promise<void>;
}

/**
 * Creates the repository of `META` items over a document client (built once per container, injected).
 *
 * @example
 * const repository = createDeliveryRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName);
 * const result = await repository.createMeta(buildMetaItem(request, context));
 */
export function createDeliveryRepository(
  client: DynamoDBDocumentClient,
  tableName: string,
): DeliveryRepository {
  const key = (deliveryId: string) => ({ PK: deliveryPk(deliveryId), SK: META_SK });

  const getMeta = async (deliveryId: string): Promise<DeliveryMetaItem | undefined> => {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key(deliveryId), ConsistentRead: true }),
    );
    return Item as DeliveryMetaItem | undefined;
  };

  return {
    async createMeta(item) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const existing = await getMeta(item.deliveryId);
      // Only a TTL deletion between the two calls gets here; the caller's retry then creates the item anew.
      if (!existing) throw new Error(`META of delivery ${item.deliveryId} vanished while being read`);
      return { created: false, existing };
    },

    getMeta,

    async setExecutionArn(deliveryId, executionArn) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(deliveryId),
          UpdateExpression: 'SET executionArn = :executionArn',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':executionArn': executionArn },
        }),
      );
    },
  };
}
