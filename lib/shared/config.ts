import { ConfigError } from './errors';
import { SECONDARY_SMS_PROVIDERS, type SecondarySmsProviderId } from './sms-providers';

/**
 * The one place that reads `process.env`. Each Lambda calls its loader once at cold start; a missing or
 * malformed variable throws {@link ConfigError} naming it, so a bad deploy fails on the first invocation
 * instead of half-working. Loaders take the environment as a parameter so tests never mutate globals.
 */
export type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is required`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`Environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

export interface IngressConfig {
  readonly stage: string;
  /** SSM SecureString holding one webhook secret, or several separated by newlines (current first). */
  readonly webhookSecretsParam: string;
  /**
   * How old a signature may be, in seconds (`WEBHOOK_MAX_AGE_SECONDS`, default 86 400): Sinch may retry a
   * webhook for almost a day and may keep the first signature (docs/decisions/0009-webhook-age-and-replays.md).
   */
  readonly webhookMaxAgeSeconds: number;
  /** How far ahead of our clock a signature may be, in seconds (`WEBHOOK_MAX_FUTURE_SECONDS`, default 300). */
  readonly webhookMaxFutureSeconds: number;
  readonly receiptsQueueUrl: string;
  readonly receiptsDlqUrl: string;
}

/**
 * A day: just over the longest retry Sinch documents, 81 920 s after the first failure
 * (docs/sinch.md#sms-api-retries).
 */
export const DEFAULT_WEBHOOK_MAX_AGE_SECONDS = 86_400;
/** Clock difference only; nothing legitimate is signed further ahead. */
export const DEFAULT_WEBHOOK_MAX_FUTURE_SECONDS = 300;

/**
 * The ingress settings. The former single `WEBHOOK_TOLERANCE_SECONDS` is not read any more: its 300 s also
 * bounded the age, which is what refused Sinch's later retries (decision 0009).
 */
export function loadIngressConfig(env: Env = process.env): IngressConfig {
  return {
    stage: required(env, 'STAGE'),
    webhookSecretsParam: required(env, 'WEBHOOK_SECRETS_PARAM'),
    webhookMaxAgeSeconds: positiveInt(env, 'WEBHOOK_MAX_AGE_SECONDS', DEFAULT_WEBHOOK_MAX_AGE_SECONDS),
    webhookMaxFutureSeconds: positiveInt(
      env,
      'WEBHOOK_MAX_FUTURE_SECONDS',
      DEFAULT_WEBHOOK_MAX_FUTURE_SECONDS,
    ),
    receiptsQueueUrl: required(env, 'RECEIPTS_QUEUE_URL'),
    receiptsDlqUrl: required(env, 'RECEIPTS_DLQ_URL'),
  };
}

export interface ProcessorConfig {
  readonly stage: string;
  readonly deliveriesTable: string;
  /** The queue the processor consumes; it shortens the wait before retrying a receipt that came too early. */
  readonly receiptsQueueUrl: string;
  /** Where reports that can never be used are parked: the DLQ, which is alarmed on any message. */
  readonly receiptsDlqUrl: string;
  /**
   * Where orphans are set aside (reports that match no attempt of this stage): kept 14 days, counted in
   * `OrphanReceipts` and alarmed on a rate, so they do not hold the DLQ alarm on.
   */
  readonly orphansQueueUrl: string;
  /**
   * From this SQS receive on, a receipt that still matches no attempt is set aside as an orphan. Set it
   * just below the queue's maxReceiveCount, so the orphan is set aside with a reason by us rather than
   * moved without one by the redrive policy.
   */
  readonly orphanAfterReceives: number;
}

export function loadProcessorConfig(env: Env = process.env): ProcessorConfig {
  return {
    stage: required(env, 'STAGE'),
    deliveriesTable: required(env, 'DELIVERIES_TABLE'),
    receiptsQueueUrl: required(env, 'RECEIPTS_QUEUE_URL'),
    receiptsDlqUrl: required(env, 'RECEIPTS_DLQ_URL'),
    orphansQueueUrl: required(env, 'ORPHANS_QUEUE_URL'),
    orphanAfterReceives: positiveInt(env, 'RECEIPTS_ORPHAN_AFTER_RECEIVES', 4),
  };
}

export interface SendApiConfig {
  readonly stage: string;
  readonly deliveriesTable: string;
  readonly deliveryStateMachineArn: string;
  /** SSM SecureString holding the per-stage HMAC key of the `byRecipient` index (random, created once). */
  readonly recipientHashKeyParam: string;
  /** Days delivery items are kept after the code expires (DynamoDB TTL). */
  readonly retentionDays: number;
}

export function loadSendApiConfig(env: Env = process.env): SendApiConfig {
  return {
    stage: required(env, 'STAGE'),
    deliveriesTable: required(env, 'DELIVERIES_TABLE'),
    deliveryStateMachineArn: required(env, 'DELIVERY_STATE_MACHINE_ARN'),
    recipientHashKeyParam: required(env, 'RECIPIENT_HASH_KEY_PARAM'),
    retentionDays: positiveInt(env, 'RETENTION_DAYS', 30),
  };
}

export const SINCH_REGIONS = ['us', 'eu', 'br'] as const;
export type SinchRegion = (typeof SINCH_REGIONS)[number];

