import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { RECEIPT_ATTRIBUTES } from './receipt-envelope';

/**
 * The receipt processor's SQS adapter: what it does to a message besides acknowledging it or reporting
 * it as a batch item failure.
 */
export interface ProcessorQueue {
  /**
   * Copies the message to the DLQ byte for byte, with `parkedReason` and `parkedBy: processor`, so it is
   * kept for inspection and can be redriven unchanged. The caller then acknowledges the original.
   */
  park(record: SQSRecord, reason: string): Promise<void>;
  /**
   * Copies an orphan (a report that matches no attempt of this stage) to the orphans queue, the same way
   * {@link park} copies to the DLQ, with `parkedReason: orphan`. The orphans queue is not the DLQ: an
   * orphan is normal traffic of a shared Sinch app, counted and alarmed on a rate, while anything in the
   * DLQ is a report we could not use and alarms at once.
   */
  setAsideOrphan(record: SQSRecord): Promise<void>;
  /**
   * Makes a message the processor is about to report as failed visible again after `seconds` instead of
   * the queue's visibility timeout (180 s): a receipt that overtook the send-sms write, or one that met a
   * throttled or unreachable dependency, is retried while the workflow is still waiting for it.
   */
  retryAfter(record: SQSRecord, seconds: number): Promise<void>;
}

export interface ProcessorQueueOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly orphansQueueUrl: string;
}

// SQS allows ten attributes per message; two are ours.
const MAX_COPIED_ATTRIBUTES = 8;

function parkedAttributes(record: SQSRecord, reason: string): Record<string, MessageAttributeValue> {
  const copied: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of Object.entries(record.messageAttributes ?? {})) {
    if (Object.keys(copied).length >= MAX_COPIED_ATTRIBUTES) break;
    if (name === RECEIPT_ATTRIBUTES.parkedReason || name === RECEIPT_ATTRIBUTES.parkedBy) continue;
    if (attribute.stringValue)
      copied[name] = { DataType: attribute.dataType, StringValue: attribute.stringValue };
  }
  return {
    ...copied,
    [RECEIPT_ATTRIBUTES.parkedReason]: { DataType: 'String', StringValue: reason },
    [RECEIPT_ATTRIBUTES.parkedBy]: { DataType: 'String', StringValue: 'processor' },
  };
}

/**
 * Creates the adapter. Errors are thrown as they come: a message that could not be parked is reported
 * as a batch item failure, so it stays on the queue and nothing is lost.
 *
 * @example
 * const queue = createProcessorQueue({
 *   sqs,
 *   queueUrl: config.receiptsQueueUrl,
 *   dlqUrl: config.receiptsDlqUrl,
 *   orphansQueueUrl: config.orphansQueueUrl,
 * });
 * await queue.park(record, 'not_an_envelope');
 */
export function createProcessorQueue({
  sqs,
  queueUrl,
  dlqUrl,
  orphansQueueUrl,
}: ProcessorQueueOptions): ProcessorQueue {
  const copyTo = async (targetUrl: string, record: SQSRecord, reason: string): Promise<void> => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: targetUrl,
        MessageBody: record.body,
        MessageAttributes: parkedAttributes(record, reason),
      }),
    );
  };

  return {
    park: (record, reason) => copyTo(dlqUrl, record, reason),
    setAsideOrphan: (record) => copyTo(orphansQueueUrl, record, 'orphan'),
    async retryAfter(record, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}
