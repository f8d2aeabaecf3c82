import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { signWebhook } from '../../../lib/ingress/webhook-signature';
import { buildDeliveryReport } from '../../../local/sinch-delivery-report';
import { startLocalStack, type LocalStack, type StackDescription } from '../../../local/stack';
import { sendDelivery, waitForOutcomes } from '../../support/local-stack-deliveries';

/**
 * The faults wired into a whole local stack: the functions' traffic reaches the fault proxies, the stack
 * describes and counts what it injects, and its log lines name no personal data.
 */
describe('a local stack started with faults', () => {
  let stack: LocalStack;
  const stackFile = join(mkdtempSync(join(tmpdir(), 'stack-faults-')), 'stack.json');
  const address = 'fault.recipient@example.com';

  beforeAll(async () => {
    stack = await startLocalStack({
      timeDivisor: 10,
      stackFile,
      seed: 3,
      faults: {
        sqsOutageSeconds: 3600,
        sesSandbox: true,
        dynamodbThrottle: 0,
        lambdaThrottle: 0,
        sfnThrottle: 0,
      },
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dirname(stackFile), { recursive: true, force: true });
  });

  it('lists its faults, normalised, in the stack file', () => {
    // Act
    const described = JSON.parse(readFileSync(stackFile, 'utf8')) as StackDescription;

    // Assess
    expect(described.faults).toEqual([
      'lambda-throttle=0',
      'dynamodb-throttle=0',
      'sfn-throttle=0',
      'ses-sandbox',
      'sqs-outage=3600',
    ]);
  });

  it('fails the ingress’s SendMessage during the SQS outage, so the webhook is answered 5xx', async () => {
    // Prepare
    const body = buildDeliveryReport(
      {
        projectId: stack.description.sinch.projectId,
        appId: stack.description.sinch.appId,
        messageId: '01J0000000000000000000FAULT',
        recipient: '+46701740610',
        acceptedTime: new Date().toISOString(),
        metadata: 'fault-d-1#1',
      },
      { status: 'DELIVERED', eventTime: new Date().toISOString() },
    );

    // Act
    const response = await fetch(stack.description.functionUrls.ingress!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(body, stack.description.webhookSecret) },
      body,
    });

    // Assess
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(stack.faultCounts()['sqs-outage']).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('rejects the fallback email to an unverified address in the SES sandbox', async () => {
    // Prepare: Sinch refuses every SMS to this number, so the workflow falls back to email at once.
    const deliveryId = 'fault-sandboxed-email';
    const emailsBefore = (await stack.ses.emails()).length;

    // Act
    const sent = await sendDelivery(stack, {
      deliveryId,
      to: '+46701740632',
      text: 'Your code is 314159',
      email: { to: address, subject: 'Your code', text: 'Your code is 314159' },
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    });
    const execution = (await waitForOutcomes(stack, [deliveryId], 60_000)).get(deliveryId)!;

    // Assess
    expect(sent.status).toBe(202);
    expect(JSON.parse(execution.output ?? '{}')).toMatchObject({ result: { outcome: 'UNDELIVERABLE' } });
    expect(stack.faultCounts()['ses-sandbox']).toBeGreaterThanOrEqual(1);
    expect((await stack.ses.emails()).length).toBe(emailsBefore);
  }, 90_000);

  it('logs each injected fault as a faults line without personal data, and counts only what it injected', () => {
    // Act
    const faultLines = stack.logs.filter((entry) => entry.source === 'faults').map((entry) => entry.line);

    // Assess
    expect(faultLines[0]).toBe(
      'faults on: lambda-throttle=0, dynamodb-throttle=0, sfn-throttle=0, ses-sandbox, sqs-outage=3600 (seed 3)',
    );
    expect(
      faultLines.some((line) => line.startsWith('fault ses-sandbox: MessageRejected (400) to SES SendEmail')),
    ).toBe(true);
    expect(
      faultLines.some((line) => line.startsWith('fault sqs-outage: InternalError (500) to SQS SendMessage')),
    ).toBe(true);
    const stackLines = stack.logs.filter((entry) => ['faults', 'host', 'sinch'].includes(entry.source));
    expect(stackLines.some((entry) => entry.line.includes(address))).toBe(false);
    expect(stack.faultCounts()).toMatchObject({
      'lambda-throttle': 0,
      'dynamodb-throttle': 0,
      'sfn-throttle': 0,
    });
  });
});
