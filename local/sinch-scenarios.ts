import { DEFAULT_POLICY, type Outcome } from '../lib/table/delivery-model';
import type { FailureClass } from '../lib/shared/errors';

/**
 * What the simulated Sinch does, chosen by the recipient number: the "magic numbers" of the local stack,
 * in the spirit of Stripe's test cards. Every number is in the Swedish range 070-174 06 05 … 06 99, which
 * the regulator (PTS) reserves for fiction, so a scenario number can never reach a real phone; the numbers
 * are also valid mobile numbers, so the send API accepts them. Any number not listed behaves as
 * `delivered`.
 *
 * `expected` is what the real workflow must end with under the default policy (3 SMS attempts, 60 s
 * receipt timeout, resend backoff 10 s then 30 s) and an email address in the request; the end-to-end tests
 * assert exactly these figures.
 */

export type ReportStatus = 'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'FAILED';

/** The `reason` of a FAILED report, as Sinch sends it. */
export interface ReportReason {
  readonly code: string;
  readonly subCode: string;
  readonly description: string;
}

/** One delivery report the simulator sends for an accepted message. */
export interface PlannedReport {
  readonly status: ReportStatus;
  /** Modelled seconds after the send was accepted (scaled by `--fast`). */
  readonly afterSeconds: number;
  readonly reason?: ReportReason;
  /** How many times the same report is POSTed (each with its own signature); 1 unless a scenario says otherwise. */
  readonly copies?: number;
}

/** How `messages:send` answers for a scenario number. */
export type SendBehaviour =
  /** 200 with a message id. */
  | 'accept'
  /** 503 to the first request of each delivery, then 200. */
  | 'unavailable-once'
  /** 429 to the first request of each delivery, then 200. */
  | 'rate-limited-once'
  /** 400 to every request (a request Sinch refuses, e.g. a recipient it does not accept). */
  | 'reject'
  /** 503 to every request: Sinch is down for this number. */
  | 'unavailable';

export interface ExpectedResult {
  readonly outcome: Outcome;
  /** Sends that Sinch accepted (each is one SMS attempt of the workflow). */
  readonly smsSends: number;
  readonly emails: number;
  /** True when a DELIVERED report arrives after the workflow stopped waiting for it. */
  readonly lateSmsDelivered?: boolean;
  /** SMS sent through the secondary provider (only on a stack with failover on). */
  readonly secondarySends?: number;
}

export interface Scenario {
  readonly id: string;
  /** E.164. */
  readonly number: string;
  readonly title: string;
  readonly send: SendBehaviour;
  /** The reports for the n-th accepted send of one delivery (0 = first attempt). */
  readonly reports: (attemptIndex: number) => readonly PlannedReport[];
  readonly expected: ExpectedResult;
  /**
   * What the workflow ends with on a stack with the secondary provider on (`--failover`), when that differs:
   * the failover table (lib/workflow/failover-rules.ts) moves the delivery to AWS End User Messaging SMS,
   * whose stand-in delivers every scenario number.
   */
  readonly expectedWithFailover?: ExpectedResult;
}

/** Delivered by the secondary after `sinchSends` SMS Sinch accepted. */
function deliveredThroughSecondary(sinchSends: number): ExpectedResult {
  return { outcome: 'DELIVERED_AFTER_RESEND', smsSends: sinchSends, secondarySends: 1, emails: 0 };
}

/** A report is normally queued on the channel within a second and delivered a couple of seconds later. */
export const QUEUED_AFTER_SECONDS = 0.5;
export const DELIVERED_AFTER_SECONDS = 2;
/** Late reports arrive this long after the send: 15 s after the default receipt timeout. */
export const LATE_AFTER_SECONDS = DEFAULT_POLICY.receiptTimeoutSeconds + 15;

const queued: PlannedReport = { status: 'QUEUED_ON_CHANNEL', afterSeconds: QUEUED_AFTER_SECONDS };
const delivered: PlannedReport = { status: 'DELIVERED', afterSeconds: DELIVERED_AFTER_SECONDS };

/** The reason code the simulator uses for each failure class (the classification is the processor's). */
export const REASON_BY_CLASS: Readonly<Record<FailureClass, ReportReason>> = {
  Permanent: {
    code: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The underlying channel reported: unknown subscriber',
  },
  Transient: {
    code: 'DELIVERY_TIMED_OUT',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The underlying channel reported: delivery timed out',
  },
  RateLimited: {
    code: 'RATE_LIMITED',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The message was not sent because of rate limiting',
  },
  Policy: {
    code: 'DELIVERY_REJECTED_DUE_TO_POLICY',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The underlying channel rejected the message because of a policy',
  },
  Config: {
    code: 'CHANNEL_BAD_CONFIGURATION',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The channel configuration of the app is wrong',
  },
  Unknown: {
    code: 'UNKNOWN',
    subCode: 'UNSPECIFIED_SUB_CODE',
    description: 'The underlying channel reported an unknown error',
  },
};

function failedWith(failureClass: FailureClass): PlannedReport[] {
  return [
    queued,
    { status: 'FAILED', afterSeconds: DELIVERED_AFTER_SECONDS, reason: REASON_BY_CLASS[failureClass] },
  ];
}

const maxAttempts = DEFAULT_POLICY.maxSmsAttempts;

