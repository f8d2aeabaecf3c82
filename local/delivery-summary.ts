import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  deliveryPk,
  META_SK,
  type AttemptItem,
  type DeliveryMetaItem,
  type Outcome,
} from '../lib/table/delivery-model';

/**
 * What the deliveries table says happened to one delivery, read the way support would (one Query of its
 * partition). The demo prints it; the end-to-end tests compare it with what the simulated Sinch and SES saw.
 */
export interface DeliverySummary {
  readonly deliveryId: string;
  readonly outcome?: Outcome;
  readonly createdAt?: string;
  readonly outcomeAt?: string;
  /** SMS attempt items (each one `SendSms` entry that got as far as writing its attempt). */
  readonly smsAttempts: number;
  /** SMS attempts Sinch accepted (they carry a message id). */
  readonly smsAccepted: number;
  readonly emailAttempts: number;
  readonly lateSmsDelivered: boolean;
  readonly attempts: readonly AttemptItem[];
}

export async function readDeliverySummary(
  documents: DynamoDBDocumentClient,
  tableName: string,
  deliveryId: string,
): Promise<DeliverySummary> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': deliveryPk(deliveryId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const meta = items.find((item) => item.SK === META_SK) as DeliveryMetaItem | undefined;
  const attempts = items.filter((item) => item.SK !== META_SK) as unknown as AttemptItem[];
  const sms = attempts.filter((attempt) => attempt.channel === 'SMS');
  return {
    deliveryId,
    outcome: meta?.outcome,
    createdAt: meta?.createdAt,
    outcomeAt: meta?.outcomeAt,
    smsAttempts: sms.length,
    smsAccepted: sms.filter((attempt) => attempt.messageId).length,
    emailAttempts: attempts.filter((attempt) => attempt.channel === 'EMAIL').length,
    lateSmsDelivered: meta?.lateSmsDelivered === true,
    attempts,
  };
}
