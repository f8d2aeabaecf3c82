import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../shared/errors';
import { RECEIPT_ATTRIBUTES, encodeEnvelope, type ReceiptEnvelope } from '../receipts/receipt-envelope';

/** Message attributes the ingress sets on a queued receipt, for tracing and filtering without parsing. */
export interface ReceiptAttributes {
  readonly eventType: string;
  readonly messageId?: string | undefined;
  readonly status?: string | undefined;
}

/** Where verified webhooks go: the receipts queue, or its DLQ when they cannot be used. */
export interface ReceiptQueue {
  /** Sends a receipt to the receipts queue for the processor. */
  enqueue(envelope: ReceiptEnvelope, attributes: ReceiptAttributes): Promise<void>;
  /** Parks a signed but unusable webhook in the DLQ, with the reason, so it is kept but never retried. */
  park(envelope: ReceiptEnvelope, reason: string): Promise<void>;
}

export interface ReceiptQueueOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

type Attributes = Record<string, string | undefined>;

function toMessageAttributes(attributes: Attributes): Record<string, MessageAttributeValue> {
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    // SQS refuses empty attribute values; an absent value is simply not sent.
    if (value) result[name] = { DataType: 'String', StringValue: value };
  }
  return result;
}

/**
 * The SQS adapter of the ingress. Every SQS failure surfaces as {@link QueueUnavailableError}, so the
 * handler answers 500 and Sinch retries; nothing is swallowed.
 *
 * @example
 * const queue = createReceiptQueue({ sqs: new SQSClient({}), queueUrl, dlqUrl });
 * await queue.enqueue(envelope, { eventType: 'message_delivery_report', messageId, status });
 */
export function createReceiptQueue({ sqs, queueUrl, dlqUrl }: ReceiptQueueOptions): ReceiptQueue {
  const send = async (
    target: 'receipts queue' | 'receipts DLQ',
    url: string,
    envelope: ReceiptEnvelope,
    attributes: Attributes,
  ): Promise<void> => {
    const command = new SendMessageCommand({
      QueueUrl: url,
      MessageBody: encodeEnvelope(envelope),
      MessageAttributes: toMessageAttributes(attributes),
    });
    try {
      // No per-call options, so the client reuses its resolved middleware (`cacheMiddleware`); the
      // client's bounded timeouts end a hung call inside the function's own timeout.
      await sqs.send(command);
    } catch (error) {
      throw new QueueUnavailableError(`Could not send the webhook to the ${target}`, { cause: error });
    }
  };

  return {
    enqueue: (envelope, { eventType, messageId, status }) =>
      send('receipts queue', queueUrl, envelope, {
        [RECEIPT_ATTRIBUTES.eventType]: eventType,
        [RECEIPT_ATTRIBUTES.messageId]: messageId,
        [RECEIPT_ATTRIBUTES.status]: status,
      }),
    park: (envelope, reason) =>
      send('receipts DLQ', dlqUrl, envelope, {
        [RECEIPT_ATTRIBUTES.parkedReason]: reason,
        [RECEIPT_ATTRIBUTES.parkedBy]: 'ingress',
      }),
  };
}
