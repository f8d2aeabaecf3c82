import type {
  DecideNextPayload,
  RecordOutcomePayload,
  SendEmailPayload,
  SendSmsPayload,
} from '../lib/workflow/task-contract';
import { DEFAULT_POLICY } from '../lib/table/delivery-model';
import { aMetaItem, anAttemptItem } from '../tests/builders/attempt-item';
import { DEFAULT_MESSAGE_ID, deliveryReportBody } from '../tests/builders/delivery-report';
import { aDeliveryRequest } from '../tests/builders/delivery-request';
import { aFunctionUrlEvent } from '../tests/builders/function-url-event';
import { signWebhook } from '../tests/builders/signed-webhook';
import { anSqsEvent, anSqsRecord, receiptMessageBody } from '../tests/builders/sqs-record';

/**
 * What the cold-start bench invokes each function with: an event that takes the function's normal success
 * path, the table items and SSM parameters that path reads (served by `aws-answers.ts`), how to tell from
 * the handler's answer that it took that path, and the AWS and Sinch calls it makes on the way. A sample
 * whose answer or calls differ fails the bench instead of being timed.
 */
export interface ColdStartCase {
  /** The function's key in serverless.yml, which is also its zip's name. */
  readonly key: string;
  readonly event: unknown;
  /** Why the answer is not the success path's, or `undefined` when it is. */
  readonly check: (response: unknown) => string | undefined;
  /** Every call of the first invocation, as `aws-answers.ts` and `sinch-answers.ts` name them, in any order. */
  readonly calls: readonly string[];
}

export interface ColdStartFixture {
  readonly cases: readonly ColdStartCase[];
  /** The naive webhook handler, invoked with the ingress's event and environment. */
  readonly naive: ColdStartCase;
  readonly parameters: Readonly<Record<string, string>>;
  readonly items: readonly object[];
}

/** The functions' settings the fixture depends on: the SSM parameters they read, the state machine. */
export interface FixtureEnv {
  readonly WEBHOOK_SECRETS_PARAM: string;
  readonly RECIPIENT_HASH_KEY_PARAM: string;
  readonly SINCH_CREDENTIALS_PARAM: string;
  readonly DELIVERY_STATE_MACHINE_ARN: string;
}

const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

function field(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (current, key) =>
      typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

/** A check that each dotted path of the answer holds the expected value. */
function hasFields(expected: Readonly<Record<string, unknown>>): (response: unknown) => string | undefined {
  return (response) => {
    for (const [path, value] of Object.entries(expected)) {
      const actual = field(response, path.split('.'));
      if (JSON.stringify(actual) !== JSON.stringify(value)) {
        return `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}`;
      }
    }
    return undefined;
  };
}

/** A Function URL answer whose status is `statusCode` and whose JSON body has `body`'s fields. */
function httpAnswer(statusCode: number, body: Readonly<Record<string, unknown>> = {}) {
  const checkBody = hasFields(body);
  return (response: unknown): string | undefined => {
    const status = field(response, ['statusCode']);
    if (status !== statusCode)
      return `statusCode is ${String(status)}, expected ${statusCode}: ${JSON.stringify(response)}`;
    if (Object.keys(body).length === 0) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(field(response, ['body'])));
    } catch {
      return `the body is not JSON: ${JSON.stringify(response)}`;
    }
    return checkBody(parsed);
  };
}

/**
 * The cases, with items and a webhook signature made for `now` (the META items expire an hour later, the
 * send request ten minutes later).
 */
