import * as v from 'valibot';
import { DELIVERY_ID_PATTERN, type DeliveryPolicy, type Outcome } from '../table/delivery-model';
import { ValidationError } from '../shared/errors';
import type { NextStep } from './next-step-policy';

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
  /** What `DecideNextStep` chose last. */
  readonly decision?: NextStep;
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

/** `SendSms` → send-sms. */
export const SendSmsPayloadSchema = v.object({
  deliveryId,
  attempt,
  taskToken: v.pipe(v.string(), v.minLength(1)),
});
export type SendSmsPayload = v.InferOutput<typeof SendSmsPayloadSchema>;

/** `SendEmail` → send-email. `attempt` numbers the EMAIL attempt item: one after the last SMS attempt. */
export const SendEmailPayloadSchema = v.object({ deliveryId, attempt });
export type SendEmailPayload = v.InferOutput<typeof SendEmailPayloadSchema>;

/** `DecideNextStep` → decide-next: the state plus the error name that ended the last attempt. */
export const DecideNextPayloadSchema = v.object({
  deliveryId,
  expiresAt: timestamp,
  policy,
  attempt,
  failures: v.array(v.string()),
  failure: v.pipe(v.string(), v.minLength(1)),
});
export type DecideNextPayload = v.InferOutput<typeof DecideNextPayloadSchema>;

/** What a path through the workflow ended with; `DELIVERED` becomes `DELIVERED_AFTER_RESEND` after attempt 1. */
export const FINAL_RESULTS = ['DELIVERED', 'EMAIL_SENT', 'UNDELIVERABLE', 'EXPIRED'] as const;
export type FinalResult = (typeof FINAL_RESULTS)[number];

/** `RecordOutcome` → record-outcome. */
export const RecordOutcomePayloadSchema = v.object({
  deliveryId,
  outcome: v.picklist(FINAL_RESULTS),
  attempt,
  failures: v.array(v.string()),
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
