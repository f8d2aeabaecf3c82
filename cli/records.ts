import type { AttemptItem, DeliveryMetaItem } from '../lib/table/delivery-model';

/**
 * What support tooling reads from the deliveries table. The reader projects exactly these attributes,
 * so the recipient's number, the email address and the message text (which holds the code) are never
 * even fetched, let alone printed; neither are task tokens, which could complete a workflow step.
 */
export const DELIVERY_FIELDS = [
  'deliveryId',
  'createdAt',
  'expiresAt',
  'toMasked',
  'emailMasked',
  'outcome',
  'outcomeAt',
  'attempts',
  'lateSmsDelivered',
  'executionArn',
  'policy',
] as const satisfies readonly (keyof DeliveryMetaItem)[];

export type DeliveryRecord = Pick<DeliveryMetaItem, (typeof DELIVERY_FIELDS)[number]>;

export const ATTEMPT_FIELDS = [
  'attempt',
  'channel',
  'provider',
  'messageId',
  'sentAt',
  'status',
  'statusAt',
  'reason',
  'class',
  'receipts',
  'callbackAt',
] as const satisfies readonly (keyof AttemptItem)[];

export type AttemptRecord = Pick<AttemptItem, (typeof ATTEMPT_FIELDS)[number]>;