export interface SendSmsConfig {
  readonly stage: string;
  readonly deliveriesTable: string;
  readonly sinchProjectId: string;
  readonly sinchAppId: string;
  readonly sinchRegion: SinchRegion;
  /** SSM SecureString holding `{"keyId": "...", "keySecret": "..."}`. */
  readonly sinchCredentialsParam: string;
  readonly sinchApiUrl: string;
  readonly sinchAuthUrl: string;
  /** Optional sender id or number (`channel_properties.SMS_SENDER`). */
  readonly sinchSmsSender: string | undefined;
  /** The secondary provider, when the stage has one (`secondarySmsProvider`). */
  readonly secondarySms?: SecondarySmsConfig;
}

export function loadSendSmsConfig(env: Env = process.env): SendSmsConfig {
  const region = (optional(env, 'SINCH_REGION') ?? 'us').toLowerCase();
  if (!(SINCH_REGIONS as readonly string[]).includes(region)) {
    throw new ConfigError(`SINCH_REGION must be one of ${SINCH_REGIONS.join(', ')}, got "${region}"`);
  }
  return {
    stage: required(env, 'STAGE'),
    deliveriesTable: required(env, 'DELIVERIES_TABLE'),
    sinchProjectId: required(env, 'SINCH_PROJECT_ID'),
    sinchAppId: required(env, 'SINCH_APP_ID'),
    sinchRegion: region as SinchRegion,
    sinchCredentialsParam: required(env, 'SINCH_CREDENTIALS_PARAM'),
    sinchApiUrl: optional(env, 'SINCH_API_URL') ?? `https://${region}.conversation.api.sinch.com`,
    sinchAuthUrl: optional(env, 'SINCH_AUTH_URL') ?? 'https://auth.sinch.com',
    sinchSmsSender: optional(env, 'SINCH_SMS_SENDER'),
    secondarySms: loadSecondarySms(env),
  };
}

export interface SendEmailConfig {
  readonly stage: string;
  readonly deliveriesTable: string;
  readonly emailFrom: string;
}

export function loadSendEmailConfig(env: Env = process.env): SendEmailConfig {
  return {
    stage: required(env, 'STAGE'),
    deliveriesTable: required(env, 'DELIVERIES_TABLE'),
    emailFrom: required(env, 'EMAIL_FROM'),
  };
}

/**
 * `SECONDARY_SMS_PROVIDER`: empty or `none` for no secondary (the default), else one of
 * {@link SECONDARY_SMS_PROVIDERS}.
 */
function secondarySmsProvider(env: Env): SecondarySmsProviderId | undefined {
  const value = optional(env, 'SECONDARY_SMS_PROVIDER')?.toLowerCase();
  if (value === undefined || value === 'none') return undefined;
  if (!(SECONDARY_SMS_PROVIDERS as readonly string[]).includes(value)) {
    throw new ConfigError(
      `SECONDARY_SMS_PROVIDER must be none or one of ${SECONDARY_SMS_PROVIDERS.join(', ')}, got "${value}"`,
    );
  }
  return value as SecondarySmsProviderId;
}

/** The stage's secondary SMS provider and what sending through it needs. */
export interface SecondarySmsConfig {
  readonly provider: SecondarySmsProviderId;
  /** `SendTextMessage`'s `OriginationIdentity`: a phone number, sender id, pool, or its ARN. */
  readonly originationIdentity: string;
  readonly configurationSetName: string;
  /** The stage-wide breaker on the primary (see `provider-breaker.ts`). */
  readonly breaker: BreakerSettings;
}

export interface BreakerSettings {
  /** Send failures of the primary within {@link windowSeconds} that open the breaker. */
  readonly threshold: number;
  readonly windowSeconds: number;
  /** How long the breaker stays open before one delivery probes the primary again. */
  readonly openSeconds: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { threshold: 5, windowSeconds: 60, openSeconds: 60 };

function loadSecondarySms(env: Env): SecondarySmsConfig | undefined {
  const provider = secondarySmsProvider(env);
  if (provider === undefined) return undefined;
  return {
    provider,
    originationIdentity: required(env, 'AWS_SMS_ORIGINATION_IDENTITY'),
    configurationSetName: required(env, 'AWS_SMS_CONFIGURATION_SET'),
    breaker: {
      threshold: positiveInt(env, 'PRIMARY_BREAKER_THRESHOLD', DEFAULT_BREAKER.threshold),
      windowSeconds: positiveInt(env, 'PRIMARY_BREAKER_WINDOW_SECONDS', DEFAULT_BREAKER.windowSeconds),
      openSeconds: positiveInt(env, 'PRIMARY_BREAKER_OPEN_SECONDS', DEFAULT_BREAKER.openSeconds),
    },
  };
}

export interface DecideNextConfig extends WorkflowTaskConfig {
  /** The stage's secondary SMS provider, if it has one: failover is then part of every decision. */
  readonly secondarySmsProvider?: SecondarySmsProviderId;
}

export function loadDecideNextConfig(env: Env = process.env): DecideNextConfig {
  return { ...loadWorkflowTaskConfig(env), secondarySmsProvider: secondarySmsProvider(env) };
}

export interface WorkflowTaskConfig {
  readonly stage: string;
  readonly deliveriesTable: string;
}

/** For the small workflow tasks that only need the table (decide-next, record-outcome). */
export function loadWorkflowTaskConfig(env: Env = process.env): WorkflowTaskConfig {
  return {
    stage: required(env, 'STAGE'),
    deliveriesTable: required(env, 'DELIVERIES_TABLE'),
  };
}
