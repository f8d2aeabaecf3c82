import {
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  META_SK,
  attemptSk,
  deliveryPk,
  parseMessageMetadata,
  type AttemptItem,
  type ReceiptEntry,
  type SmsStatus,
} from '../table/delivery-model';
import { isConditionalCheckFailed } from '../table/conditional-check';
import { AttemptNotFoundError, type FailureClass } from '../shared/errors';
import { statusesBefore, type CallbackKind } from './status-rules';
import type { CallbackResult } from './workflow-callbacks';

/**
 * The DynamoDB adapter that records receipts on attempt items (`D#<deliveryId>` / `A#<nnn>`).
 *
 * Every write is one conditional UpdateItem, so the rules hold under duplicates, any arrival order and
 * concurrent Lambdas without locks or transactions:
 * - a receipt is appended once: its dedupe key goes into the string set `receiptKeys` in the same write
 *   that appends the entry, on condition that the key is not in the set yet;
 * - the status only moves forward: the write that sets it requires the current status to be one of
 *   {@link statusesBefore} the new one;
 * - the workflow is woken once per attempt: a final receipt first claims the callback (`callbackAt`,
 *   `callbackBy`), then calls Step Functions, then marks it done (`callbackDoneAt`). A redelivery of the
 *   claiming message that finds the claim without the done mark calls back again; Step Functions answers
 *   a second completion of a token as "closed", which is harmless. A claim abandoned for longer than
 *   {@link CLAIM_ABANDONED_AFTER_MS} may be taken over by any final receipt.
 */

/** Which attempt a receipt belongs to. */
export interface AttemptRef {
  readonly deliveryId: string;
  readonly attempt: number;
}

/** The bookkeeping the processor keeps on an attempt item besides the shared {@link AttemptItem} fields. */
export interface ReceiptBookkeeping {
  /** Dedupe keys of the entries in `receipts`; the condition of every append. */
  readonly receiptKeys?: ReadonlySet<string>;
  /** When the callback was claimed (ISO-8601). Part of the shared model. */
  readonly callbackAt?: string;
  /** Which SQS message claimed it; its redelivery may resume the claim. */
  readonly callbackBy?: string;
  /** Dedupe key of the receipt that claimed it. */
  readonly callbackKey?: string;
  readonly callbackKind?: CallbackKind;
  /** Set once Step Functions answered; a claim without it is still in flight (or its Lambda died). */
  readonly callbackDoneAt?: string;
  readonly callbackResult?: CallbackResult;
}

export type RecordedAttempt = AttemptItem & ReceiptBookkeeping;

export interface FoundAttempt {
  readonly attempt: RecordedAttempt;
  /** `metadata`: our `<deliveryId>#<attempt>` came back; `messageId`: found through the `byMessage` index. */
  readonly correlatedBy: 'metadata' | 'messageId';
}

/** The status move a receipt asks for; `reason` and `failureClass` accompany a move to FAILED. */
export interface StatusChange {
  readonly status: SmsStatus;
  readonly statusAt: string;
  readonly reason?: string;
  readonly failureClass?: FailureClass;
}

export interface AppendResult {
  /** False when an entry with the same dedupe key was already there. */
  readonly appended: boolean;
  /** True when this write moved the status forward. */
  readonly advanced: boolean;
  /** The item right after the write (or as read, for a duplicate). */
  readonly attempt: RecordedAttempt;
}

export interface ClaimRequest {
  /** The SQS message id: stable across redeliveries of one message, distinct for a duplicate webhook. */
  readonly claimId: string;
  readonly receiptKey: string;
  readonly kind: CallbackKind;
  readonly now: Date;
}

/** Who holds a callback claim this request did not get. */
export interface ClaimHolder {
  readonly claimId?: string;
  readonly receiptKey?: string;
  readonly kind?: CallbackKind;
  readonly done: boolean;
  readonly result?: CallbackResult;
}

export type ClaimResult =
  /** Nobody had claimed the callback: this receipt is the first final one. */
  | { readonly outcome: 'claimed' }
  /**
   * An unfinished claim was taken up again: by a redelivery of the same SQS message after a crash, or
   * by any receipt once the claim was abandoned. Whether the earlier holder's call reached Step
   * Functions is unknown, so a "closed" answer now is not proof that the receipt was late.
   */
  | { readonly outcome: 'resumed' }
  | { readonly outcome: 'held'; readonly holder: ClaimHolder };

