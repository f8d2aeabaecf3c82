import { DEFAULT_POLICY } from '../../lib/table/delivery-model';
import { decodeEnvelope } from '../../lib/receipts/receipt-envelope';
import { SCENARIOS, scenarioFor } from '../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../local/stack';
import {
  logLinesContaining,
  observe,
  sendDelivery,
  storedSecrets,
  waitForOutcomes,
  type DeliveryObservation,
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';

/**
 * The local stack with the simulated Sinch in chaos mode (random duplicates, reordering, dropped reports,
 * webhook 5xx; seeded, so a failure replays with the same seed) and 200 deliveries, 80 of them to the
 * scenario numbers. Outcomes vary with the chaos; these invariants must not.
 */
const DELIVERIES = 200;
const SEED = 20_261_128;
const SCENARIO_DELIVERIES = 80;
const DELIVERED = scenarioFor('+46701740699');

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends with at most `limit` requests in flight, as a busy product service would. */
async function sendAll(
  stack: LocalStack,
  requests: DeliveryRequestForTest[],
  limit: number,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        statuses.push((await sendDelivery(stack, request)).status);
      }
    }),
  );
  return statuses;
}

describe(`local stack under chaos (${DELIVERIES} deliveries, seed ${SEED})`, () => {
  let stack: LocalStack;
  let requests: DeliveryRequestForTest[];
  let observations: Map<string, DeliveryObservation>;
  let parkedBodies: Set<string>;

  beforeAll(async () => {
    // ÷10 rather than --fast's ÷20: with a 3 s receipt timeout a loaded machine times out reports that are
    // merely slow, and every resend adds work; the invariants hold either way, the run is just longer.
    stack = await startLocalStack({ timeDivisor: 10, chaos: true, seed: SEED, stackFile: false });
    requests = Array.from({ length: DELIVERIES }, (_, i) => {
      // The first 80 go to the scenario numbers in turn, sent first because the slow ones (no report, late,
      // resends) wait out receipt timeouts; the rest go to ordinary numbers whose fate is left to the chaos.
      const scenario = i < SCENARIO_DELIVERIES ? SCENARIOS[i % SCENARIOS.length]! : DELIVERED;
      const text = `Your chaos code ${i} is 314159`;
      return {
        deliveryId: `chaos-${String(i).padStart(3, '0')}`,
        to: scenario === DELIVERED ? `+4670174069${i % 10}` : scenario.number,
        text,
        // Every tenth request has no email address, so UNDELIVERABLE happens too.
        ...(i % 10 === 9 ? {} : { email: { to: `chaos+${i}@example.com`, subject: 'Your code', text } }),
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      };
    });

    const statuses = await sendAll(stack, requests, 20);
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
    const executions = await waitForOutcomes(
      stack,
      requests.map((r) => r.deliveryId),
      120_000,
    );

    // Late reports keep coming after the outcomes; wait until Sinch has nothing left to send and the
    // receipts queue is empty, so every report that reached the ingress has been applied or parked.
    await stack.sinch.idle();
    const queueName = stack.queues.ReceiptsQueue!.name;
    await waitUntil(
      async () => {
        const queue = await stack.sqs.inspect(queueName);
        const { ready = [], delayed = [], inflight = [] } = queue?.messages ?? {};
        return ready.length + delayed.length + inflight.length === 0;
      },
      30_000,
      'draining the receipts queue',
    );
    observations = await observe(stack, requests, executions);
    const dlq = await stack.sqs.inspect(stack.queues.ReceiptsDlq!.name);
    parkedBodies = new Set(
      (dlq?.messages.ready ?? []).map((m) => decodeEnvelope(m.body)?.rawBody).filter((b): b is string => !!b),
    );
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('really was chaotic: reports dropped, duplicated, reordered and webhooks answered 5xx', () => {
    const reports = stack.sinch.reports;
    const tries = reports.flatMap((r) => r.delivery?.tries ?? []);

    expect(reports.filter((r) => r.dropped).length).toBeGreaterThan(0);
    expect(tries.filter((t) => t.fault === 'before').length).toBeGreaterThan(0);
    expect(tries.filter((t) => t.fault === 'after').length).toBeGreaterThan(0);
    // More webhook POSTs than reports that were sent: duplicates and retries.
    expect(tries.length).toBeGreaterThan(reports.filter((r) => !r.dropped).length);
  });

  it('ends every delivery with exactly one outcome, recorded once and published once', () => {
    const problems = [...observations.entries()]
      .filter(
        ([, o]) =>
          o.execution.status !== 'SUCCEEDED' ||
          !o.summary.outcome ||
          o.outcomeEvents.length !== 1 ||
          o.outcomeEvents[0]?.outcome !== o.summary.outcome,
      )
      .map(
        ([id, o]) =>
          `${id}: ${o.execution.status} ${o.summary.outcome} events=${JSON.stringify(o.outcomeEvents)}`,
      );

    expect(problems).toEqual([]);
  });

  it('sends an email only when the outcome is EMAIL_SENT, and then exactly one', () => {
    const problems = [...observations.entries()]
      .filter(([, o]) => o.emails !== (o.summary.outcome === 'EMAIL_SENT' ? 1 : 0))
      .map(([id, o]) => `${id}: ${o.summary.outcome} with ${o.emails} emails`);

    expect(problems).toEqual([]);
  });

  it(`never sends more SMS than maxSmsAttempts (${DEFAULT_POLICY.maxSmsAttempts})`, () => {
    const problems = [...observations.entries()]
      .filter(
        ([, o]) =>
          o.smsAccepted > DEFAULT_POLICY.maxSmsAttempts ||
          o.summary.smsAttempts > DEFAULT_POLICY.maxSmsAttempts,
      )
      .map(([id, o]) => `${id}: ${o.smsAccepted} SMS accepted, ${o.summary.smsAttempts} attempts`);

    expect(problems).toEqual([]);
  });

  it('applies or parks every signed report that reached the ingress', () => {
    const reached = stack.sinch.reports.filter((r) => r.delivery?.reachedReceiver);
    const missing = reached
      .filter((report) => {
        const attempt = observations
          .get(report.deliveryId ?? '')
          ?.summary.attempts.find((a) => a.channel === 'SMS' && a.attempt === report.attempt);
        const key = `${report.messageId}#${report.status}#${report.eventTime}`;
        return !attempt?.receipts?.some((receipt) => receipt.key === key) && !parkedBodies.has(report.body);
      })
      .map((r) => `${r.deliveryId}#${r.attempt} ${r.status} ${r.messageId}`);

    expect(reached.length).toBeGreaterThan(DELIVERIES);
    expect(missing).toEqual([]);
  });

  it('writes no phone number, email address, message text or secret to any log', async () => {
    const secrets = [stack.description.webhookSecret, ...(await storedSecrets(stack))];
    const personal = requests.flatMap((r) => [r.to, r.to.slice(1), r.text, ...(r.email ? [r.email.to] : [])]);

    expect(logLinesContaining(stack, [...new Set([...personal, ...secrets])])).toEqual([]);
  });
});
