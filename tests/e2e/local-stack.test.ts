import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { DEFAULT_POLICY } from '../../lib/table/delivery-model';
import { decodeEnvelope } from '../../lib/receipts/receipt-envelope';
import { readDeliverySummary } from '../../local/delivery-summary';
import { buildDeliveryReport } from '../../local/sinch-delivery-report';
import { signWebhook } from '../../lib/ingress/webhook-signature';
import { SCENARIOS, type Scenario } from '../../local/sinch-scenarios';
import { startLocalStack, type LocalStack, type StackDescription } from '../../local/stack';
import {
  logLinesContaining,
  observe,
  sendDelivery,
  storedSecrets,
  documentClient,
  waitForMessageId,
  waitForOutcomes,
  executionArnOf,
  type DeliveryObservation,
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';
import { RUN_HANG_MS, SETUP_HANG_MS } from '../support/patience';

/**
 * The whole system on the local stack: every scenario number of the simulated Sinch, sent through the real
 * send API, ends with the outcome, SMS and email counts the scenario table promises; nothing personal or
 * secret leaks; and a webhook that Sinch did not sign changes nothing.
 */
describe('local stack', () => {
  let stack: LocalStack;
  const stackFile = join(mkdtempSync(join(tmpdir(), 'local-stack-')), 'stack.json');
  const requests = new Map<string, DeliveryRequestForTest>();
  let observations: Map<string, DeliveryObservation>;

  const requestFor = (scenario: Scenario): DeliveryRequestForTest => ({
    deliveryId: `e2e-${scenario.id}`,
    to: scenario.number,
    text: `Your e2e code for ${scenario.id} is 271828`,
    email: {
      to: `e2e+${scenario.id}@example.com`,
      subject: 'Your code',
      text: `Your e2e code for ${scenario.id} is 271828`,
    },
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  });

  beforeAll(async () => {
    // Exact outcomes on a busy machine too: the receipt window counts modelled time only (receipt-window.ts).
    stack = await startLocalStack({ fast: true, stackFile });
    for (const scenario of SCENARIOS) requests.set(scenario.id, requestFor(scenario));

    const responses = await Promise.all(
      [...requests.values()].map((request) => sendDelivery(stack, request)),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));

    const executions = await waitForOutcomes(
      stack,
      [...requests.values()].map((r) => r.deliveryId),
      RUN_HANG_MS,
    );
    observations = await observe(stack, [...requests.values()], executions);
  }, SETUP_HANG_MS);

  afterAll(async () => {
    await stack?.stop();
    // Stopping removes the description: a tool must not attach to a stack that is gone.
    expect(existsSync(stackFile)).toBe(false);
    rmSync(dirname(stackFile), { recursive: true, force: true });
  });

  it('describes itself in the stack file, for the demo, the CLI and other tools', () => {
    const described = JSON.parse(readFileSync(stackFile, 'utf8')) as StackDescription;

    expect(described).toEqual(JSON.parse(JSON.stringify(stack.description)));
    expect(described).toMatchObject({
      stage: 'local',
      functionUrls: {
        ingress: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
        send: expect.any(String),
      },
      resources: {
        deliveriesTable: 'receipt-driven-sms-local-deliveries',
        receiptsQueueUrl: expect.stringContaining('receipt-driven-sms-local-receipts'),
        receiptsDlqUrl: expect.stringContaining('receipt-driven-sms-local-receipts-dlq'),
        stateMachineArn: expect.stringContaining(':stateMachine:receipt-driven-sms-local-delivery'),
      },
      webhookSecret: expect.any(String),
    });
    expect(described.scenarios.map((row) => row.number)).toEqual(SCENARIOS.map((s) => s.number));
  });

  describe.each(SCENARIOS.map((scenario) => [scenario.id, scenario] as const))('%s', (id, scenario) => {
    const observed = (): DeliveryObservation => observations.get(`e2e-${id}`)!;

    it(`ends ${scenario.expected.outcome}, recorded once and published once`, () => {
      expect(observed().execution.status).toBe('SUCCEEDED');
      expect(observed().summary.outcome).toBe(scenario.expected.outcome);
      expect(observed().outcomeEvents).toEqual([
        expect.objectContaining({ outcome: scenario.expected.outcome }),
      ]);
    });

    it(`sends ${scenario.expected.smsSends} SMS and ${scenario.expected.emails} email`, () => {
      const { smsAccepted, emails, summary } = observed();

      expect({ smsAccepted, recordedSms: summary.smsAccepted, emails }).toEqual({
        smsAccepted: scenario.expected.smsSends,
        recordedSms: scenario.expected.smsSends,
        emails: scenario.expected.emails,
      });
      expect(summary.smsAttempts).toBeLessThanOrEqual(DEFAULT_POLICY.maxSmsAttempts);
    });

    it(`${scenario.expected.lateSmsDelivered ? 'flags' : 'does not flag'} a late SMS delivery`, () => {
      expect(observed().summary.lateSmsDelivered).toBe(scenario.expected.lateSmsDelivered === true);
    });
  });

  it('keeps phone numbers, email addresses and message texts out of every execution history', () => {
    const history = JSON.stringify(
      [...requests.values()].map((r) =>
        stack.engine.getExecutionHistory(executionArnOf(stack, r.deliveryId)),
      ),
    );

    for (const request of requests.values()) {
      expect(history).not.toContain(request.to);
      expect(history).not.toContain(request.to.slice(1));
      expect(history).not.toContain(request.email!.to);
      expect(history).not.toContain(request.text);
    }
  });

  it('keeps phone numbers, email addresses, message texts and secrets out of every log line', async () => {
    const secrets = [stack.description.webhookSecret, ...(await storedSecrets(stack))];
    const personal = [...requests.values()].flatMap((r) => [r.to, r.to.slice(1), r.email!.to, r.text]);

    expect(stack.logs.length).toBeGreaterThan(100);
    expect(logLinesContaining(stack, [...personal, ...secrets])).toEqual([]);
  });

  describe('a webhook Sinch did not sign', () => {
    const deliveryId = 'e2e-forged-webhooks';
    let forgedBodies: string[];
    let answers: number[];
    let execution: DescribeExecutionOutput;

    /** A DELIVERED report for the waiting attempt, exactly as the simulated Sinch would send it. */
    const deliveredReport = (messageId: string): string =>
      buildDeliveryReport(
        {
          projectId: stack.description.sinch.projectId,
          appId: stack.description.sinch.appId,
          messageId,
          recipient: '+46701740615',
          acceptedTime: new Date().toISOString(),
          metadata: `${deliveryId}#1`,
        },
        { status: 'DELIVERED', eventTime: new Date().toISOString() },
      );

    const post = async (body: string, headers: Record<string, string>): Promise<number> => {
      const response = await fetch(stack.description.functionUrls.ingress!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return response.status;
    };

    beforeAll(async () => {
      // The no-report number: only a forged report could end this delivery as DELIVERED.
      const response = await sendDelivery(stack, {
        deliveryId,
        to: '+46701740615',
        text: 'Your forged-webhook test code is 161803',
        email: {
          to: 'e2e+forged@example.com',
          subject: 'Your code',
          text: 'Your forged-webhook test code is 161803',
        },
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
        policy: { maxSmsAttempts: 1, receiptTimeoutSeconds: 30, resendBackoffSeconds: [] },
      });
      expect(response.status).toBe(202);
      const messageId = await waitForMessageId(stack, deliveryId, RUN_HANG_MS);

      const body = deliveredReport(messageId);
      const secret = stack.description.webhookSecret;
      // Older than the 24 h Sinch's retries can take, and further ahead than a clock can drift.
      const threeDaysAgo = Math.floor(Date.now() / 1000) - 3 * 24 * 3600;
      const hourAhead = Math.floor(Date.now() / 1000) + 3600;
      const signedForOther = signWebhook(body.replace('DELIVERED', 'FAILED'), secret);
      forgedBodies = [body];
      answers = [
        await post(body, {}),
        await post(body, signWebhook(body, 'not-the-webhook-secret')),
        await post(body, signedForOther),
        await post(body, signWebhook(body, secret, { nowSeconds: threeDaysAgo })),
        await post(body, signWebhook(body, secret, { nowSeconds: hourAhead })),
      ];
      execution = (await waitForOutcomes(stack, [deliveryId], RUN_HANG_MS)).get(deliveryId)!;
    }, 2 * RUN_HANG_MS);

    it('is answered 401 whether unsigned, signed with another secret, tampered with, 3 days old or 1 h ahead', () => {
      expect(answers).toEqual([401, 401, 401, 401, 401]);
    });

    it('changes nothing: no receipt recorded, nothing queued or parked, and the delivery falls back to email', async () => {
      const documents = documentClient(stack);
      const summary = await readDeliverySummary(
        documents,
        stack.description.resources.deliveriesTable!,
        deliveryId,
      );
      documents.destroy();
      const parked = await stack.sqs.inspect(stack.queues.ReceiptsDlq!.name);
      const parkedBodies = (parked?.messages.ready ?? []).map((m) => decodeEnvelope(m.body)?.rawBody);

      expect(execution.status).toBe('SUCCEEDED');
      expect(summary.outcome).toBe('EMAIL_SENT');
      expect(summary.attempts.flatMap((a) => a.receipts ?? [])).toEqual([]);
      expect(parkedBodies).not.toEqual(expect.arrayContaining(forgedBodies));
    });
  });
});
