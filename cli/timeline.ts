import type { FailureClass } from '../lib/shared/errors';
import type { DeliveryPolicy, Outcome } from '../lib/table/delivery-model';
import type { AttemptRecord, DeliveryRecord } from './records';
import { redactNumbers } from './redact';
import { providerOf, type SmsProviderId } from '../lib/shared/sms-providers';

/**
 * Builds the one timeline support reads for a delivery, from two sources that each know half the story:
 * the deliveries table (what was sent, every receipt Sinch signed, the outcome) and the workflow's
 * execution history (timeouts, decisions, waits, the email step, how the execution ended). Channel facts
 * come from the table and workflow facts from the history, so nothing is shown twice. Pure: no I/O, no
 * clock.
 */

/** State names of `statemachines/delivery.asl.yml` the timeline recognises. */
export const WORKFLOW_STATES = {
  sendSms: 'SendSms',
  decideNextStep: 'DecideNextStep',
  waitBeforeResend: 'WaitBeforeResend',
  sendEmail: 'SendEmail',
  recordOutcome: 'RecordOutcome',
} as const;

/**
 * The part of a Step Functions `HistoryEvent` the timeline reads. The SDK's type is assignable to it,
 * and fixtures stay small.
 */
export interface WorkflowEvent {
  readonly id?: number;
  readonly type?: string;
  readonly timestamp?: Date | string;
  readonly executionStartedEventDetails?: { readonly input?: string };
  readonly stateEnteredEventDetails?: { readonly name?: string; readonly input?: string };
  readonly taskSucceededEventDetails?: { readonly output?: string };
  readonly taskFailedEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly taskTimedOutEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly executionFailedEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly executionTimedOutEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly executionAbortedEventDetails?: { readonly error?: string; readonly cause?: string };
}

/** What a reason code means, for people. Supplied by the caller (the processor's classifier). */
export interface ReasonExplanation {
  readonly failureClass: FailureClass;
  readonly meaning: string;
}
/** `provider` is whose reason code it is: Sinch's codes and the secondary's event types have their own tables. */
export type ExplainReason = (
  reasonCode: string,
  subCode?: string,
  provider?: SmsProviderId,
) => ReasonExplanation;

export interface ReceiptView {
  readonly attempt: number;
  /** Who reported it: the provider that sent the attempt. */
  readonly provider: SmsProviderId;
  readonly messageId?: string;
  readonly status: string;
  /** When we received it (our clock). */
  readonly receivedAt: string;
  /** When the channel says it happened (Sinch's clock), if given. */
  readonly eventTime?: string;
  readonly reasonCode?: string;
  readonly subCode?: string;
  readonly failureClass?: FailureClass;
  readonly meaning?: string;
  /** Sinch's own description, with anything that looks like a phone number masked. */
  readonly description?: string;
  /** Arrived after the workflow had moved on from this attempt, or after the outcome. */
  readonly late: boolean;
}

export type TimelineEntry =
  | { readonly kind: 'requested'; readonly at: string; readonly expiresAt: string }
  | { readonly kind: 'started'; readonly at: string; readonly policy?: DeliveryPolicy }
  | {
      readonly kind: 'sms-sent';
      readonly at: string;
      readonly attempt: number;
      readonly provider: SmsProviderId;
      readonly messageId?: string;
      readonly resend: boolean;
    }
  | ({ readonly kind: 'receipt'; readonly at: string } & ReceiptView)
  | {
      readonly kind: 'timeout';
      readonly at: string;
      readonly attempt?: number;
      readonly afterSeconds?: number;
    }
  | {
      readonly kind: 'step-failed';
      readonly at: string;
      readonly state: string;
      readonly attempt?: number;
      readonly error: string;
      readonly detail?: string;
    }
  | {
      readonly kind: 'decision';
      readonly at: string;
      readonly action: string;
      readonly waitSeconds?: number;
      readonly reason?: string;
    }
  | { readonly kind: 'wait'; readonly at: string; readonly seconds?: number }
  | { readonly kind: 'email-sent'; readonly at: string; readonly to?: string }
  | { readonly kind: 'outcome'; readonly at: string; readonly outcome: Outcome; readonly afterMs?: number }
  | {
      readonly kind: 'execution-ended';
      readonly at: string;
      readonly status: ExecutionStatus;
      readonly error?: string;
      readonly detail?: string;
    };

