import { DEFAULT_POLICY } from '../../lib/table/delivery-model';
import { SCENARIOS, scenarioFor } from '../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../local/stack';
import {
  finishRun,
  lostReports,
  notExactlyOneOutcome,
  sendAll,
  tooManySms,
  wrongEmailCount,
  type FinishedRun,
} from '../support/delivery-invariants';
import {
  logLinesContaining,
  sendDelivery,
  storedSecrets,
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';
import { RUN_HANG_MS, SETUP_HANG_MS } from '../support/patience';

/**
 * The local stack with the simulated Sinch in chaos mode (random duplicates, reordering, dropped reports,
 * webhook 5xx; seeded, so a failure replays with the same seed) and 200 deliveries, 80 of them to the
 * scenario numbers. Outcomes vary with the chaos; these invariants must not.
 */
const DELIVERIES = 200;
const SEED = 20_261_128;
const SCENARIO_DELIVERIES = 80;
const DELIVERED = scenarioFor('+46701740699');

describe(`local stack under chaos (${DELIVERIES} deliveries, seed ${SEED})`, () => {
  let stack: LocalStack;
  let requests: DeliveryRequestForTest[];
  let run: FinishedRun;

  beforeAll(async () => {
    stack = await startLocalStack({ fast: true, chaos: true, seed: SEED, stackFile: false });
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

    const statuses = await sendAll(stack, requests, 20, sendDelivery);
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
    // Late reports keep coming after the outcomes; finishRun waits until Sinch has nothing left to send and
    // the receipts queue is empty, so every report that reached the ingress has been applied or kept.
    run = await finishRun(stack, requests, RUN_HANG_MS);
  }, SETUP_HANG_MS);

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
    expect(notExactlyOneOutcome(run)).toEqual([]);
  });

  it('sends an email only when the outcome is EMAIL_SENT, and then exactly one', () => {
    expect(wrongEmailCount(run)).toEqual([]);
  });

  it(`never sends more SMS than maxSmsAttempts (${DEFAULT_POLICY.maxSmsAttempts})`, () => {
    expect(tooManySms(run)).toEqual([]);
  });

  it('applies or keeps every signed report Sinch did not drop', () => {
    expect(stack.sinch.reports.filter((r) => r.delivery?.reachedReceiver).length).toBeGreaterThan(DELIVERIES);
    expect(lostReports(stack, run)).toEqual([]);
  });

  it('writes no phone number, email address, message text or secret to any log', async () => {
    const secrets = [stack.description.webhookSecret, ...(await storedSecrets(stack))];
    const personal = requests.flatMap((r) => [r.to, r.to.slice(1), r.text, ...(r.email ? [r.email.to] : [])]);

    expect(logLinesContaining(stack, [...new Set([...personal, ...secrets])])).toEqual([]);
  });
});
