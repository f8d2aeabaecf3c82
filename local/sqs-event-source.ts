import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalQueue } from './cloud-resources';
import type { FunctionRuntime, InvokeResult } from './lambda-runtime';

/**
 * The local Lambda event source mapping for an SQS queue, with the semantics the processor relies on:
 *
 * - long-polls up to `batchSize` messages (gathering for up to `maximumBatchingWindow`), then invokes the
 *   function with an `SQSEvent` shaped like Lambda's;
 * - deletes what succeeded: the whole batch on success, all but the listed `batchItemFailures` with
 *   `ReportBatchItemFailures`, nothing when the invocation fails or answers a malformed failure list;
 * - leaves everything else to the queue: undeleted messages come back after the visibility timeout, and the
 *   queue's own redrive policy moves a message to the DLQ after `maxReceiveCount` receives;
 * - when Lambda throttles the invocation (`TooManyRequestsException`: reserved concurrency or the
 *   `lambda-throttle` fault), the batch is not delivered: its messages stay in flight and come back after
 *   the visibility timeout, each receive counting towards `maxReceiveCount`, as with Lambda's mapping.
 */

/** Lambda polls a standard queue with five concurrent batches at first, scaling up from there. */
export const LAMBDA_INITIAL_POLLERS = 5;

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queue: LocalQueue;
  readonly runtime: FunctionRuntime;
  readonly region: string;
  readonly batchSize: number;
  /** Seconds to keep gathering a batch before invoking (already time-scaled). */
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Concurrent pollers; Lambda starts an SQS mapping with five concurrent batches. */
  readonly pollers?: number;
  readonly log?: (line: string) => void;
}

export interface SqsEventSource {
  readonly stats: {
    batches: number;
    records: number;
    deleted: number;
    retried: number;
    failedInvocations: number;
    /** Batches Lambda refused to run (throttled); their messages were left in flight. */
    throttledBatches: number;
  };
  stop(): Promise<void>;
}

/** Converts a received SQS message into a Lambda `SQSRecord`. */
export function toSqsRecord(message: Message, queueArn: string, region: string): Record<string, unknown> {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType,
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: message.Attributes?.SenderId ?? 'AROALOCAL',
      ApproximateFirstReceiveTimestamp:
        message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody,
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * The ids to keep on the queue after an invocation, per Lambda's rules for partial batch responses: an
 * entry that is missing, empty or not in the batch fails the whole batch.
 */
export function messagesToRetry(
  result: InvokeResult,
  batch: readonly Message[],
  reportBatchItemFailures: boolean,
): Set<string> {
  const all = new Set(batch.map((m) => m.MessageId!));
  if (!result.ok) return all;
  if (!reportBatchItemFailures) return new Set();
  const payload = result.payload as { batchItemFailures?: unknown } | null;
  if (payload === null || typeof payload !== 'object' || payload.batchItemFailures == null) return new Set();
  if (!Array.isArray(payload.batchItemFailures)) return all;
  const failed = new Set<string>();
  for (const entry of payload.batchItemFailures as { itemIdentifier?: unknown }[]) {
    const id = entry?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const controller = new AbortController();
  const stats = { batches: 0, records: 0, deleted: 0, retried: 0, failedInvocations: 0, throttledBatches: 0 };
  const log = options.log ?? (() => undefined);

  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    const { Messages } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: controller.signal },
    );
    return Messages ?? [];
  };

  const gather = async (): Promise<Message[]> => {
    const batch = await receive(options.batchSize, 20);
    const deadline = Date.now() + options.maximumBatchingWindowSeconds * 1000;
    while (batch.length > 0 && batch.length < options.batchSize && Date.now() < deadline) {
      const more = await receive(options.batchSize - batch.length, 0);
      if (more.length === 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(20, deadline - Date.now())));
      batch.push(...more);
    }
    return batch;
  };

  const remove = async (messages: Message[]): Promise<void> => {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queue.url,
          Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  };

  const poll = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const batch = await gather();
        if (batch.length === 0) continue;
        stats.batches += 1;
        stats.records += batch.length;
        const result = await options.runtime.invoke({
          Records: batch.map((m) => toSqsRecord(m, options.queue.arn, options.region)),
        });
        if (!result.ok && result.throttled) {
          stats.throttledBatches += 1;
          stats.retried += batch.length;
          log(
            `${options.runtime.key}: batch of ${batch.length} throttled (TooManyRequestsException); ` +
              'the messages come back after the visibility timeout',
          );
          continue;
        }
        if (!result.ok) {
          stats.failedInvocations += 1;
          log(
            `${options.runtime.key}: batch of ${batch.length} failed (${result.error.errorType}); SQS will retry it`,
          );
        }
        const retry = messagesToRetry(result, batch, options.reportBatchItemFailures);
        stats.retried += retry.size;
        const done = batch.filter((m) => !retry.has(m.MessageId!));
        await remove(done);
        stats.deleted += done.length;
      } catch (error) {
        if (controller.signal.aborted) return;
        log(`${options.runtime.key}: polling ${options.queue.name} failed: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const pollers = Array.from({ length: options.pollers ?? LAMBDA_INITIAL_POLLERS }, () => poll());

  return {
    stats,
    stop: async () => {
      controller.abort();
      await Promise.allSettled(pollers);
    },
  };
}
