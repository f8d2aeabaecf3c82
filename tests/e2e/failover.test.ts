import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { breakerKey } from '../../lib/table/breaker-repository';
import type { BreakerState } from '../../lib/workflow/provider-breaker';
import { SCENARIOS, scenarioFor, type Scenario } from '../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../local/stack';
import {
  drainReceipts,
  notExactlyOneOutcome,
  tooManySms,
  wrongEmailCount,
  type FinishedRun,
} from '../support/delivery-invariants';
import {
  documentClient,
  executionArnOf,
  logLinesContaining,
  observe,
  sendDelivery,
  waitForOutcomes,
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';
import { keptReportBodies } from '../support/delivery-invariants';
import { anAwsSmsEvent } from '../builders/aws-sms-event';

/**
 * The secondary SMS provider on the local stack (`failover: true`): the failover table moves the scenarios
 * the README marks to AWS End User Messaging SMS (its stand-in speaks the real SendTextMessage protocol and
 * publishes the delivery events through the stage's EventBridge rule), the rest end as they do without it;
 * and the breaker opens under a Sinch outage started mid-run, and closes after it ends.
 */

const WORKFLOW_TIMEOUT_MS = 150_000;
const DELIVERED = scenarioFor('+46701740610');
const OPEN_SECONDS = 3600;

function requestFor(deliveryId: string, scenario: Scenario): DeliveryRequestForTest {
  return {
    deliveryId,
    to: scenario.number,
    text: `Your failover code for ${deliveryId} is 314159`,
    email: {
      to: `failover+${deliveryId}@example.com`,
      subject: 'Your code',
      text: `Code for ${deliveryId}: 314159`,
    },
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  };
}

async function finish(stack: LocalStack, requests: readonly DeliveryRequestForTest[]): Promise<FinishedRun> {
  const executions = await waitForOutcomes(
    stack,
    requests.map((r) => r.deliveryId),
    WORKFLOW_TIMEOUT_MS,
  );
  await stack.awsSms?.idle();
  await drainReceipts(stack, WORKFLOW_TIMEOUT_MS);
  return {
    observations: await observe(stack, requests, executions),
    keptBodies: await keptReportBodies(stack),
  };
}

function secondarySendsFor(stack: LocalStack, deliveryId: string): number {
  return stack.awsSms!.sends.filter((send) => send.context.deliveryRef?.startsWith(`${deliveryId}#`)).length;
}

function personalData(requests: readonly DeliveryRequestForTest[]): string[] {
  return requests.flatMap((r) => [r.to, r.to.slice(1), r.email!.to, r.text]);
}

describe('failover to the secondary provider', () => {
  let stack: LocalStack;
  const scenarios = SCENARIOS.filter(
    (scenario) =>
      scenario.expectedWithFailover ||
      ['delivered', 'failed-permanent', 'failed-transient'].includes(scenario.id),
  );
  const requests = scenarios.map((scenario) => requestFor(`fo-${scenario.id}`, scenario));
  let run: FinishedRun;

  beforeAll(async () => {
    // A breaker that never opens here: this block is about the failover table alone.
    stack = await startLocalStack({
      timeDivisor: 10,
      stackFile: false,
      failover: true,
      params: { primaryBreakerThreshold: 1000 },
    });
    const responses = await Promise.all(requests.map((request) => sendDelivery(stack, request)));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
    run = await finish(stack, requests);
  }, 4 * WORKFLOW_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(scenarios.map((scenario) => [scenario.id, scenario] as const))(
    '%s ends as the table with failover says, through the providers it says',
    (id, scenario) => {
      // Prepare
      const expected = scenario.expectedWithFailover ?? scenario.expected;
      const observed = run.observations.get(`fo-${id}`)!;

      // Assess
      expect({
        outcome: observed.summary.outcome,
        sinch: observed.smsAccepted,
        secondary: secondarySendsFor(stack, `fo-${id}`),
        emails: observed.emails,
      }).toEqual({
        outcome: expected.outcome,
        sinch: expected.smsSends,
        secondary: expected.secondarySends ?? 0,
        emails: expected.emails,
      });
      const providers = observed.summary.attempts.filter((a) => a.channel === 'SMS').map((a) => a.provider);
      expect(observed.outcomeEvents).toEqual([
        expect.objectContaining({ outcome: expected.outcome, smsProviders: providers }),
      ]);
    },
  );

  it('keeps exactly one outcome per delivery, one email only for EMAIL_SENT, and the SMS cap', () => {
    expect(notExactlyOneOutcome(run)).toEqual([]);
    expect(wrongEmailCount(run)).toEqual([]);
    expect(tooManySms(run)).toEqual([]);
  });

  it('says in the execution history, in plain words, why a delivery moved to the secondary', () => {
    // Prepare
    const history = JSON.stringify(
      stack.engine.getExecutionHistory(executionArnOf(stack, 'fo-sinch-unavailable')),
    );

    // Assess
    expect(history).toContain(
      'Sinch stayed unavailable through the retries, which says nothing about the number',
    );
    expect(history).toContain('through AWS End User Messaging SMS now.');
  });

  it('records every secondary event on its attempt, by message id, once', () => {
    // Prepare
    const observed = run.observations.get('fo-sinch-unavailable')!;
    const secondary = observed.summary.attempts.find((a) => a.provider === 'aws-sms')!;

    // Assess
    expect(secondary).toMatchObject({ status: 'DELIVERED', attempt: 2 });
    expect(secondary.receipts?.map((r) => r.status)).toEqual(['QUEUED_ON_CHANNEL', 'DELIVERED']);
    expect(secondary.receipts?.map((r) => r.key.split('#')[1])).toEqual(['TEXT_PENDING', 'TEXT_DELIVERED']);
  });

  it(
    'counts an event that claims our message but names another message id as an orphan, and changes nothing',
    async () => {
      // Prepare: an event with the reference of a delivered attempt, for a message we never sent
      const target = run.observations.get('fo-delivered')!.summary.attempts[0]!;
      const forged = anAwsSmsEvent({
        eventType: 'TEXT_INVALID',
        messageId: 'not-one-of-ours',
        reference: `fo-delivered#${target.attempt}`,
        stage: 'local',
      });
      const sqs = new SQSClient({ ...stack.clientConfig, endpoint: stack.description.endpoints.sqs });

      // Act
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queues.ReceiptsQueue!.url,
          MessageBody: JSON.stringify(forged),
        }),
      );
      sqs.destroy();
      const deadline = Date.now() + WORKFLOW_TIMEOUT_MS;
      const orphaned = async (): Promise<boolean> => {
        const queue = await stack.sqs.inspect(stack.queues.ReceiptsOrphansQueue!.name);
        return (queue?.messages.ready ?? []).some((message) => message.body.includes('not-one-of-ours'));
      };
      while (!(await orphaned())) {
        if (Date.now() > deadline) throw new Error('the forged event was never set aside');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      // Assess
      const [after] = (
        await observe(stack, [requests.find((r) => r.deliveryId === 'fo-delivered')!], new Map())
      ).values();
      expect(after!.summary.attempts[0]).toMatchObject({ status: 'DELIVERED', receipts: target.receipts });
      expect(stack.logs.some((entry) => entry.line.includes('"OrphanReceipts"'))).toBe(true);
    },
    WORKFLOW_TIMEOUT_MS,
  );

  it('keeps phone numbers, addresses and texts out of logs, outcome events and histories', () => {
    // Prepare
    const personal = personalData(requests);
    const events = JSON.stringify(stack.events.events);
    const histories = JSON.stringify(
      requests.map((r) => stack.engine.getExecutionHistory(executionArnOf(stack, r.deliveryId))),
    );

    // Assess
    expect(logLinesContaining(stack, personal)).toEqual([]);
    for (const value of personal) {
      expect(events).not.toContain(value);
      expect(histories).not.toContain(value);
    }
  });
});

