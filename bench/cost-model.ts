import { AWS_PRICES, US_SMS_PRICE, type Price } from './prices';

/**
 * The cost model of issue 8 as plain arithmetic: what a run used (counted by the pipeline benchmark at
 * the stand-ins) times list prices. Pure, so a unit test can check the sums without running anything.
 */

/** What a set of deliveries used, in the units AWS bills. */
export interface Usage {
  readonly lambdaInvocations: number;
  /** Billed duration × configured memory, in GB-seconds. */
  readonly lambdaGbSeconds: number;
  readonly sqsRequests: number;
  readonly stateTransitions: number;
  readonly dynamoDbWriteUnits: number;
  readonly dynamoDbReadUnits: number;
  readonly sesEmails: number;
  readonly eventBridgeEvents: number;
  /** SMS message parts sent through the secondary provider, AWS End User Messaging SMS. */
  readonly secondarySmsParts: number;
  /** Bytes of function log lines (CloudWatch Logs ingestion). */
  readonly logBytes: number;
}

export const ZERO_USAGE: Usage = {
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  sqsRequests: 0,
  stateTransitions: 0,
  dynamoDbWriteUnits: 0,
  dynamoDbReadUnits: 0,
  sesEmails: 0,
  eventBridgeEvents: 0,
  secondarySmsParts: 0,
  logBytes: 0,
};

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

export interface CostBreakdown {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

type AwsPrices = { readonly [K in keyof typeof AWS_PRICES]: Price };

/** Lambda bills duration in 1 ms steps, times the configured memory. */
export function billedGbSeconds(durationMs: number, memoryMb: number): number {
  return (Math.max(1, Math.ceil(durationMs)) / 1000) * (memoryMb / 1024);
}

/** On-demand write request units for one write of an item of `bytes` (1 unit per started KB). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * On-demand read request units for one read of `bytes` (1 unit per started 4 KB when strongly consistent,
 * half that when eventually consistent).
 */
export function readUnits(bytes: number, stronglyConsistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return stronglyConsistent ? units : units / 2;
}

/** Adds usages together (e.g. several scenarios into a mix). */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum = { ...a } as Record<keyof Usage, number>;
  for (const key of Object.keys(b) as (keyof Usage)[]) sum[key] += b[key];
  return sum;
}

/** Multiplies every count of a usage by `factor` (per delivery → per 1,000 deliveries). */
export function scaleUsage(usage: Usage, factor: number): Usage {
  const scaled = { ...usage } as Record<keyof Usage, number>;
  for (const key of Object.keys(scaled) as (keyof Usage)[]) scaled[key] *= factor;
  return scaled;
}

/** Prices a usage line by line. */
export function costOf(usage: Usage, prices: AwsPrices = AWS_PRICES): CostBreakdown {
  const line = (item: string, quantity: number, price: Price): CostLine => ({
    item,
    quantity,
    unit: price.unit,
    usd: quantity * price.usd,
  });
  const lines = [
    line('Lambda requests', usage.lambdaInvocations, prices.lambdaRequest),
    line('Lambda duration', usage.lambdaGbSeconds, prices.lambdaGbSecondArm64),
    line('Step Functions transitions', usage.stateTransitions, prices.stepFunctionsTransition),
    line('SQS requests', usage.sqsRequests, prices.sqsRequest),
    line('DynamoDB writes', usage.dynamoDbWriteUnits, prices.dynamoDbWriteUnit),
    line('DynamoDB reads', usage.dynamoDbReadUnits, prices.dynamoDbReadUnit),
    line('SES emails', usage.sesEmails, prices.sesEmail),
    line('EventBridge events', usage.eventBridgeEvents, prices.eventBridgeEvent),
    line('AWS End User Messaging SMS', usage.secondarySmsParts, prices.awsSmsUsMessagePart),
    line('CloudWatch Logs', usage.logBytes / 1e9, prices.cloudWatchLogsGb),
  ];
  return { lines, totalUsd: lines.reduce((total, { usd }) => total + usd, 0) };
}

/** The AWS cost of one delivery as a share of one US SMS (the goal is `OVERHEAD_BUDGET_SHARE`). */
export function shareOfSms(usdPerDelivery: number, sms: Price = US_SMS_PRICE): number {
  return usdPerDelivery / sms.usd;
}
