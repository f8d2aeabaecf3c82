import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { RECEIPT_ATTRIBUTES } from '../../lib/receipts/receipt-envelope';
import type { ParkedMessage } from '../parked-receipt';

/**
 * The receipts DLQ as support sees it. SQS has no "peek", so listing receives messages and then makes
 * them visible again at once; nothing is deleted unless it was first copied to the receipts queue.
 * The native `StartMessageMoveTask` redrive is not used: it cannot be confirmed message by message, and
 * the local SQS emulator does not implement it.
 */
export interface ParkedReceiptQueue {
  /** Approximate number of parked receipts (SQS counts are eventually consistent). */
  approximateCount(): Promise<number>;
  /** Up to `limit` parked receipts, left in the queue. */
  peek(limit: number, onProgress?: (seen: number) => void): Promise<ParkedMessage[]>;
  /** Moves up to `limit` parked receipts back to the receipts queue, unchanged. */
  moveToReceiptsQueue(limit: number, onProgress?: (moved: number) => void): Promise<RedriveResult>;
}

export interface RedriveResult {
  readonly moved: number;
  readonly failed: readonly { readonly sqsMessageId: string; readonly error: string }[];
}

export interface ParkedReceiptQueueOptions {
  readonly dlqUrl: string;
  readonly receiptsQueueUrl: string;
  /**
   * Long-poll seconds per receive. On SQS a short poll samples only some servers and may answer empty
   * while messages remain, so the default is 1; the local emulator has one server and can use 0.
   */
  readonly waitTimeSeconds?: number;
}

// Long enough to copy a batch of ten and delete it; short enough that an interrupted run's messages
// reappear soon.
const MOVE_VISIBILITY_SECONDS = 60;
const PEEK_VISIBILITY_SECONDS = 30;

function attributesOf(message: Message): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  return attributes;
}

function toParkedMessage(message: Message): ParkedMessage {
  const sent = Number(message.Attributes?.SentTimestamp);
  const receives = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    sqsMessageId: message.MessageId ?? '?',
    body: message.Body ?? '',
    attributes: attributesOf(message),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(Number.isFinite(receives) ? { receiveCount: receives } : {}),
  };
}

/** The attributes a redriven receipt keeps: everything except why it was parked. */
function redriveAttributes(message: Message): Record<string, MessageAttributeValue> {
  const kept: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name === RECEIPT_ATTRIBUTES.parkedReason || name === RECEIPT_ATTRIBUTES.parkedBy) continue;
    kept[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return kept;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createParkedReceiptQueue(
  client: SQSClient,
  options: ParkedReceiptQueueOptions,
): ParkedReceiptQueue {
  const { dlqUrl, receiptsQueueUrl } = options;
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;

  async function receive(max: number, visibility: number): Promise<Message[]> {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max),
        VisibilityTimeout: visibility,
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return Messages ?? [];
  }

  async function release(messages: readonly Message[]): Promise<void> {
    for (const batch of chunks(messages, 10)) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: batch.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  return {
    async approximateCount() {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    },

    async peek(limit, onProgress) {
      const seen = new Map<string, Message>();
      const held: Message[] = [];
      try {
        while (seen.size < limit) {
          const batch = await receive(limit - seen.size, PEEK_VISIBILITY_SECONDS);
          held.push(...batch);
          const fresh = batch.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
          if (fresh.length === 0) break;
          for (const m of fresh) seen.set(m.MessageId!, m);
          onProgress?.(seen.size);
        }
      } finally {
        // Make them visible again even when listing failed half-way, so a redrive can start right away.
        await release(held);
      }
      return [...seen.values()].map(toParkedMessage);
    },

    async moveToReceiptsQueue(limit, onProgress) {
      const attempted = new Set<string>();
      const failed: { sqsMessageId: string; error: string }[] = [];
      let moved = 0;
      while (attempted.size < limit) {
        const batch = await receive(limit - attempted.size, MOVE_VISIBILITY_SECONDS);
        const fresh = batch.filter((m) => m.MessageId !== undefined && !attempted.has(m.MessageId));
        if (fresh.length === 0) break;
        fresh.forEach((m) => attempted.add(m.MessageId!));

        const sent = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: receiptsQueueUrl,
            Entries: fresh.map((m, i) => ({
              Id: String(i),
              MessageBody: m.Body ?? '',
              MessageAttributes: redriveAttributes(m),
            })),
          }),
        );
        for (const failure of sent.Failed ?? []) {
          const message = fresh[Number(failure.Id)];
          failed.push({
            sqsMessageId: message?.MessageId ?? '?',
            error: `${failure.Code}: ${failure.Message ?? ''}`.trim(),
          });
        }
        // Delete only what is now safely on the receipts queue. A failed copy stays parked (invisible
        // for a minute, then back), so it is never lost.
        const copied = (sent.Successful ?? [])
          .map((s) => fresh[Number(s.Id)])
          .filter((m): m is Message => m !== undefined);
        if (copied.length === 0) continue;
        const deleted = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: copied.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        moved += deleted.Successful?.length ?? 0;
        for (const failure of deleted.Failed ?? []) {
          const message = copied[Number(failure.Id)];
          failed.push({
            sqsMessageId: message?.MessageId ?? '?',
            error: `copied to the receipts queue but not removed from the DLQ (${failure.Code}); the processor ignores the duplicate`,
          });
        }
        onProgress?.(moved);
      }
      return { moved, failed };
    },
  };
}
