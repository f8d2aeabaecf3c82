import * as v from 'valibot';
import { DELIVERY_ID_PATTERN, type DeliveryPolicy, type Outcome } from '../table/delivery-model';
import { FAILURE_CLASSES, ValidationError } from '../shared/errors';
import { SMS_PROVIDERS, type SmsProviderId } from '../shared/sms-providers';
import type { NextStep } from './next-step-policy';
import type { SmsFailureReport } from './sms-failure';

/**
 * The contract between `statemachines/delivery.asl.yml` and its task Lambdas: the workflow state and the
 * payload each Task state builds in `Parameters.Payload`. Everything here is free of personal data: the
 * tasks that send read the recipient, address and text from the `META` item, never from the workflow.
 */

/** The workflow state between tasks (JSONPath `$`). */
export interface WorkflowState {
  readonly deliveryId: string;
  readonly expiresAt: string;
  readonly policy: DeliveryPolicy;
  /** Number of the current SMS attempt: the one being sent, or the last one sent. */
  readonly attempt: number;
  /** Error names of every failed SMS attempt so far, oldest first (`States.Timeout`, `Sms.Transient`, …). */
  readonly failures: readonly string[];
  /** Error names of every failed try of the fallback email so far, oldest first (`Email.Unavailable`, …). */
  readonly emailFailures?: readonly string[];
  /** The last SMS failure Sinch reported, summarised for the outcome event; `null` until one is. */
  readonly lastSmsFailure?: SmsFailureReport | null;
  /** What `DecideNextStep` chose last. */
  readonly decision?: NextStep;
  /**
   * Who sends the current SMS attempt: set by `DecideNextStep` for every resend; `null` (set by
   * `PrepareDelivery`) for the first attempt, which the send path gives to the primary unless the stage's
   * breaker has it open.
   */
  readonly provider?: SmsProviderId | null;
}

const deliveryId = v.pipe(v.string(), v.regex(DELIVERY_ID_PATTERN, 'must match [A-Za-z0-9_-]{1,80}'));
const attempt = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(999));
const timestamp = v.pipe(
  v.string(),
  v.check((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 timestamp'),
);
const policy = v.object({
  maxSmsAttempts: v.pipe(v.number(), v.integer(), v.minValue(1)),
  receiptTimeoutSeconds: v.pipe(v.number(), v.integer(), v.minValue(1)),
  resendBackoffSeconds: v.array(v.pipe(v.number(), v.minValue(0))),
});

/**
 * `SendSms` → send-sms. `provider` is optional for executions started by an earlier definition, which
 * never sent it; absent and `null` both mean "the send path chooses" (the primary, unless its breaker is open).
 */
export const SendSmsPayloadSchema = v.object({
  deliveryId,
  attempt,
  taskToken: v.pipe(v.string(), v.minLength(1)),
  provider: v.optional(v.nullable(v.picklist(SMS_PROVIDERS))),
});
export type SendSmsPayload = v.InferOutput<typeof SendSmsPayloadSchema>;

/** `SendEmail` → send-email. `attempt` numbers the EMAIL attempt item: one after the last SMS attempt. */
export const SendEmailPayloadSchema = v.object({ deliveryId, attempt });
export type SendEmailPayload = v.InferOutput<typeof SendEmailPayloadSchema>;

const code = v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case code'));

/** {@link SmsFailureReport}; `null` (set by `PrepareDelivery`) until Sinch reports a failure. */
const lastSmsFailure = v.nullable(
  v.object({
    attempt,
    class: v.picklist(FAILURE_CLASSES),
    reasonCode: code,
    subCode: v.optional(code),
    recipientInvalid: v.boolean(),
  }),
);

/**
 * `DecideNextStep` → decide-next: the state plus the error that ended the last attempt. `failure` is its
 * name; `lastError` the error as the state caught it (`Cause` holds the receipt processor's JSON for an
 * `Sms.<Class>`; `failedTask` is set by `NoteEmailFailure` when the email failed, not an SMS).
 * `emailFailures`, `lastSmsFailure` and `lastError` are optional for executions started by an earlier
 * definition, which never sent them.
 */
export const DecideNextPayloadSchema = v.object({
  deliveryId,
  expiresAt: timestamp,
  policy,
  attempt,
  failures: v.array(v.string()),
  emailFailures: v.optional(v.array(v.string()), []),
  lastSmsFailure: v.optional(lastSmsFailure, null),
  failure: v.pipe(v.string(), v.minLength(1)),
  lastError: v.optional(
    v.object({
      Error: v.nullish(v.string()),
      Cause: v.nullish(v.string()),
      failedTask: v.optional(v.picklist(['SendSms', 'SendEmail'])),
    }),
  ),
});
export type DecideNextPayload = v.InferOutput<typeof DecideNextPayloadSchema>;

/** What a path through the workflow ended with; `DELIVERED` becomes `DELIVERED_AFTER_RESEND` after attempt 1. */
export const FINAL_RESULTS = ['DELIVERED', 'EMAIL_SENT', 'UNDELIVERABLE', 'EXPIRED'] as const;
export type FinalResult = (typeof FINAL_RESULTS)[number];

/** `RecordOutcome` → record-outcome. `lastSmsFailure` is optional for executions of an earlier definition. */
export const RecordOutcomePayloadSchema = v.object({
  deliveryId,
  outcome: v.picklist(FINAL_RESULTS),
  attempt,
  failures: v.array(v.string()),
  lastSmsFailure: v.optional(lastSmsFailure, null),
});
export type RecordOutcomePayload = v.InferOutput<typeof RecordOutcomePayloadSchema>;

/** The `detail` of the `DeliveryOutcome` event `PublishOutcome` puts on the default bus. No personal data. */
export interface DeliveryOutcomeDetail {
  readonly deliveryId: string;
  readonly stage: string;
  readonly outcome: Outcome;
  /** SMS attempts made. */
  readonly smsAttempts: number;
  readonly emailSent: boolean;
  /** Error names of the failed SMS attempts, oldest first. */
  readonly failureClasses: readonly string[];
  /** Who sent each SMS attempt, in order (`sinch`, `aws-sms`); empty when none was sent. */
  readonly smsProviders: readonly SmsProviderId[];
  /**
   * The last SMS failure Sinch reported (class, reason code, and whether the number itself is wrong), or
   * `null` when Sinch reported none. `recipientInvalid: true` is the cue to ask the user to correct the number.
   */
  readonly lastSmsFailure: SmsFailureReport | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly outcomeAt: string;
  /** From the request being accepted to the outcome. */
  readonly secondsToOutcome: number;
}

export const DELIVERY_OUTCOME_DETAIL_TYPE = 'DeliveryOutcome';
export const DELIVERY_OUTCOME_SOURCE = 'receipt-driven-sms';

/**
 * Validates a task payload. A payload that breaks the contract is a bug in the ASL or the caller, reported as
 * a {@link ValidationError} naming each field (it reaches the workflow's final catch).
 */
export function parseTaskPayload<const TSchema extends v.GenericSchema>(
  schema: TSchema,
  payload: unknown,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, payload);
  if (result.success) return result.output;
  throw new ValidationError(
    result.issues.map((issue) => ({
      path: v.getDotPath(issue) ?? '(payload)',
      message: issue.message,
    })),
  );
}
