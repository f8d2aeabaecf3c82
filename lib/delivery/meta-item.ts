import { ConfigError } from '../shared/errors';
import { hashRecipient, maskEmail, maskPhone } from '../shared/pii';
import { deliveryPk, META_SK, type DeliveryMetaItem } from '../table/delivery-model';
import { fingerprintRequest, type ValidDeliveryRequest } from './delivery-request';

/**
 * How a validated delivery request becomes the `META` item the entry side stores. It belongs to the
 * delivery room, not the table room: it needs the request's fingerprint and the PII rules, while the
 * repository only stores and reads whatever item it is given.
 */

const SECONDS_PER_DAY = 24 * 60 * 60;

/** Shorter keys are placeholders ("changeme"), and a guessable key lets anyone reverse `toHash`. */
const MIN_RECIPIENT_HASH_KEY_LENGTH = 16;

/**
 * Epoch seconds at which DynamoDB may delete a delivery's items: the code's expiry plus the retention
 * period. Counting from the expiry (not the creation) keeps the whole history for `retentionDays` after
 * the last moment anything could happen to the message.
 *
 * @example
 * retentionTtl('2030-01-01T12:10:00.000Z', 30); // the epoch seconds of 2030-01-31T12:10:00.000Z
 */
export function retentionTtl(expiresAt: string, retentionDays: number): number {
  return Math.floor(Date.parse(expiresAt) / 1000) + retentionDays * SECONDS_PER_DAY;
}

/** What {@link buildMetaItem} needs besides the request. */
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
 *
 * @example
 * const item = buildMetaItem(request, { createdAt: now, recipientHashKey, retentionDays: 30 });
 * await repository.createMeta(item);
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