export type TimelineKind = TimelineEntry['kind'];
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface AttemptView {
  readonly attempt: number;
  readonly channel: string;
  /** Who sent an SMS attempt. */
  readonly provider?: SmsProviderId;
  readonly messageId?: string;
  readonly sentAt: string;
  readonly status: string;
  readonly statusAt?: string;
  readonly reasonCode?: string;
  /** Why the send failed, in words, when there is no reason code (Sinch refused the request). */
  readonly reason?: string;
  readonly failureClass?: FailureClass;
  readonly meaning?: string;
  readonly receipts: number;
}

/** Everything `inspect` shows about one delivery; also its `--json` output. */
export interface DeliveryReport {
  readonly deliveryId: string;
  readonly recipient: string;
  readonly email: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** `IN_PROGRESS` until the workflow records an outcome. */
  readonly outcome: Outcome | 'IN_PROGRESS';
  readonly outcomeAt: string | null;
  readonly timeToOutcomeMs: number | null;
  readonly lateSmsDelivered: boolean;
  readonly executionArn: string | null;
  readonly executionStatus: ExecutionStatus | null;
  /** False when the history could not be read (expired after 90 days, or the local stack restarted). */
  readonly historyAvailable: boolean;
  readonly attempts: readonly AttemptView[];
  readonly timeline: readonly TimelineEntry[];
  readonly lateReceipts: readonly ReceiptView[];
}

export interface TimelineInput {
  readonly delivery: DeliveryRecord;
  readonly attempts: readonly AttemptRecord[];
  /** `undefined` when the execution history is not available. */
  readonly history?: readonly WorkflowEvent[];
  readonly executionStatus?: ExecutionStatus;
  /** The execution, when the caller found it another way than `executionArn` on the META item. */
  readonly executionArn?: string;
  readonly explainReason: ExplainReason;
}

const REASON_CODE = /^[A-Z][A-Z0-9_]*$/;

// When two entries share a timestamp (clocks with millisecond resolution), cause comes before effect.
const KIND_ORDER: Record<TimelineKind, number> = {
  requested: -1,
  started: 0,
  'sms-sent': 1,
  receipt: 2,
  timeout: 3,
  'step-failed': 4,
  decision: 5,
  wait: 6,
  'email-sent': 7,
  outcome: 8,
  'execution-ended': 9,
};

