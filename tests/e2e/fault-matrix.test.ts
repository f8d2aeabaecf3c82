import { inspect } from 'node:util';
import type { Faults } from '../../local/faults';
import { SCENARIOS } from '../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../local/stack';
import {
  finishRun,
  givenUpTooEarly,
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
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';
import { RUN_HANG_MS } from '../support/patience';

/**
 * The promise under the AWS-side faults production sees: each fault alone at a moderate rate, and once
 * all of them together with the simulated Sinch's chaos. Every run sends one delivery per scenario number
 * (every one with an email address and a code valid for 15 minutes) and checks the same invariants; which
 * path a delivery takes may change with the fault, its promise may not. Nothing here depends on how fast
 * the machine is: the waits are generous and only outcomes are asserted.
 *
 * A failing case names the deliveries or reports that broke an invariant; the seed replays the same draws.
 */
const SEED = 20_261_202;
/** Stacks running at once: the runs mostly wait out modelled time, so a few share the machine well. */
const PARALLEL_RUNS = 3;

interface FaultCase {
  readonly name: string;
  readonly faults: Faults;
  readonly chaos?: boolean;
  /** The fault is not transient: deliveries that need the email may end UNDELIVERABLE, and must be counted. */
  readonly emailRefused?: boolean;
}

const CASES: readonly FaultCase[] = [
  { name: 'lambda-throttle=0.2', faults: { lambdaThrottle: 0.2 } },
  { name: 'dynamodb-throttle=0.2', faults: { dynamodbThrottle: 0.2 } },
  { name: 'sfn-throttle=0.2', faults: { sfnThrottle: 0.2 } },
  { name: 'ses-throttle=0.2', faults: { sesThrottle: 0.2 } },
  { name: 'sqs-outage=5', faults: { sqsOutageSeconds: 5 } },
  { name: 'webhook-outage=5', faults: { webhookOutageSeconds: 5 } },
  // Sinch only retries when a try fails, so the kept signature is exercised through an outage.
  {
    name: 'sinch-keep-signature with webhook-outage=5',
    faults: { sinchKeepSignature: true, webhookOutageSeconds: 5 },
  },
  { name: 'sinch-replay=0.2', faults: { sinchReplay: 0.2 } },
  // A send Sinch took but whose answer was lost: the attempt waits for its report, never sends twice.
  { name: 'sinch-lost-answer=0.3', faults: { sinchLostAnswer: 0.3 } },
  { name: 'ses-sandbox', faults: { sesSandbox: true }, emailRefused: true },
  {
    name: 'every transient fault at once, with chaos',
    chaos: true,
    faults: {
      lambdaThrottle: 0.1,
      dynamodbThrottle: 0.1,
      sfnThrottle: 0.1,
      sesThrottle: 0.1,
      sqsOutageSeconds: 3,
      webhookOutageSeconds: 3,
      sinchKeepSignature: true,
      sinchReplay: 0.1,
    },
  },
];

interface CaseResult {
  readonly stack: LocalStack;
  readonly requests: DeliveryRequestForTest[];
  readonly statuses: number[];
  readonly run: FinishedRun;
  readonly faultsInjected: number;
}

function requestsFor(index: number): DeliveryRequestForTest[] {
  return SCENARIOS.map((scenario, i) => {
    const text = `Your fault-matrix code ${index}-${i} is 271828`;
    return {
      deliveryId: `faults-${index}-${String(i).padStart(2, '0')}`,
      to: scenario.number,
      text,
      email: { to: `faults+${index}-${i}@example.com`, subject: 'Your code', text },
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    };
  });
}

async function runCase(faultCase: FaultCase, index: number): Promise<CaseResult> {
  const stack = await startLocalStack({
    fast: true,
    faults: faultCase.faults,
    chaos: faultCase.chaos === true,
    seed: SEED + index,
    stackFile: false,
  });
  try {
    const requests = requestsFor(index);
    // A send refused by a throttle answers 5xx, and a connection can fail; the caller retries with the same
    // deliveryId, as documented (a send is idempotent by deliveryId).
    const statuses = await sendAll(stack, requests, 5, async (s, request) => {
      for (let attempt = 1; ; attempt += 1) {
        const response = await sendDelivery(s, request).catch((error: unknown) => {
          if (attempt >= 8) throw error;
          return { status: 0 };
        });
        if (response.status !== 0 && response.status < 500 && response.status !== 429) return response;
        if (attempt >= 8) return response;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    });
    const run = await finishRun(stack, requests, RUN_HANG_MS);
    const faultsInjected = Object.values(stack.faultCounts()).reduce((sum, n) => sum + n, 0);
    return { stack, requests, statuses, run, faultsInjected };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The error as an Error, with its causes spelled out (a Node error is not an `Error` of the test's realm). */
function asError(error: unknown): Error {
  return new Error(inspect(error, { depth: 4 }));
}

/** Runs every case, at most `limit` at a time, keeping each result (or its error) by case name. */
async function runAll(limit: number): Promise<Map<string, CaseResult | Error>> {
  const results = new Map<string, CaseResult | Error>();
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < CASES.length) {
        const index = next++;
        const faultCase = CASES[index]!;
        results.set(faultCase.name, await runCase(faultCase, index).catch(asError));
      }
    }),
  );
  return results;
}

describe(`the promise under AWS-side faults (seed ${SEED})`, () => {
  let results: Map<string, CaseResult | Error>;

  beforeAll(async () => {
    results = await runAll(PARALLEL_RUNS);
  }, 900_000);

  afterAll(async () => {
    await Promise.all(
      [...(results?.values() ?? [])].map((result) =>
        result instanceof Error ? undefined : result.stack.stop(),
      ),
    );
  });

  const resultOf = (name: string): CaseResult => {
    const result = results.get(name);
    if (result instanceof Error) throw result;
    if (!result) throw new Error(`${name} did not run`);
    return result;
  };

  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (name, faultCase) => {
    it('really injected the fault', () => {
      expect(resultOf(name).faultsInjected).toBeGreaterThan(0);
    });

    it('accepted every send request (after the caller retried a 5xx)', () => {
      expect(resultOf(name).statuses.filter((status) => status !== 202 && status !== 200)).toEqual([]);
    });

    it('ends every delivery with exactly one outcome, recorded once and published once', () => {
      expect(notExactlyOneOutcome(resultOf(name).run)).toEqual([]);
    });

    it('sends an email only when the outcome is EMAIL_SENT, and then exactly one', () => {
      expect(wrongEmailCount(resultOf(name).run)).toEqual([]);
    });

    it('never sends more SMS than maxSmsAttempts', () => {
      expect(tooManySms(resultOf(name).run)).toEqual([]);
    });

    it('applies or keeps every signed report Sinch sent', () => {
      const { stack, run } = resultOf(name);
      expect(lostReports(stack, run)).toEqual([]);
    });

    if (faultCase.emailRefused) {
      it('ends a delivery that needed the email UNDELIVERABLE, with the refusal counted', () => {
        const { stack, run } = resultOf(name);
        const outcomes = [...run.observations.values()].map((o) => o.summary.outcome);
        const counted = stack.logs.filter(
          (entry) =>
            entry.source === 'sendEmail' &&
            entry.line.includes('"EmailFailures"') &&
            entry.line.includes('"reason":"MessageRejected"'),
        );

        expect(outcomes).toContain('UNDELIVERABLE');
        expect(outcomes).not.toContain('EMAIL_SENT');
        expect(counted.length).toBeGreaterThan(0);
      });
    } else {
      it('gives up on no delivery while its email address and validity remained', () => {
        const { run, requests } = resultOf(name);
        expect(givenUpTooEarly(run, requests)).toEqual([]);
      });
    }

    it('writes no phone number, email address or message text to any log', () => {
      const { stack, requests } = resultOf(name);
      const personal = requests.flatMap((r) => [
        r.to,
        r.to.slice(1),
        r.text,
        ...(r.email ? [r.email.to] : []),
      ]);
      expect(logLinesContaining(stack, personal)).toEqual([]);
    });
  });
});
