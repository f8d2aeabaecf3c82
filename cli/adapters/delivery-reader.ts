import {
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { deliveryPk, META_SK, parseAttemptSk } from '../../lib/table/delivery-model';
import type { OutcomeFilter } from '../delivery-list';
import { ATTEMPT_FIELDS, DELIVERY_FIELDS, type AttemptRecord, type DeliveryRecord } from '../records';

/**
 * Read-only access to the deliveries table for support. Every read names its attributes (a projection,
 * with `Select: SPECIFIC_ATTRIBUTES`), so the recipient's number, email address, message text and task
 * tokens are never fetched. `SupportReadPolicy` in serverless.yml allows exactly {@link READ_ATTRIBUTES}
 * with DynamoDB fine-grained access control, so the same holds for any other client using support's
 * credentials; tests keep the two lists equal.
 */
export interface DeliveryReader {
  /** The delivery and its attempts, or `undefined` when there is no such delivery. */
  getDelivery(
    deliveryId: string,
  ): Promise<{ delivery: DeliveryRecord; attempts: AttemptRecord[] } | undefined>;
  /** The delivery a Sinch message id belongs to (`byMessage` index). */
  findDeliveryIdByMessageId(messageId: string): Promise<string | undefined>;
  /** Deliveries to one recipient hash, newest first (`byRecipient` index). */
  findByRecipientHash(toHash: string, limit: number): Promise<DeliveryRecord[]>;
  /**
   * Every delivery created since `since` (and with that outcome), in no particular order. A Scan: see
   * `scanRecent` below for why, and docs/runbook.md for the index that would replace it at scale.
   */
  scanRecent(
    filter: { since?: Date; outcome?: OutcomeFilter },
    onPage?: (progress: { scanned: number; matched: number }) => void,
  ): Promise<DeliveryRecord[]>;
}

/** The attributes the `byRecipient` index projects (serverless.yml); a GSI serves nothing else. */
const RECIPIENT_INDEX_FIELDS = [
  'deliveryId',
  'createdAt',
  'toMasked',
  'expiresAt',
  'outcome',
  'outcomeAt',
  'attempts',
];

/** Keys of the table (`PK`, `SK`) and of its indexes, which the reads name in key conditions. */
const KEY_ATTRIBUTES = ['PK', 'SK', 'messageId', 'toHash', 'createdAt'] as const;

/** Every attribute any read below names: projections, key conditions and filters. */
export const READ_ATTRIBUTES: readonly string[] = [
  ...new Set([
    ...KEY_ATTRIBUTES,
    ...DELIVERY_FIELDS,
    ...ATTEMPT_FIELDS,
    ...RECIPIENT_INDEX_FIELDS,
    'deliveryId',
  ]),
].sort();

/**
 * Fine-grained access control checks the `Select` of a Query or Scan; naming it (rather than relying
 * on the default that a ProjectionExpression implies) lets the policy require it with a plain
 * `StringEquals`.
 */
const SELECT = 'SPECIFIC_ATTRIBUTES';

/** `#f0, #f1, …` placeholders, because several attribute names (`status`, `attempts`…) are reserved words. */
function projection(fields: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names: Record<string, string> = {};
  fields.forEach((field, i) => {
    names[`#f${i}`] = field;
  });
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}

export function createDeliveryReader(client: DynamoDBDocumentClient, tableName: string): DeliveryReader {
  return {
    async getDelivery(deliveryId) {
      const { ProjectionExpression, ExpressionAttributeNames } = projection([
        'SK',
        ...new Set([...DELIVERY_FIELDS, ...ATTEMPT_FIELDS]),
      ]);
      const items: Record<string, NativeAttributeValue>[] = [];
      let ExclusiveStartKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk',
            Select: SELECT,
            ProjectionExpression,
            ExpressionAttributeNames: { ...ExpressionAttributeNames, '#pk': 'PK' },
            ExpressionAttributeValues: { ':pk': deliveryPk(deliveryId) },
            ExclusiveStartKey,
          }),
        );
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);

      const meta = items.find((item) => item.SK === META_SK);
      if (!meta) return undefined;
      const attempts = items
        .filter((item) => typeof item.SK === 'string' && parseAttemptSk(item.SK) !== undefined)
        .map((item) => item as AttemptRecord);
      return { delivery: meta as DeliveryRecord, attempts };
    },

    async findDeliveryIdByMessageId(messageId) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'byMessage',
          KeyConditionExpression: '#m = :m',
          Select: SELECT,
          ProjectionExpression: '#d',
          ExpressionAttributeNames: { '#m': 'messageId', '#d': 'deliveryId' },
          ExpressionAttributeValues: { ':m': messageId },
          Limit: 1,
        }),
      );
      const deliveryId = Items?.[0]?.deliveryId;
      return typeof deliveryId === 'string' ? deliveryId : undefined;
    },

    async findByRecipientHash(toHash, limit) {
      const { ProjectionExpression, ExpressionAttributeNames } = projection(RECIPIENT_INDEX_FIELDS);
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'byRecipient',
          KeyConditionExpression: '#h = :h',
          Select: SELECT,
          ProjectionExpression,
          ExpressionAttributeNames: { ...ExpressionAttributeNames, '#h': 'toHash' },
          ExpressionAttributeValues: { ':h': toHash },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (Items ?? []) as DeliveryRecord[];
    },

    // A Scan reads the whole table (attempt items too) and filters afterwards: fine for support at
    // small scale (a few hundred thousand items is a few seconds and cents), and it needs no index.
    // The sparse `byDay` index in docs/runbook.md turns this into a Query per day.
    async scanRecent(filter, onPage) {
      const { ProjectionExpression, ExpressionAttributeNames } = projection(DELIVERY_FIELDS);
      const conditions = ['#sk = :meta'];
      const names: Record<string, string> = { ...ExpressionAttributeNames, '#sk': 'SK' };
      const values: Record<string, NativeAttributeValue> = { ':meta': META_SK };
      if (filter.since) {
        conditions.push('#created >= :since');
        names['#created'] = 'createdAt';
        values[':since'] = filter.since.toISOString();
      }
      if (filter.outcome === 'IN_PROGRESS') {
        conditions.push('attribute_not_exists(#outcome)');
        names['#outcome'] = 'outcome';
      } else if (filter.outcome) {
        conditions.push('#outcome = :outcome');
        names['#outcome'] = 'outcome';
        values[':outcome'] = filter.outcome;
      }

      const records: DeliveryRecord[] = [];
      let scanned = 0;
      let ExclusiveStartKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            Select: SELECT,
            ProjectionExpression,
            FilterExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey,
          }),
        );
        scanned += page.ScannedCount ?? 0;
        records.push(...((page.Items ?? []) as DeliveryRecord[]));
        onPage?.({ scanned, matched: records.length });
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return records;
    },
  };
}