export function coldStartFixture(env: FixtureEnv, now = new Date()): ColdStartFixture {
  const inAnHour = new Date(now.getTime() + 60 * 60_000).toISOString();
  const policy = { ...DEFAULT_POLICY, resendBackoffSeconds: [...DEFAULT_POLICY.resendBackoffSeconds] };
  const meta = (deliveryId: string) => aMetaItem({ deliveryId, expiresAt: inAnHour, policy });
  const smsAttempt = (deliveryId: string) =>
    anAttemptItem({ deliveryId, attempt: 1, provider: 'sinch', messageId: DEFAULT_MESSAGE_ID });

  const webhookBody = deliveryReportBody({ metadata: 'bench-ingress#1', eventTime: now.toISOString() });
  const webhook = signWebhook({ body: webhookBody, secret: WEBHOOK_SECRET });
  const ingressEvent = aFunctionUrlEvent({ body: webhook.body, headers: webhook.headers });

  const sendSms: SendSmsPayload = {
    deliveryId: 'bench-send-sms',
    attempt: 1,
    taskToken: 'bench-task-token-send-sms',
    provider: null,
  };
  const decideNext: DecideNextPayload = {
    deliveryId: 'bench-decide-next',
    expiresAt: inAnHour,
    policy,
    attempt: 1,
    failures: [],
    emailFailures: [],
    lastSmsFailure: null,
    failure: 'States.Timeout',
    lastError: { Error: 'States.Timeout', Cause: null },
  };
  const sendEmail: SendEmailPayload = { deliveryId: 'bench-send-email', attempt: 4 };
  const recordOutcome: RecordOutcomePayload = {
    deliveryId: 'bench-record-outcome',
    outcome: 'DELIVERED',
    attempt: 1,
    failures: [],
    lastSmsFailure: null,
  };
  const deliveryRequest = aDeliveryRequest({
    deliveryId: 'bench-send',
    expiresAt: new Date(now.getTime() + 10 * 60_000).toISOString(),
  });

  const cases: ColdStartCase[] = [
    {
      key: 'ingress',
      event: ingressEvent,
      check: httpAnswer(200, { status: 'enqueued' }),
      calls: ['SSM.GetParameters', 'SQS.SendMessage'],
    },
    {
      // A DELIVERED report for attempt 1, as the ingress enqueued it: recorded, and the waiting task woken.
      key: 'processor',
      event: anSqsEvent([
        anSqsRecord({
          body: receiptMessageBody(
            deliveryReportBody({ metadata: 'bench-processor#1', eventTime: now.toISOString() }),
            now.toISOString(),
          ),
          messageId: '5f6e3b1a-7c2d-4e8f-9a0b-1c2d3e4f5a6b',
        }),
      ]),
      check: hasFields({ batchItemFailures: [] }),
      // Find the attempt, append the receipt, claim the callback, call back, mark it done.
      calls: [
        'DynamoDB.GetItem',
        'DynamoDB.UpdateItem',
        'DynamoDB.UpdateItem',
        'SFN.SendTaskSuccess',
        'DynamoDB.UpdateItem',
      ],
    },
    {
      key: 'send',
      event: aFunctionUrlEvent({
        body: JSON.stringify(deliveryRequest),
        headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
      }),
      check: httpAnswer(202, {
        deliveryId: 'bench-send',
        executionArn: `${env.DELIVERY_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:bench-send`,
      }),
      // The hash key, the META item, the workflow, its execution ARN on META.
      calls: ['SSM.GetParameters', 'DynamoDB.PutItem', 'SFN.StartExecution', 'DynamoDB.UpdateItem'],
    },
    {
      key: 'sendSms',
      event: sendSms,
      check: hasFields({ deliveryId: 'bench-send-sms', attempt: 1, provider: 'sinch', alreadySent: false }),
      // Credentials, META, the attempt with its token, Sinch's token and send, the message id on the attempt.
      calls: [
        'SSM.GetParameters',
        'DynamoDB.GetItem',
        'DynamoDB.UpdateItem',
        'Sinch.token',
        'Sinch.messages:send',
        'DynamoDB.UpdateItem',
      ],
    },
    {
      // Attempt 1 timed out with two attempts left and an hour to go: resend after the first backoff.
      key: 'decideNext',
      event: decideNext,
      check: hasFields({
        attempt: 2,
        failures: ['States.Timeout'],
        provider: 'sinch',
        'decision.action': 'RESEND',
        'decision.waitSeconds': policy.resendBackoffSeconds[0],
      }),
      calls: ['DynamoDB.GetItem', 'DynamoDB.Query'],
    },
    {
      key: 'sendEmail',
      event: sendEmail,
      check: hasFields({ deliveryId: 'bench-send-email', attempt: 4, alreadySent: false }),
      // META, the email attempt not there yet, SES, the attempt item.
      calls: ['DynamoDB.GetItem', 'DynamoDB.GetItem', 'SES.SendEmail', 'DynamoDB.PutItem'],
    },
    {
      key: 'recordOutcome',
      event: recordOutcome,
      check: hasFields({
        deliveryId: 'bench-record-outcome',
        outcome: 'DELIVERED',
        smsAttempts: 1,
        smsProviders: ['sinch'],
      }),
      // The outcome on META, the attempts (who sent them), the DeliveryOutcome event.
      calls: ['DynamoDB.UpdateItem', 'DynamoDB.Query', 'EventBridge.PutEvents'],
    },
  ];

  return {
    cases,
    naive: {
      key: 'naive',
      event: ingressEvent,
      check: httpAnswer(200),
      calls: ['SSM.GetParameter', 'SQS.SendMessage'],
    },
    parameters: {
      [env.WEBHOOK_SECRETS_PARAM]: WEBHOOK_SECRET,
      [env.RECIPIENT_HASH_KEY_PARAM]: 'bench-recipient-hash-key-0123456789abcdef',
      [env.SINCH_CREDENTIALS_PARAM]: JSON.stringify({ keyId: 'bench-key-id', keySecret: 'bench-key-secret' }),
    },
    items: [
      smsAttempt('bench-processor'),
      meta('bench-send-sms'),
      meta('bench-decide-next'),
      smsAttempt('bench-decide-next'),
      meta('bench-send-email'),
      meta('bench-record-outcome'),
      smsAttempt('bench-record-outcome'),
    ],
  };
}
