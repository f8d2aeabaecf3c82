/**
 * List prices the cost model multiplies the measured requests by: AWS on-demand prices in us-east-1 (the
 * default region of serverless.yml), after the free tier, and Sinch's list price for one SMS to the US.
 *
 * These are constants, not a price feed: each carries the page it comes from and when it was read, so a
 * reader can tell how stale it is. They were written down from the public pricing pages as of 2025 (the
 * DynamoDB figures are the on-demand prices after the cut of 1 November 2024) and were NOT re-checked
 * online when this file was written (the build machines have no network). Check them before quoting a
 * figure to anyone; the arithmetic in `cost-model.ts` takes any price table.
 */

export interface Price {
  /** US dollars per one `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

/** When the figures below were read from their sources. */
export const PRICES_AS_OF = '2025 (not re-checked online since)';
export const PRICES_REGION = 'us-east-1';

export const AWS_PRICES = {
  /** Lambda requests: $0.20 per million. */
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  /** Lambda duration on arm64 (serverless.yml `architecture: arm64`), first 7.5 billion GB-s a month. */
  lambdaGbSecondArm64: {
    usd: 0.0000133334,
    unit: 'GB-second',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  /** Step Functions Standard: $0.025 per 1,000 state transitions (retries count as transitions). */
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  /** SQS standard queue: $0.40 per million requests (each 64 KiB chunk of a payload is one request). */
  sqsRequest: {
    usd: 0.4 / 1e6,
    unit: 'request',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  /** DynamoDB on-demand: $0.625 per million write request units (1 WRU = one write of up to 1 KB). */
  dynamoDbWriteUnit: {
    usd: 0.625 / 1e6,
    unit: 'write request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  /** DynamoDB on-demand: $0.125 per million read request units (1 RRU = one strong read of up to 4 KB). */
  dynamoDbReadUnit: {
    usd: 0.125 / 1e6,
    unit: 'read request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  /** SES outbound email: $0.10 per 1,000 emails (attachments and dedicated IPs extra, not used here). */
  sesEmail: {
    usd: 0.1 / 1000,
    unit: 'email',
    source: 'https://aws.amazon.com/ses/pricing/',
  },
  /** EventBridge custom events on the default bus: $1.00 per million (each 64 KiB chunk is one event). */
  eventBridgeEvent: {
    usd: 1 / 1e6,
    unit: 'event',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  /**
   * AWS End User Messaging SMS, one outbound SMS message part to a US number from a toll-free or 10DLC
   * number: the base price plus the carrier fee, as AWS's own example events for a US message show them
   * ("totalMessagePrice": 0.00581, "totalCarrierFee": 0.003,
   * https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html, read 2026-12-02).
   * The list price itself (https://aws.amazon.com/end-user-messaging/pricing/) could NOT be confirmed
   * offline; carrier fees vary by carrier and number type. Only a stage with the secondary provider on pays
   * it, and only for the attempts that failed over. Its delivery events are AWS service events on the
   * default bus, for which EventBridge charges nothing; their SQS requests are counted as every other.
   */
  awsSmsUsMessagePart: {
    usd: 0.00581 + 0.003,
    unit: 'SMS message part',
    source:
      'https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html (example US event, 2026-12-02; list price unconfirmed offline)',
  },
  /** CloudWatch Logs ingestion (standard class): $0.50 per GB, for the functions' log lines. */
  cloudWatchLogsGb: {
    usd: 0.5,
    unit: 'GB ingested',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} as const satisfies Record<string, Price>;

/**
 * One SMS segment to a US number through Sinch, list price, before carrier pass-through fees (10DLC
 * carrier fees add roughly $0.002–0.005 a message, which only makes the AWS share smaller). The AWS
 * overhead of a delivery is budgeted at 2% of this.
 */
export const US_SMS_PRICE: Price = {
  usd: 0.0078,
  unit: 'SMS segment',
  source: 'https://sinch.com/pricing/sms/ (United States, pay as you go)',
};

/** The goal: the AWS overhead of one delivery of the bench mix stays within this share of one US SMS. */
export const OVERHEAD_BUDGET_SHARE = 0.02;
