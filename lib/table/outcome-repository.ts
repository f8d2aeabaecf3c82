import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './conditional-check';
import { META_SK, deliveryPk, type DeliveryMetaItem, type Outcome } from './delivery-model';
import { NotFoundError } from '../shared/errors';

/**
 * Writes a delivery's outcome onto its `META` item. Exactly one outcome per delivery: the write is
 * conditional on there being none yet, so a retried `RecordOutcome` (or any later writer) gets the outcome
 * that was recorded first instead of overwriting it.
 */

export interface OutcomeToRecord {
  readonly deliveryId: string;
  readonly outcome: Outcome;
  readonly outcomeAt: string;
  /** SMS attempts made. */
  readonly attempts: number;
}

/** The `META` fields an outcome event needs, and nothing personal. */
export type RecordedOutcome = Pick<
  DeliveryMetaItem,
  'deliveryId' | 'createdAt' | 'expiresAt' | 'outcome' | 'outcomeAt' | 'attempts'
> & {
  /** False when an earlier outcome was already recorded; the returned fields are that earlier outcome's. */
  readonly recordedNow: boolean;
};

export interface OutcomeRepository {
  record(outcome: OutcomeToRecord): Promise<RecordedOutcome>;
}

const OUTCOME_FIELDS = ['deliveryId', 'createdAt', 'expiresAt', 'outcome', 'outcomeAt', 'attempts'] as const;

function pickOutcomeFields(item: Record<string, unknown>, recordedNow: boolean): RecordedOutcome {
  const picked = Object.fromEntries(OUTCOME_FIELDS.map((field) => [field, item[field]]));
  return { ...(picked as Omit<RecordedOutcome, 'recordedNow'>), recordedNow };
}

/**
 * Creates the repository over a document client.
 *
 * @example
 * const outcomes = createOutcomeRepository(documents, table);
 * await outcomes.record({ deliveryId, outcome: 'DELIVERED', outcomeAt: now, attempts: 1 });
 */
export function createOutcomeRepository(
  documents: DynamoDBDocumentClient,
  tableName: string,
): OutcomeRepository {
  const key = (deliveryId: string) => ({ PK: deliveryPk(deliveryId), SK: META_SK });

  return {
    async record({ deliveryId, outcome, outcomeAt, attempts }) {
      try {
        const result = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId),
            UpdateExpression: 'SET outcome = :outcome, outcomeAt = :outcomeAt, attempts = :attempts',
            ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(outcome)',
            ExpressionAttributeValues: {
              ':outcome': outcome,
              ':outcomeAt': outcomeAt,
              ':attempts': attempts,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return pickOutcomeFields(result.Attributes ?? {}, true);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      // Either the item is missing or an outcome is already there; a consistent read tells which.
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableName,
          Key: key(deliveryId),
          ConsistentRead: true,
          ProjectionExpression: OUTCOME_FIELDS.map((_, i) => `#f${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(OUTCOME_FIELDS.map((field, i) => [`#f${i}`, field])),
        }),
      );
      if (!Item) throw new NotFoundError(`Delivery ${deliveryId} has no META item`);
      return pickOutcomeFields(Item, false);
    },
  };
}
