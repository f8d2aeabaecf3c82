import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { decodeEnvelope } from '../../lib/receipts/receipt-envelope';
import { DEFAULT_POLICY } from '../../lib/table/delivery-model';
import type { LocalStack } from '../../local/stack';
import {
  observe,
  waitForOutcomes,
  type DeliveryObservation,
  type DeliveryRequestForTest,
} from './local-stack-deliveries';

/**
 * The promise of the product, as checks over what every part of a local stack saw: each check returns
 * the deliveries or reports that break it (empty when it holds), so a failing test names them. Shared by
 * the chaos test and the fault matrix, which vary what goes wrong and keep the same invariants.
 */

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Everything the invariants need once a run is over. */
export interface FinishedRun {
  readonly observations: Map<string, DeliveryObservation>;
  /** Raw bodies of the reports kept in the DLQ or set aside as orphans, with their `parkedReason`. */
  readonly keptBodies: ReadonlyMap<string, string>;
}

/** Sends with at most `limit` requests in flight, as a busy product service would; returns the statuses. */
export async function sendAll(
  stack: LocalStack,
  requests: readonly DeliveryRequestForTest[],
  limit: number,
  send: (stack: LocalStack, request: DeliveryRequestForTest) => Promise<{ status: number }>,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        statuses.push((await send(stack, request)).status);
      }
    }),
  );
  return statuses;
}

/**
 * Waits for every workflow to end, then until the simulated Sinch has nothing left to send (late reports,
 * retries, replays) and the receipts queue is empty, so every report that reached the ingress has been
 * applied or kept; then gathers what each part saw.
 */
export async function finishRun(
  stack: LocalStack,
  requests: readonly DeliveryRequestForTest[],
  timeoutMs: number,
): Promise<FinishedRun> {
  const executions: Map<string, DescribeExecutionOutput> = await waitForOutcomes(
    stack,
    requests.map((r) => r.deliveryId),
    timeoutMs,
  );
  await drainReceipts(stack, timeoutMs);
  const observations = await observe(stack, requests, executions);
  return { observations, keptBodies: await keptReportBodies(stack) };
}

/** Waits until the simulated Sinch has nothing left to send and the receipts queue is empty. */
export async function drainReceipts(stack: LocalStack, timeoutMs: number): Promise<void> {
  await stack.sinch.idle();
  const queueName = stack.queues.ReceiptsQueue!.name;
  await waitUntil(
    async () => {
      const queue = await stack.sqs.inspect(queueName);
      const { ready = [], delayed = [], inflight = [] } = queue?.messages ?? {};
      return ready.length + delayed.length + inflight.length === 0;
    },
    timeoutMs,
    'draining the receipts queue',
  );
}

/** Raw bodies of the reports kept in the DLQ or set aside on the orphans queue, with their reason. */
export async function keptReportBodies(stack: LocalStack): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  for (const queue of [stack.queues.ReceiptsDlq, stack.queues.ReceiptsOrphansQueue]) {
    if (!queue) continue;
    const inspected = await stack.sqs.inspect(queue.name);
    for (const message of inspected?.messages.ready ?? []) {
      const rawBody = decodeEnvelope(message.body)?.rawBody;
      const reason = message.messageAttributes?.parkedReason?.StringValue ?? '';
      if (rawBody !== undefined) kept.set(rawBody, reason);
    }
  }
  return kept;
}

/** Deliveries that did not end with exactly one outcome, recorded once and published once. */
export function notExactlyOneOutcome(run: FinishedRun): string[] {
  return [...run.observations.entries()]
    .filter(
      ([, o]) =>
        o.execution.status !== 'SUCCEEDED' ||
        !o.summary.outcome ||
        o.outcomeEvents.length !== 1 ||
        o.outcomeEvents[0]?.outcome !== o.summary.outcome,
    )
    .map(
      ([id, o]) =>
        `${id}: ${o.execution.status}${o.execution.error ? ` (${o.execution.error}: ${o.execution.cause?.slice(0, 300)})` : ''} ` +
        `${o.summary.outcome} events=${JSON.stringify(o.outcomeEvents)}`,
    );
}

/** Deliveries whose email count is not exactly one for EMAIL_SENT and zero otherwise. */
export function wrongEmailCount(run: FinishedRun): string[] {
  return [...run.observations.entries()]
    .filter(([, o]) => o.emails !== (o.summary.outcome === 'EMAIL_SENT' ? 1 : 0))
    .map(([id, o]) => `${id}: ${o.summary.outcome} with ${o.emails} emails`);
}

/**
 * Deliveries that sent more SMS than the policy allows, or more than one for an attempt (a retried send
 * that Sinch had already taken).
 */
export function tooManySms(run: FinishedRun, maxSmsAttempts = DEFAULT_POLICY.maxSmsAttempts): string[] {
  return [...run.observations.entries()]
    .filter(
      ([, o]) =>
        o.smsAccepted > Math.min(maxSmsAttempts, o.summary.smsAttempts) ||
        o.summary.smsAttempts > maxSmsAttempts,
    )
    .map(([id, o]) => `${id}: ${o.smsAccepted} SMS accepted, ${o.summary.smsAttempts} attempts`);
}

/**
 * Signed reports lost: every report the simulated Sinch did not drop on purpose must have been
 * acknowledged by the ingress (2xx) at some try, and then be recorded on its attempt or kept with a
 * reason (DLQ or orphans).
 */
export function lostReports(stack: LocalStack, run: FinishedRun): string[] {
  return stack.sinch.reports
    .filter((report) => !report.dropped)
    .filter((report) => {
      const acknowledged = report.delivery?.state === 'acknowledged';
      const attempt = run.observations
        .get(report.deliveryId ?? '')
        ?.summary.attempts.find((a) => a.channel === 'SMS' && a.attempt === report.attempt);
      const key = `${report.messageId}#${report.status}#${report.eventTime}`;
      const applied = attempt?.receipts?.some((receipt) => receipt.key === key) ?? false;
      return !acknowledged || (!applied && !run.keptBodies.has(report.body));
    })
    .map(
      (r) =>
        `${r.deliveryId}#${r.attempt} ${r.status} ${r.messageId}: ${r.delivery?.state ?? 'never sent'}, ` +
        `tries ${(r.delivery?.tries ?? []).map((t) => t.status ?? t.error).join(',')}`,
    );
}

/** Deliveries that ended UNDELIVERABLE or EXPIRED although an email address and validity remained. */
export function givenUpTooEarly(run: FinishedRun, requests: readonly DeliveryRequestForTest[]): string[] {
  const withEmail = new Set(requests.filter((r) => r.email).map((r) => r.deliveryId));
  return [...run.observations.entries()]
    .filter(
      ([id, o]) =>
        withEmail.has(id) && (o.summary.outcome === 'UNDELIVERABLE' || o.summary.outcome === 'EXPIRED'),
    )
    .map(([id, o]) => `${id}: ${o.summary.outcome}`);
}
