import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SmsProviderId } from '../shared/sms-providers';
import type { BreakerState, BreakerStore } from '../workflow/provider-breaker';
import { CLOSED_BREAKER } from '../workflow/provider-breaker';
import { isConditionalCheckFailed } from './conditional-check';

/**
 * The breaker item of a provider in the deliveries table (`BREAKER#<provider>` / `STATE`): one per stage,
 * as the table is. It has no `ttl`, so it is never expired, and no attribute a delivery query reads.
 */
export function breakerKey(provider: SmsProviderId): { PK: string; SK: string } {
  return { PK: `BREAKER#${provider}`, SK: 'STATE' };
}

/**
 * Creates the store over a document client (built once per container, injected).
 *
 * @example
 * const store = createBreakerRepository(documents, table, 'sinch');
 * const state = await store.read(); // CLOSED_BREAKER until the first write
 */
export function createBreakerRepository(
  documents: DynamoDBDocumentClient,
  tableName: string,
  provider: SmsProviderId,
): BreakerStore {
  const Key = breakerKey(provider);
  return {
    async read() {
      // Strongly consistent: a decision on a stale state would undo a concurrent writer's.
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key, ConsistentRead: true }),
      );
      if (!Item) return CLOSED_BREAKER;
      const item = Item as BreakerState;
      return {
        status: item.status,
        failures: item.failures,
        version: item.version,
        ...(item.windowStartedAt !== undefined && { windowStartedAt: item.windowStartedAt }),
        ...(item.openedAt !== undefined && { openedAt: item.openedAt }),
        ...(item.probeStartedAt !== undefined && { probeStartedAt: item.probeStartedAt }),
      };
    },
    async write(next) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...Key, ...next },
            ConditionExpression: 'attribute_not_exists(PK) OR #version = :read',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':read': next.version - 1 },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
    },
  };
}
