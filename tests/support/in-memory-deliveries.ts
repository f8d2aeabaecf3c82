import { providerOf } from '../../lib/shared/sms-providers';
import type { AttemptRepository } from '../../lib/table/attempt-repository';
import type { AttemptItem, DeliveryMetaItem } from '../../lib/table/delivery-model';
import { attemptSk, deliveryPk } from '../../lib/table/delivery-model';
import { NotFoundError } from '../../lib/shared/errors';
import type { OutcomeRepository } from '../../lib/table/outcome-repository';

/**
 * The deliveries table in memory, with the same rules as the DynamoDB adapters (`lib/attempt-repository`,
 * `lib/outcome-repository`, `DeliveryRepository.getMeta`), which the dynalite integration tests pin down.
 * Items are copied in and out, so a test cannot change the "table" by mutating what it read.
 *
 * @example
 * const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
 * await sendSmsTask(payload, credentials, { deliveries: table, attempts: table, … });
 * table.attempt('d-1', 1)?.taskToken;
 */
export interface InMemoryDeliveries extends AttemptRepository, OutcomeRepository {
  getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined>;
  /** Synchronous reads for assertions. */
  meta(deliveryId: string): DeliveryMetaItem | undefined;
  attempt(deliveryId: string, attempt: number): AttemptItem | undefined;
  attempts(deliveryId: string): AttemptItem[];
  putMeta(item: DeliveryMetaItem): void;
}

const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export function inMemoryDeliveries(metaItems: readonly DeliveryMetaItem[] = []): InMemoryDeliveries {
  const metas = new Map<string, DeliveryMetaItem>(metaItems.map((item) => [item.deliveryId, copy(item)]));
  const items = new Map<string, AttemptItem>();
  const key = (deliveryId: string, attempt: number) => `${deliveryPk(deliveryId)}|${attemptSk(attempt)}`;
  const update = (deliveryId: string, attempt: number, change: (item: AttemptItem) => AttemptItem) => {
    const existing = items.get(key(deliveryId, attempt));
    if (!existing)
      throw Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      });
    items.set(key(deliveryId, attempt), change(existing));
  };

  return {
    getMeta: async (deliveryId) => copy(metas.get(deliveryId)),
    meta: (deliveryId) => copy(metas.get(deliveryId)),
    attempt: (deliveryId, attempt) => copy(items.get(key(deliveryId, attempt))),
    attempts: (deliveryId) =>
      [...items.values()]
        .filter((item) => item.deliveryId === deliveryId)
        .sort((a, b) => a.attempt - b.attempt)
        .map(copy),
    putMeta: (item) => void metas.set(item.deliveryId, copy(item)),

    async startSmsAttempt(start) {
      const existing = items.get(key(start.deliveryId, start.attempt));
      if (existing && existing.channel !== 'SMS') {
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
      }
      items.set(key(start.deliveryId, start.attempt), {
        PK: deliveryPk(start.deliveryId),
        SK: attemptSk(start.attempt),
        deliveryId: start.deliveryId,
        attempt: start.attempt,
        channel: 'SMS',
        sentAt: start.sentAt,
        status: 'SENT',
        provider: start.provider,
        ttl: start.ttl,
        ...existing,
        taskToken: start.taskToken,
      });
      return {
        firstWrite: existing === undefined,
        messageId: existing?.messageId,
        unconfirmedAt: existing?.unconfirmedAt,
        provider: existing ? providerOf(existing) : start.provider,
      };
    },
    async setMessageId(deliveryId, attempt, messageId) {
      update(deliveryId, attempt, ({ reason: _reason, ...item }) => ({ ...item, messageId }));
    },
    async noteSendFailure(deliveryId, attempt, note) {
      update(deliveryId, attempt, (item) =>
        note.failureClass === undefined
          ? { ...item, reason: note.reason }
          : item.status === 'SENT' && item.messageId === undefined
            ? { ...item, status: 'FAILED', statusAt: note.at, reason: note.reason, class: note.failureClass }
            : item,
      );
    },
    async noteUnconfirmedSend(deliveryId, attempt, note) {
      update(deliveryId, attempt, (item) =>
        item.status === 'SENT' && item.messageId === undefined
          ? { ...item, unconfirmedAt: note.at, reason: note.reason }
          : item,
      );
    },
    getAttempt: async (deliveryId, attempt) => copy(items.get(key(deliveryId, attempt))),
    async putEmailAttempt(record) {
      if (items.has(key(record.deliveryId, record.attempt))) return false;
      items.set(key(record.deliveryId, record.attempt), {
        PK: deliveryPk(record.deliveryId),
        SK: attemptSk(record.attempt),
        deliveryId: record.deliveryId,
        attempt: record.attempt,
        channel: 'EMAIL',
        messageId: record.messageId,
        sentAt: record.sentAt,
        status: 'EMAIL_SENT',
        statusAt: record.sentAt,
        ttl: record.ttl,
      });
      return true;
    },
    listAttempts: async (deliveryId) =>
      [...items.values()]
        .filter((item) => item.deliveryId === deliveryId)
        .sort((a, b) => a.attempt - b.attempt)
        .map(copy),

    async record({ deliveryId, outcome, outcomeAt, attempts }) {
      const meta = metas.get(deliveryId);
      if (!meta) throw new NotFoundError(`Delivery ${deliveryId} has no META item`);
      const recordedNow = meta.outcome === undefined;
      const stored = recordedNow ? { ...meta, outcome, outcomeAt, attempts } : meta;
      metas.set(deliveryId, stored);
      return {
        deliveryId,
        createdAt: stored.createdAt,
        expiresAt: stored.expiresAt,
        outcome: stored.outcome,
        outcomeAt: stored.outcomeAt,
        attempts: stored.attempts,
        recordedNow,
      };
    },
  };
}
