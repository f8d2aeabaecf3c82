import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { RECEIPT_ATTRIBUTES, encodeEnvelope } from '../../lib/receipts/receipt-envelope';

/** SQS event records as Lambda delivers them from the receipts queue. */

export const RECEIVED_AT = '2026-03-02T10:15:35.000Z';

/** The body the ingress puts on the queue for a raw webhook body. */
export function receiptMessageBody(rawBody: string, receivedAt = RECEIVED_AT): string {
  return encodeEnvelope({ receivedAt, rawBody });
}

export interface SqsRecordOptions {
  readonly body: string;
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly messageAttributes?: SQSRecord['messageAttributes'];
}

let sequence = 0;

export function anSqsRecord(options: SqsRecordOptions): SQSRecord {
  sequence += 1;
  const messageId = options.messageId ?? `sqs-message-${sequence}`;
  return {
    messageId,
    receiptHandle: `handle-${messageId}-${options.receiveCount ?? 1}`,
    body: options.body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1772446535000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1772446535100',
    },
    messageAttributes: options.messageAttributes ?? {
      [RECEIPT_ATTRIBUTES.eventType]: { dataType: 'String', stringValue: 'message_delivery_report' },
    },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:receipt-driven-sms-test-receipts',
    awsRegion: 'us-east-1',
  };
}

export function anSqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/**
 * The Lambda event record for a message received from a real (emulated) queue, as the SQS event source
 * mapping builds it: same id, receipt handle, body, receive count and attributes.
 */
export function fromSqsMessage(message: Message): SQSRecord {
  const record = anSqsRecord({
    body: message.Body ?? '',
    messageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
        },
      ]),
    ),
  });
  return { ...record, receiptHandle: message.ReceiptHandle ?? '' };
}
