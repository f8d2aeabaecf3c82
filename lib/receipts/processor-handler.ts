import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSfnClient, createSqsClient } from '../shared/aws-clients';
import { createDocumentClient } from '../table/document-client';
import { loadProcessorConfig, type ProcessorConfig } from '../shared/config';
import { createLogger, createMetrics } from '../shared/observability';
import { createReceiptProcessor } from './process-receipt';
import { createProcessorQueue } from './processor-queue';
import { createReceiptMessageHandler } from './receipt-message-handler';
import { createReceiptRecorder } from './receipt-recorder';
import { createWorkflowCallbacks } from './workflow-callbacks';

export interface ProcessorDeps {
  readonly config: ProcessorConfig;
  readonly documentClient: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** A value in [0, 1) for the jitter of retry delays; tests fix it. */
  readonly random?: () => number;
}

export type ProcessorHandler = MiddyfiedHandler<SQSEvent, SQSBatchResponse>;

/**
 * The receipts-queue consumer. Each record goes through the receipt message handler on its own
 * (Powertools' batch processor, records in parallel), and the response lists exactly the records to
 * retry (`ReportBatchItemFailures`), so one bad record never fails or delays the others.
 *
 * @example
 * const handler = createProcessorHandler({ ...liveDeps(config), sfn: mockedSfnClient });
 * const { batchItemFailures } = await handler(sqsEvent, context);
 */
export function createProcessorHandler(deps: ProcessorDeps): ProcessorHandler {
  const { config } = deps;
  deps.logger.appendPersistentKeys({ stage: config.stage });

  const handleMessage = createReceiptMessageHandler({
    processReceipt: createReceiptProcessor({
      recorder: createReceiptRecorder({
        documentClient: deps.documentClient,
        tableName: config.deliveriesTable,
      }),
      callbacks: createWorkflowCallbacks(deps.sfn),
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
    }),
    queue: createProcessorQueue({
      sqs: deps.sqs,
      queueUrl: config.receiptsQueueUrl,
      dlqUrl: config.receiptsDlqUrl,
      orphansQueueUrl: config.orphansQueueUrl,
    }),
    orphanAfterReceives: config.orphanAfterReceives,
    random: deps.random,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  const batch = new BatchProcessor(EventType.SQS);

  const processBatch = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // A batch where every record failed is answered with the full list rather than a thrown error: the
    // effect on SQS is the same, and each failure was already logged with its reason.
    processPartialResponse(event, handleMessage, batch, { context, throwOnFullBatchFailure: false });

  // logEvent false wins over POWERTOOLS_LOGGER_LOG_EVENT: every record body holds a phone number.
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics, { captureColdStartMetric: true }))
    .handler(processBatch);
}

/**
 * The production wiring: settings from the environment, SDK clients created once per container.
 * Endpoints follow the standard `AWS_ENDPOINT_URL_DYNAMODB` / `_SFN` / `_SQS`, which the local stack sets.
 */
export function liveDeps(config: ProcessorConfig = loadProcessorConfig()): ProcessorDeps {
  // Bounded well inside the 30 s timeout, so a hung call fails the record (and SQS retries it) instead
  // of the whole batch timing out.
  return {
    config,
    documentClient: createDocumentClient(),
    sfn: createSfnClient(),
    sqs: createSqsClient(),
    logger: createLogger(),
    metrics: createMetrics(),
    now: () => new Date(),
  };
}