export interface ReceiptRecorder {
  /** Finds the SMS attempt a receipt belongs to, by our metadata first and by Sinch message id second. */
  findAttempt(lookup: {
    readonly messageId: string;
    readonly metadata?: string;
  }): Promise<FoundAttempt | undefined>;
  /** Appends the entry once and, when `change` is given, moves the status forward if it is behind. */
  appendReceipt(
    ref: AttemptRef,
    messageId: string,
    entry: ReceiptEntry,
    change: StatusChange | undefined,
  ): Promise<AppendResult>;
  claimCallback(ref: AttemptRef, request: ClaimRequest): Promise<ClaimResult>;
  /** Gives a claim back after a failed call, so the retry (or another receipt) claims it afresh. */
  releaseCallback(ref: AttemptRef, claimId: string): Promise<void>;
  completeCallback(ref: AttemptRef, claimId: string, result: CallbackResult, now: Date): Promise<void>;
  /** Sets `late` on the entry with this key; `receipts` is the list as last read, to find its index. */
  markReceiptLate(ref: AttemptRef, receiptKey: string, receipts: readonly ReceiptEntry[]): Promise<void>;
  /** Sets `lateSmsDelivered` on the delivery's META item; the outcome is left as it is. */
  flagLateSmsDelivered(deliveryId: string): Promise<void>;
}

/**
 * How long a claim without a done mark is honoured. Longer than the processor's 30 s timeout, so the
 * Lambda that claimed it has certainly ended; shorter than a typical receipt timeout, so a stuck claim
 * does not hold back the workflow for long.
 */
export const CLAIM_ABANDONED_AFTER_MS = 60_000;

export interface ReceiptRecorderOptions {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The `byMessage` GSI (`messageId` → attempt keys). */
  readonly messageIndexName?: string;
}

function keyOf(ref: AttemptRef): { PK: string; SK: string } {
  return { PK: deliveryPk(ref.deliveryId), SK: attemptSk(ref.attempt) };
}