/** Fails every attempt with the class's reason code. */
function failureScenario(
  id: string,
  number: string,
  failureClass: FailureClass,
  resends: boolean,
  expectedWithFailover?: ExpectedResult,
): Scenario {
  return {
    id,
    number,
    title: `FAILED with ${REASON_BY_CLASS[failureClass].code} (${failureClass}) on every attempt`,
    send: 'accept',
    reports: () => failedWith(failureClass),
    expected: { outcome: 'EMAIL_SENT', smsSends: resends ? maxAttempts : 1, emails: 1 },
    ...(expectedWithFailover && { expectedWithFailover }),
  };
}

/** The scenario table, in the order the README and the demo show it. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'delivered',
    number: '+46701740610',
    title: 'QUEUED_ON_CHANNEL then DELIVERED',
    send: 'accept',
    reports: () => [queued, delivered],
    expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
  },
  {
    id: 'duplicate-reports',
    number: '+46701740611',
    title: 'every report POSTed three times',
    send: 'accept',
    reports: () => [
      { ...queued, copies: 3 },
      { ...delivered, copies: 3 },
    ],
    expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
  },
  {
    id: 'delivered-before-queued',
    number: '+46701740612',
    title: 'DELIVERED arrives before QUEUED_ON_CHANNEL',
    send: 'accept',
    reports: () => [
      { status: 'DELIVERED', afterSeconds: QUEUED_AFTER_SECONDS },
      { status: 'QUEUED_ON_CHANNEL', afterSeconds: DELIVERED_AFTER_SECONDS },
    ],
    expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
  },
  {
    id: 'fails-then-delivers',
    number: '+46701740613',
    title: 'first attempt FAILED (Transient), second attempt DELIVERED',
    send: 'accept',
    reports: (attemptIndex) => (attemptIndex === 0 ? failedWith('Transient') : [queued, delivered]),
    expected: { outcome: 'DELIVERED_AFTER_RESEND', smsSends: 2, emails: 0 },
  },
  {
    id: 'late',
    number: '+46701740614',
    title: `DELIVERED only ${LATE_AFTER_SECONDS} s after each send, after the receipt timeout`,
    send: 'accept',
    reports: () => [queued, { status: 'DELIVERED', afterSeconds: LATE_AFTER_SECONDS }],
    expected: { outcome: 'EMAIL_SENT', smsSends: maxAttempts, emails: 1, lateSmsDelivered: true },
  },
  {
    id: 'no-report',
    number: '+46701740615',
    title: 'never any delivery report',
    send: 'accept',
    reports: () => [],
    expected: { outcome: 'EMAIL_SENT', smsSends: maxAttempts, emails: 1 },
  },
  failureScenario('failed-permanent', '+46701740620', 'Permanent', false),
  failureScenario('failed-transient', '+46701740621', 'Transient', true),
  failureScenario('failed-rate-limited', '+46701740622', 'RateLimited', true),
  failureScenario('failed-policy', '+46701740623', 'Policy', false),
  failureScenario('failed-config', '+46701740624', 'Config', false, deliveredThroughSecondary(1)),
  failureScenario('failed-unknown', '+46701740625', 'Unknown', true, deliveredThroughSecondary(2)),
  {
    id: 'send-503',
    number: '+46701740630',
    title: 'messages:send answers 503 once, then accepts',
    send: 'unavailable-once',
    reports: () => [queued, delivered],
    expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
  },
  {
    id: 'send-429',
    number: '+46701740631',
    title: 'messages:send answers 429 once, then accepts',
    send: 'rate-limited-once',
    reports: () => [queued, delivered],
    expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
  },
  {
    id: 'send-400',
    number: '+46701740632',
    title: 'messages:send answers 400 to every request',
    send: 'reject',
    reports: () => [],
    expected: { outcome: 'EMAIL_SENT', smsSends: 0, emails: 1 },
    expectedWithFailover: deliveredThroughSecondary(0),
  },
  {
    id: 'sinch-unavailable',
    number: '+46701740633',
    title: 'messages:send answers 503 to every request',
    send: 'unavailable',
    reports: () => [],
    expected: { outcome: 'EMAIL_SENT', smsSends: 0, emails: 1 },
    expectedWithFailover: deliveredThroughSecondary(0),
  },
];

const DEFAULT_SCENARIO = SCENARIOS[0]!;

/** The scenario for a recipient, accepting the number with or without its leading `+`. */
export function scenarioFor(recipient: string): Scenario {
  const e164 = recipient.startsWith('+') ? recipient : `+${recipient}`;
  return SCENARIOS.find((scenario) => scenario.number === e164) ?? DEFAULT_SCENARIO;
}

/** A row of the scenario table as written to `.local/stack.json` and the README. */
export interface ScenarioRow {
  readonly number: string;
  readonly scenario: string;
  readonly title: string;
  readonly expected: ExpectedResult;
  readonly expectedWithFailover?: ExpectedResult;
}

export function scenarioTable(): ScenarioRow[] {
  return SCENARIOS.map((s) => ({
    number: s.number,
    scenario: s.id,
    title: s.title,
    expected: s.expected,
    ...(s.expectedWithFailover && { expectedWithFailover: s.expectedWithFailover }),
  }));
}