function isoOf(timestamp: Date | string | undefined): string | undefined {
  if (timestamp === undefined) return undefined;
  const date = timestamp instanceof Date ? timestamp : new Date(timestamp);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Finds DecideNextStep's `{action, waitSeconds, reason}` in a task output, whether the task returned it
 * directly or the `lambda:invoke` integration wrapped it in `Payload`.
 */
export function findDecision(
  output: string | undefined,
): { action: string; waitSeconds?: number; reason?: string } | undefined {
  const queue: unknown[] = [parseJson(output)];
  for (let depth = 0; depth < 3 && queue.length > 0; depth++) {
    const level = queue.splice(0);
    for (const value of level) {
      if (!isRecord(value)) continue;
      if (typeof value.action === 'string') {
        return {
          action: value.action,
          ...(typeof value.waitSeconds === 'number' ? { waitSeconds: value.waitSeconds } : {}),
          ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
        };
      }
      queue.push(...Object.values(value));
    }
  }
  return undefined;
}

/**
 * A Lambda error's `cause` is JSON `{errorType, errorMessage}`; an `Sms.*` failure's cause is
 * `SmsFailureCause`. Returns a short, redacted line for people.
 */
function describeCause(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  const parsed = parseJson(cause);
  let text = cause;
  if (isRecord(parsed)) {
    if (typeof parsed.errorMessage === 'string') text = parsed.errorMessage;
    else if (typeof parsed.reasonCode === 'string') text = parsed.reasonCode;
  }
  const line = redactNumbers(text.replace(/\s+/g, ' ').trim());
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function policyOf(input: string | undefined): DeliveryPolicy | undefined {
  const parsed = parseJson(input);
  if (!isRecord(parsed) || !isRecord(parsed.policy)) return undefined;
  const { maxSmsAttempts, receiptTimeoutSeconds, resendBackoffSeconds } = parsed.policy;
  if (typeof maxSmsAttempts !== 'number' || typeof receiptTimeoutSeconds !== 'number') return undefined;
  return {
    maxSmsAttempts,
    receiptTimeoutSeconds,
    resendBackoffSeconds: Array.isArray(resendBackoffSeconds)
      ? resendBackoffSeconds.filter((s): s is number => typeof s === 'number')
      : [],
  };
}

const EXECUTION_END: Record<string, ExecutionStatus> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

interface HistoryFacts {
  readonly entries: TimelineEntry[];
  readonly emailSentAt?: string;
  readonly endedStatus?: ExecutionStatus;
}

/** Walks the history in order, remembering which state each task event belongs to. */
function readHistory(history: readonly WorkflowEvent[], delivery: DeliveryRecord): HistoryFacts {
  const entries: TimelineEntry[] = [];
  const ordered = [...history].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  let state: string | undefined;
  let smsAttempt = 0;
  let lastWaitSeconds: number | undefined;
  let timeoutSeconds = delivery.policy?.receiptTimeoutSeconds;
  let emailSentAt: string | undefined;
  let endedStatus: ExecutionStatus | undefined;

  for (const event of ordered) {
    const at = isoOf(event.timestamp);
    if (at === undefined || event.type === undefined) continue;
    const type = event.type;

    if (type === 'ExecutionStarted') {
      const policy = policyOf(event.executionStartedEventDetails?.input);
      if (policy) timeoutSeconds = policy.receiptTimeoutSeconds;
      entries.push(policy ? { kind: 'started', at, policy } : { kind: 'started', at });
    } else if (type.endsWith('StateEntered')) {
      state = event.stateEnteredEventDetails?.name;
      if (state === WORKFLOW_STATES.sendSms) smsAttempt += 1;
      if (type === 'WaitStateEntered') {
        entries.push(
          lastWaitSeconds === undefined
            ? { kind: 'wait', at }
            : { kind: 'wait', at, seconds: lastWaitSeconds },
        );
      }
    } else if (type === 'TaskSucceeded') {
      if (state === WORKFLOW_STATES.decideNextStep) {
        const decision = findDecision(event.taskSucceededEventDetails?.output);
        if (decision) {
          lastWaitSeconds = decision.waitSeconds;
          entries.push({ kind: 'decision', at, ...decision });
        }
      } else if (state === WORKFLOW_STATES.sendEmail) {
        emailSentAt = at;
      }
    } else if (
      type === 'TaskTimedOut' ||
      (type === 'TaskFailed' && event.taskFailedEventDetails?.error === 'States.Timeout')
    ) {
      const attempt = state === WORKFLOW_STATES.sendSms ? { attempt: smsAttempt } : {};
      entries.push({
        kind: 'timeout',
        at,
        ...attempt,
        ...(state === WORKFLOW_STATES.sendSms && timeoutSeconds !== undefined
          ? { afterSeconds: timeoutSeconds }
          : {}),
      });
    } else if (type === 'TaskFailed') {
      const error = event.taskFailedEventDetails?.error ?? 'Error';
      // An SMS failure reported by a receipt is already on the timeline as that receipt.
      if (state === WORKFLOW_STATES.sendSms && error.startsWith('Sms.')) continue;
      const detail = describeCause(event.taskFailedEventDetails?.cause);
      entries.push({
        kind: 'step-failed',
        at,
        state: state ?? 'unknown',
        ...(state === WORKFLOW_STATES.sendSms ? { attempt: smsAttempt } : {}),
        error,
        ...(detail ? { detail } : {}),
      });
    } else if (type in EXECUTION_END) {
      endedStatus = EXECUTION_END[type]!;
      const details =
        event.executionFailedEventDetails ??
        event.executionTimedOutEventDetails ??
        event.executionAbortedEventDetails;
      const detail = describeCause(details?.cause);
      entries.push({
        kind: 'execution-ended',
        at,
        status: endedStatus,
        ...(details?.error ? { error: details.error } : {}),
        ...(detail ? { detail } : {}),
      });
    }
  }
  return {
    entries,
    ...(emailSentAt ? { emailSentAt } : {}),
    ...(endedStatus ? { endedStatus } : {}),
  };
}

function receiptViews(
  attempt: AttemptRecord,
  outcomeAt: string | undefined,
  explainReason: ExplainReason,
): ReceiptView[] {
  return (attempt.receipts ?? []).map((receipt) => {
    const explained = receipt.reasonCode
      ? explainReason(receipt.reasonCode, receipt.subCode, providerOf(attempt))
      : undefined;
    const failureClass = receipt.failureClass ?? explained?.failureClass;
    const afterOutcome = outcomeAt !== undefined && receipt.receivedAt > outcomeAt;
    return {
      attempt: attempt.attempt,
      provider: providerOf(attempt),
      ...(attempt.messageId ? { messageId: attempt.messageId } : {}),
      status: receipt.status,
      receivedAt: receipt.receivedAt,
      ...(receipt.eventTime ? { eventTime: receipt.eventTime } : {}),
      ...(receipt.reasonCode ? { reasonCode: receipt.reasonCode } : {}),
      ...(receipt.subCode ? { subCode: receipt.subCode } : {}),
      ...(failureClass ? { failureClass } : {}),
      ...(explained ? { meaning: explained.meaning } : {}),
      ...(receipt.description ? { description: redactNumbers(receipt.description) } : {}),
      late: receipt.late === true || afterOutcome,
    };
  });
}

function attemptView(
  attempt: AttemptRecord,
  receipts: readonly ReceiptView[],
  explainReason: ExplainReason,
): AttemptView {
  // The attempt item says why it failed; if it does not (yet), its FAILED receipt does.
  const failedReceipt = receipts.filter((r) => r.status === 'FAILED' && !r.late).at(-1);
  // `reason` is a Sinch reason code when a receipt failed the attempt, and a sentence when Sinch refused
  // the send request itself; only a code has an entry in the classifier.
  const storedCode = attempt.reason && REASON_CODE.test(attempt.reason) ? attempt.reason : undefined;
  const reasonText = attempt.reason && !storedCode ? redactNumbers(attempt.reason) : undefined;
  const reasonCode = storedCode ?? failedReceipt?.reasonCode;
  const explained = reasonCode ? explainReason(reasonCode, undefined, providerOf(attempt)) : undefined;
  const failureClass = attempt.class ?? failedReceipt?.failureClass ?? explained?.failureClass;
  return {
    attempt: attempt.attempt,
    channel: attempt.channel,
    ...(attempt.channel === 'SMS' && { provider: providerOf(attempt) }),
    ...(attempt.messageId ? { messageId: attempt.messageId } : {}),
    sentAt: attempt.sentAt,
    status: attempt.status,
    ...(attempt.statusAt ? { statusAt: attempt.statusAt } : {}),
    ...(reasonCode ? { reasonCode } : {}),
    ...(reasonText ? { reason: reasonText } : {}),
    ...(failureClass ? { failureClass } : {}),
    ...(explained ? { meaning: explained.meaning } : {}),
    receipts: receipts.length,
  };
}

/**
 * Merges the stored delivery, its attempts and the execution history into one report.
 *
 * @example
 * const report = buildDeliveryReport({ delivery, attempts, history, explainReason });
 * report.timeline.map((e) => e.kind); // ['requested', 'started', 'sms-sent', 'receipt', 'decision', ...]
 */
export function buildDeliveryReport(input: TimelineInput): DeliveryReport {
  const { delivery, explainReason } = input;
  const attempts = [...input.attempts].sort((a, b) => a.attempt - b.attempt);
  const facts = input.history ? readHistory(input.history, delivery) : { entries: [] as TimelineEntry[] };
  const entries: TimelineEntry[] = [...facts.entries];
  const attemptViews: AttemptView[] = [];
  const allReceipts: ReceiptView[] = [];
  let smsCount = 0;
  let emailFromTable = false;

  for (const attempt of attempts) {
    const receipts = receiptViews(attempt, delivery.outcomeAt, explainReason);
    attemptViews.push(attemptView(attempt, receipts, explainReason));
    allReceipts.push(...receipts);
    if (attempt.channel === 'EMAIL') {
      emailFromTable = true;
      entries.push({
        kind: 'email-sent',
        at: attempt.sentAt,
        ...(delivery.emailMasked ? { to: delivery.emailMasked } : {}),
      });
      continue;
    }
    smsCount += 1;
    entries.push({
      kind: 'sms-sent',
      at: attempt.sentAt,
      attempt: attempt.attempt,
      provider: providerOf(attempt),
      ...(attempt.messageId ? { messageId: attempt.messageId } : {}),
      resend: smsCount > 1,
    });
    for (const receipt of receipts) entries.push({ kind: 'receipt', at: receipt.receivedAt, ...receipt });
  }

  if (!emailFromTable && facts.emailSentAt) {
    entries.push({
      kind: 'email-sent',
      at: facts.emailSentAt,
      ...(delivery.emailMasked ? { to: delivery.emailMasked } : {}),
    });
  }
  // The request is where the clock starts for the user, so offsets and the time to outcome agree.
  entries.push({ kind: 'requested', at: delivery.createdAt, expiresAt: delivery.expiresAt });

  const timeToOutcomeMs = delivery.outcomeAt
    ? Date.parse(delivery.outcomeAt) - Date.parse(delivery.createdAt)
    : null;
  if (delivery.outcome && delivery.outcomeAt) {
    entries.push({
      kind: 'outcome',
      at: delivery.outcomeAt,
      outcome: delivery.outcome,
      ...(timeToOutcomeMs !== null && Number.isFinite(timeToOutcomeMs) ? { afterMs: timeToOutcomeMs } : {}),
    });
  }

  const timeline = entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        Date.parse(a.entry.at) - Date.parse(b.entry.at) ||
        KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind] ||
        a.index - b.index,
    )
    .map(({ entry }) => entry);

  return {
    deliveryId: delivery.deliveryId,
    recipient: delivery.toMasked,
    email: delivery.emailMasked ?? null,
    createdAt: delivery.createdAt,
    expiresAt: delivery.expiresAt,
    outcome: delivery.outcome ?? 'IN_PROGRESS',
    outcomeAt: delivery.outcomeAt ?? null,
    timeToOutcomeMs: timeToOutcomeMs !== null && Number.isFinite(timeToOutcomeMs) ? timeToOutcomeMs : null,
    lateSmsDelivered: delivery.lateSmsDelivered === true,
    executionArn: input.executionArn ?? delivery.executionArn ?? null,
    executionStatus: input.executionStatus ?? facts.endedStatus ?? (input.history ? 'RUNNING' : null),
    historyAvailable: input.history !== undefined,
    attempts: attemptViews,
    timeline,
    lateReceipts: allReceipts.filter((r) => r.late),
  };
}