describe('the breaker on the primary', () => {
  let stack: LocalStack;
  const requests: DeliveryRequestForTest[] = [];
  let sequence = 0;

  const send = async (): Promise<DeliveryRequestForTest> => {
    sequence += 1;
    const request = requestFor(`br-${sequence}`, DELIVERED);
    requests.push(request);
    expect((await sendDelivery(stack, request)).status).toBe(202);
    await waitForOutcomes(stack, [request.deliveryId], WORKFLOW_TIMEOUT_MS);
    return request;
  };
  const breaker = async (): Promise<BreakerState | undefined> => {
    const documents = documentClient(stack);
    const { Item } = await documents.send(
      new GetCommand({
        TableName: stack.description.resources.deliveriesTable,
        Key: breakerKey('sinch'),
        ConsistentRead: true,
      }),
    );
    documents.destroy();
    return Item as BreakerState | undefined;
  };
  /** Moves the open breaker's `openedAt` back past the open period, as the passing of that time would. */
  const ageBreaker = async (): Promise<void> => {
    const documents = documentClient(stack);
    await documents.send(
      new UpdateCommand({
        TableName: stack.description.resources.deliveriesTable,
        Key: breakerKey('sinch'),
        UpdateExpression: 'SET openedAt = :past',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':past': new Date(Date.now() - (OPEN_SECONDS + 1) * 1000).toISOString(),
          ':open': 'OPEN',
        },
      }),
    );
    documents.destroy();
  };
  const firstProvider = async (deliveryId: string): Promise<string | undefined> => {
    const [observation] = (
      await observe(
        stack,
        requests.filter((r) => r.deliveryId === deliveryId),
        new Map(),
      )
    ).values();
    return observation?.summary.attempts.find((a) => a.attempt === 1)?.provider;
  };

  beforeAll(async () => {
    // Three send failures of Sinch open it, for an hour: longer than the test, which ends it by moving the
    // breaker's clock (`ageBreaker`), so no assertion depends on how fast the machine is.
    stack = await startLocalStack({
      timeDivisor: 10,
      stackFile: false,
      failover: true,
      params: {
        primaryBreakerThreshold: 3,
        primaryBreakerWindowSeconds: 3600,
        primaryBreakerOpenSeconds: OPEN_SECONDS,
      },
    });
  }, WORKFLOW_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
  });

  it(
    'opens under a Sinch outage started mid-run, sends new deliveries to the secondary, and closes after it',
    async () => {
      // Prepare: Sinch works
      const before = await send();
      expect(await firstProvider(before.deliveryId)).toBe('sinch');

      // Act 1: Sinch goes down; one delivery's first attempt fails four times (once and three retries)
      stack.sinch.setOutage(true);
      const during = await send();

      // Assess 1: that delivery failed over, and the breaker is open
      expect((await breaker())?.status).toBe('OPEN');
      const duringProviders = (await observe(stack, [during], new Map()))
        .get(during.deliveryId)!
        .summary.attempts.map((a) => a.provider);
      expect(duringProviders).toEqual(['sinch', 'aws-sms']);

      // Act 2: a new delivery while open starts on the secondary, Sinch not asked at all
      const sinchRequestsBefore = stack.sinch.sends.length;
      const whileOpen = await send();
      expect(await firstProvider(whileOpen.deliveryId)).toBe('aws-sms');
      expect(stack.sinch.sends.length).toBe(sinchRequestsBefore);

      // Act 3: Sinch recovers, and the open period passes: the test moves openedAt back by the hour the
      // breaker stays open here, rather than wait for a wall clock it does not control
      stack.sinch.setOutage(false);
      await ageBreaker();
      const probe = await send();
      expect(await firstProvider(probe.deliveryId)).toBe('sinch');

      // Assess 3: the probe got through, the breaker closed, and the next delivery is Sinch's again
      expect((await breaker())?.status).toBe('CLOSED');
      const after = await send();
      expect(await firstProvider(after.deliveryId)).toBe('sinch');

      const run = await finish(stack, requests);
      expect(notExactlyOneOutcome(run)).toEqual([]);
      expect(wrongEmailCount(run)).toEqual([]);
      expect(tooManySms(run)).toEqual([]);
      expect([...run.observations.values()].map((o) => o.summary.outcome)).not.toContain('EMAIL_SENT');
    },
    10 * WORKFLOW_TIMEOUT_MS,
  );

  it('counts each change of the breaker in PrimaryBreakerTransitions, and logs no personal data', () => {
    // Prepare
    const transitions = stack.logs
      .filter((entry) => entry.source === 'sendSms' && entry.line.includes('"PrimaryBreakerTransitions"'))
      .map((entry) => (JSON.parse(entry.line) as { to?: string }).to);

    // Assess
    expect(transitions).toEqual(expect.arrayContaining(['OPEN', 'HALF_OPEN', 'CLOSED']));
    expect(logLinesContaining(stack, personalData(requests))).toEqual([]);
  });
});