/** Runs a conditional update; `undefined` when its condition did not hold, else the returned attributes. */
async function updateIf<T extends object = Record<string, unknown>>(
  client: DynamoDBDocumentClient,
  input: UpdateCommandInput,
): Promise<T | undefined> {
  try {
    const { Attributes } = await client.send(new UpdateCommand(input));
    return (Attributes ?? {}) as T;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the recorder over a DynamoDB document client.
 *
 * @example
 * const recorder = createReceiptRecorder({ documentClient, tableName: config.deliveriesTable });
 * const found = await recorder.findAttempt({ messageId, metadata });
 */
export function createReceiptRecorder({
  documentClient: client,
  tableName,
  messageIndexName = 'byMessage',
}: ReceiptRecorderOptions): ReceiptRecorder {
  const getItem = async (Key: { PK: string; SK: string }): Promise<RecordedAttempt | undefined> => {
    // Strongly consistent: the claim and status decisions below must see the latest write.
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }));
    return Item as RecordedAttempt | undefined;
  };

  const isSmsAttempt = (item: RecordedAttempt | undefined): item is RecordedAttempt =>
    item !== undefined && item.channel === 'SMS';

  const findByMessageId = async (messageId: string): Promise<RecordedAttempt | undefined> => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: messageIndexName,
        KeyConditionExpression: 'messageId = :messageId',
        ExpressionAttributeValues: { ':messageId': messageId },
        Limit: 1,
      }),
    );
    const hit = Items?.[0] as { PK?: string; SK?: string } | undefined;
    // The index is keys-only for our purposes and eventually consistent; read the item itself.
    return hit?.PK && hit.SK ? getItem({ PK: hit.PK, SK: hit.SK }) : undefined;
  };

  const appendOnce = (
    ref: AttemptRef,
    entry: ReceiptEntry,
    change: StatusChange | undefined,
  ): Promise<RecordedAttempt | undefined> => {
    const names: Record<string, string> = { '#receipts': 'receipts', '#receiptKeys': 'receiptKeys' };
    const values: Record<string, unknown> = {
      ':entries': [entry],
      ':none': [],
      ':keys': new Set([entry.key]),
      ':key': entry.key,
    };
    const sets = ['#receipts = list_append(if_not_exists(#receipts, :none), :entries)'];
    let condition = 'attribute_exists(PK) AND NOT contains(#receiptKeys, :key)';

    if (change) {
      const before = statusesBefore(change.status);
      names['#status'] = 'status';
      values[':status'] = change.status;
      values[':statusAt'] = change.statusAt;
      sets.push('#status = :status', 'statusAt = :statusAt');
      before.forEach((status, i) => (values[`:before${i}`] = status));
      const inBefore = before.map((_, i) => `:before${i}`).join(', ');
      // An attempt item written before Sinch answered may not carry a status yet.
      condition += ` AND (attribute_not_exists(#status) OR #status IN (${inBefore}))`;
      if (change.reason !== undefined) {
        values[':reason'] = change.reason;
        sets.push('reason = :reason');
      }
      if (change.failureClass !== undefined) {
        names['#class'] = 'class';
        values[':class'] = change.failureClass;
        sets.push('#class = :class');
      }
    }

    return updateIf<RecordedAttempt>(client, {
      TableName: tableName,
      Key: keyOf(ref),
      UpdateExpression: `SET ${sets.join(', ')} ADD #receiptKeys :keys`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    });
  };

  return {
    async findAttempt({ messageId, metadata }) {
      const ref = parseMessageMetadata(metadata);
      if (ref) {
        const item = await getItem(keyOf(ref));
        if (isSmsAttempt(item)) return { attempt: item, correlatedBy: 'metadata' };
      }
      // No metadata, or metadata of a message that is not ours: fall back to Sinch's message id.
      const item = await findByMessageId(messageId);
      return isSmsAttempt(item) ? { attempt: item, correlatedBy: 'messageId' } : undefined;
    },

    async appendReceipt(ref, messageId, entry, change) {
      // Two writes at most: with the status move when the status is behind, else the entry alone. Each
      // is atomic, so a concurrent receipt can only make the first fail, never corrupt either.
      if (change && statusesBefore(change.status).length > 0) {
        const advanced = await appendOnce(ref, entry, change);
        if (advanced) return { appended: true, advanced: true, attempt: advanced };
      }
      const appended = await appendOnce(ref, entry, undefined);
      if (appended) return { appended: true, advanced: false, attempt: appended };

      const current = await getItem(keyOf(ref));
      if (!current) throw new AttemptNotFoundError(messageId);
      return { appended: false, advanced: false, attempt: current };
    },

    async claimCallback(ref, { claimId, receiptKey, kind, now }) {
      const abandonedBefore = new Date(now.getTime() - CLAIM_ABANDONED_AFTER_MS).toISOString();
      const previous = await updateIf<ReceiptBookkeeping>(client, {
        TableName: tableName,
        Key: keyOf(ref),
        UpdateExpression:
          'SET callbackAt = :now, callbackBy = :claimId, callbackKey = :receiptKey, callbackKind = :kind',
        ConditionExpression:
          'attribute_exists(PK) AND (attribute_not_exists(callbackAt) OR (attribute_not_exists(callbackDoneAt)' +
          ' AND (callbackBy = :claimId OR callbackAt < :abandonedBefore)))',
        ExpressionAttributeValues: {
          ':now': now.toISOString(),
          ':claimId': claimId,
          ':receiptKey': receiptKey,
          ':kind': kind,
          ':abandonedBefore': abandonedBefore,
        },
        ReturnValues: 'ALL_OLD',
      });
      if (previous) return { outcome: previous.callbackAt === undefined ? 'claimed' : 'resumed' };

      const current = await getItem(keyOf(ref));
      return {
        outcome: 'held',
        holder: {
          ...(current?.callbackBy !== undefined && { claimId: current.callbackBy }),
          ...(current?.callbackKey !== undefined && { receiptKey: current.callbackKey }),
          ...(current?.callbackKind !== undefined && { kind: current.callbackKind }),
          ...(current?.callbackResult !== undefined && { result: current.callbackResult }),
          // A vanished item (expired by TTL) has nobody left to wake.
          done: current === undefined || current.callbackDoneAt !== undefined,
        },
      };
    },

    async releaseCallback(ref, claimId) {
      await updateIf(client, {
        TableName: tableName,
        Key: keyOf(ref),
        UpdateExpression: 'REMOVE callbackAt, callbackBy, callbackKey, callbackKind',
        ConditionExpression: 'callbackBy = :claimId AND attribute_not_exists(callbackDoneAt)',
        ExpressionAttributeValues: { ':claimId': claimId },
      });
    },

    async completeCallback(ref, claimId, result, now) {
      await updateIf(client, {
        TableName: tableName,
        Key: keyOf(ref),
        UpdateExpression: 'SET callbackDoneAt = :now, callbackResult = :result',
        ConditionExpression: 'callbackBy = :claimId',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':result': result, ':claimId': claimId },
      });
    },

    async markReceiptLate(ref, receiptKey, receipts) {
      // Entries are only ever appended, so an index once seen keeps pointing at the same entry; the
      // condition re-checks the key anyway.
      const index = receipts.findIndex((entry) => entry.key === receiptKey);
      if (index < 0) return;
      await updateIf(client, {
        TableName: tableName,
        Key: keyOf(ref),
        UpdateExpression: `SET #receipts[${index}].late = :late`,
        ConditionExpression: `#receipts[${index}].#key = :receiptKey`,
        ExpressionAttributeNames: { '#receipts': 'receipts', '#key': 'key' },
        ExpressionAttributeValues: { ':late': true, ':receiptKey': receiptKey },
      });
    },

    async flagLateSmsDelivered(deliveryId) {
      await updateIf(client, {
        TableName: tableName,
        Key: { PK: deliveryPk(deliveryId), SK: META_SK },
        UpdateExpression: 'SET lateSmsDelivered = :late',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':late': true },
      });
    },
  };
}
