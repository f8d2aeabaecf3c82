import { FAILURE_CLASSES, type FailureClass } from '../shared/errors';
import type { KnownReasonCode } from '../receipts/reason-classifier';
import type { KnownAwsSmsEventType } from '../receipts/aws-sms-events';

/**
 * The last SMS failure Sinch reported for a delivery, as the `DeliveryOutcome` event tells it to product
 * systems: the failure class and Sinch's reason code, and whether the number itself is wrong (so the
 * product can ask the user to correct it). No number and nothing personal: a class, a code and a flag.
 *
 * The source is the `SendTaskFailure` the receipt processor sends when a signed report says `FAILED`:
 * error `Sms.<Class>`, cause `{"reasonCode", "subCode"?, …}` (`SmsFailureCause` in
 * `lib/table/delivery-model.ts`). `DecideNextStep` receives that error as the workflow caught it and keeps
 * the summary in the workflow state until `RecordOutcome` puts it in the event.
 */

/** One reported SMS failure, summarised. */
export interface SmsFailureReport {
  /** The SMS attempt Sinch reported on, from 1. */
  readonly attempt: number;
  /** The class the reason-code policy gave the failure (docs/reason-codes.md). */
  readonly class: FailureClass;
  /** Sinch's `reason.code` (`UNKNOWN` when the report carried none, or one that does not look like a code). */
  readonly reasonCode: string;
  /** Sinch's `reason.sub_code`, when the report carried one. */
  readonly subCode?: string;
  /**
   * True when the reason means the number itself is wrong for SMS whoever delivers it, so sending to it
   * again can never work: the user should correct it. False for everything else, including a handset that
   * is merely unreachable.
   */
  readonly recipientInvalid: boolean;
}

/**
 * The reason codes (Sinch's, and the secondary's event types) that say the number itself is wrong. `RECIPIENT_NOT_REACHABLE` and `NO_CHANNELS_LEFT`
 * are `Permanent` too, but say nothing about the number: a phone that is off or abroad reports them.
 */
export const RECIPIENT_INVALID_REASON_CODES: ReadonlySet<string> = new Set<
  KnownReasonCode | KnownAwsSmsEventType
>(['RECIPIENT_INVALID_CHANNEL_IDENTITY', 'TEXT_INVALID']);

// Sinch's reason codes and sub-codes are upper-case enum names; the enums are open, but anything else
// (free text, an address) is not a code and never reaches the event.
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const SMS_ERROR_PATTERN = /^Sms\.(\w+)$/;

function parseCause(cause: string | undefined): Record<string, unknown> {
  if (cause === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(cause);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function asCode(value: unknown): string | undefined {
  return typeof value === 'string' && CODE_PATTERN.test(value) ? value : undefined;
}

/**
 * Summarises the error that ended SMS attempt `attempt`, when it was a failure Sinch reported
 * (`Sms.<Class>`); anything else (no report in time, Sinch or AWS unavailable) is not a report and gives
 * `undefined`.
 *
 * @example
 * reportedSmsFailure('Sms.Permanent', '{"reasonCode":"RECIPIENT_INVALID_CHANNEL_IDENTITY","messageId":"m-1","attempt":1}', 1);
 * // { attempt: 1, class: 'Permanent', reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY', recipientInvalid: true }
 * reportedSmsFailure('States.Timeout', undefined, 2); // undefined
 */
export function reportedSmsFailure(
  error: string,
  cause: string | undefined,
  attempt: number,
): SmsFailureReport | undefined {
  const failureClass = SMS_ERROR_PATTERN.exec(error)?.[1];
  if (!(FAILURE_CLASSES as readonly string[]).includes(failureClass ?? '')) return undefined;
  const fields = parseCause(cause);
  const reasonCode = asCode(fields.reasonCode) ?? 'UNKNOWN';
  const subCode = asCode(fields.subCode);
  return {
    attempt,
    class: failureClass as FailureClass,
    reasonCode,
    ...(subCode !== undefined && { subCode }),
    // A sub-code that moved the failure out of Permanent (INACTIVE_SENDER → Config) blames us, not the number.
    recipientInvalid: failureClass === 'Permanent' && RECIPIENT_INVALID_REASON_CODES.has(reasonCode),
  };
}
