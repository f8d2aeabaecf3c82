import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { createDecideNextHandler } from '../../../lib/workflow/decide-next-handler';
import { createRecordOutcomeHandler } from '../../../lib/workflow/record-outcome-handler';
import { createSendEmailHandler } from '../../../lib/workflow/send-email-handler';
import { createSendSmsHandler } from '../../../lib/workflow/send-sms-handler';
import type { SendEmailConfig, SendSmsConfig, WorkflowTaskConfig } from '../../../lib/shared/config';
import { EmailUnavailableError } from '../../../lib/shared/errors';
import type { DeliveryMetaItem, DeliveryPolicy, SmsDeliveredResult } from '../../../lib/table/delivery-model';
import type { EmailSender, OutgoingEmail } from '../../../lib/workflow/email-sender';
import { createSinchClient } from '../../../lib/workflow/sinch-client';
import { createOutcomeEventSender } from '../../../lib/workflow/outcome-event-sender';
import { executionInputOf } from '../../../lib/delivery/workflow-starter';
import { readFileSync } from 'node:fs';
import { parseAslYaml } from '../../../local/asl-definition';
import {
  DELIVERY_DEFINITION_FILE,
  createWorkflowEngine,
  type WorkflowEngine,
} from '../../../local/workflow-engine';
import { MAX_EMAIL_TRIES } from '../../../lib/workflow/next-step-policy';
import { META_EMAIL, META_PHONE, META_TEXT, aMetaItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';
import { fakeSinchFetch, type FakeSinchFetch, type SinchAnswer } from '../../support/fake-sinch-fetch';
import { inMemoryDeliveries, type InMemoryDeliveries } from '../../support/in-memory-deliveries';

/**
 * The real `statemachines/delivery.asl.yml`, run by `local/workflow-engine.ts`, with every task bound to
 * its real handler (Middy, validation, core) over fake adapters: an in-memory table, the real Sinch client
 * on a scripted `fetch`, a recording mailer, and EventBridge/SSM through aws-sdk-client-mock. The test plays
 * the receipt processor: it completes the task token the attempt item holds.
 */

const STAGE = 'test';
const CREDENTIALS_PARAM = '/receipt-driven-sms/test/sinch-credentials';
/** Resend backoff and retry intervals are real seconds in the policy; the engine runs them 1000× faster. */
const TIME_SCALE = 0.001;

/** How often a state invokes its task before a throttle it cannot outlast is caught: once, plus its retries. */
function invocationsPerEntry(stateName: string): number {
  const definition = parseAslYaml(readFileSync(DELIVERY_DEFINITION_FILE, 'utf8')) as {
    States: Record<string, { Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] }>;
  };
  const retrier = definition.States[stateName]?.Retry?.find((r) =>
    r.ErrorEquals.includes('Lambda.TooManyRequestsException'),
  );
  return 1 + (retrier?.MaxAttempts ?? 3);
}

const ssmMock = mockClient(SSMClient);
const eventBridgeMock = mockClient(EventBridgeClient);

interface World {
  readonly engine: WorkflowEngine;
  readonly table: InMemoryDeliveries;
  readonly sinch: FakeSinchFetch;
  readonly emails: OutgoingEmail[];
  readonly events: unknown[];
}

/** The four task functions, by their key in serverless.yml. */
type TaskFunction = 'sendSms' | 'decideNext' | 'sendEmail' | 'recordOutcome';

interface Faults {
  /**
   * How many invocations of each task function Lambda throttles before one runs (`Infinity`: every one).
   * A throttled invocation fails as Step Functions reports it, `Lambda.TooManyRequestsException`, and the
   * function never runs.
   */
  readonly lambdaThrottles?: Partial<Record<TaskFunction, number>>;
  /** How many sends SES throttles (`Throttling`, after the SDK's retries) before it accepts one. */
  readonly sesThrottles?: number;
  /** How many writes of an SMS attempt DynamoDB throttles through the SDK's retries before one succeeds. */
  readonly dynamoDbThrottles?: number;
}

/** What Step Functions reports when Lambda throttled the invoke: the function never ran. */
function lambdaThrottle(): Error {
  return Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
}

/** Lets Lambda throttle the first `times` invocations of a task function. */
function throttled<T>(times: number | undefined, run: (payload: unknown) => Promise<T>) {
  let left = times ?? 0;
  return async (payload: unknown): Promise<T> => {
    if (left > 0) {
      left -= 1;
      throw lambdaThrottle();
    }
    return run(payload);
  };
}

let output: CapturedOutput;
const engines: WorkflowEngine[] = [];

beforeEach(() => {
  clearCache();
  ssmMock.reset();
  ssmMock.on(GetParametersCommand).resolves({
    Parameters: [
      {
        Name: CREDENTIALS_PARAM,
        Type: 'SecureString',
        Value: JSON.stringify({ keyId: 'key', keySecret: 'secret' }),
      },
    ],
  });
  eventBridgeMock.reset();
  eventBridgeMock.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'evt-1' }], FailedEntryCount: 0 });
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  // The SSM parameter middleware keeps its read state in the process cache; every test starts cold.
  clearCache();
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

function world(meta: DeliveryMetaItem, sinchScript: SinchAnswer[] = [], faults: Faults = {}): World {
  const table = inMemoryDeliveries([meta]);
  const sinch = fakeSinchFetch(sinchScript);
  const emails: OutgoingEmail[] = [];
  let sesThrottles = faults.sesThrottles ?? 0;
  const mailer: EmailSender = {
    send: async (email) => {
      if (sesThrottles > 0) {
        sesThrottles -= 1;
        throw new EmailUnavailableError('SES could not take the email right now (Throttling)', {
          sesError: 'Throttling',
        });
      }
      emails.push(email);
      return { messageId: `ses-${emails.length}` };
    },
  };
  let dynamoDbThrottles = faults.dynamoDbThrottles ?? 0;
  const attempts: InMemoryDeliveries = {
    ...table,
    startSmsAttempt: async (start) => {
      if (dynamoDbThrottles > 0) {
        dynamoDbThrottles -= 1;
        // As the SDK throws it after its own retries.
        throw Object.assign(new Error('Throughput exceeds the current capacity of your table or index.'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400, attempts: 3 },
        });
      }
      return table.startSmsAttempt(start);
    },
  };
  const logger = new Logger({ serviceName: 'workflow-test', logLevel: 'DEBUG' });
  const metrics = new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'workflow-test' });
  const now = () => new Date();
  const taskConfig: WorkflowTaskConfig = { stage: STAGE, deliveriesTable: 'deliveries' };
  const smsConfig: SendSmsConfig = {
    ...taskConfig,
    sinchProjectId: 'proj',
    sinchAppId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
    sinchRegion: 'eu',
    sinchCredentialsParam: CREDENTIALS_PARAM,
    sinchApiUrl: 'https://sinch.test',
    sinchAuthUrl: 'https://auth.sinch.test',
    sinchSmsSender: undefined,
  };
  const emailConfig: SendEmailConfig = { ...taskConfig, emailFrom: 'no-reply@example.com' };

  const sendSms = createSendSmsHandler({
    config: smsConfig,
    deliveries: table,
    attempts,
    sinch: createSinchClient({
      projectId: 'proj',
      appId: smsConfig.sinchAppId,
      apiUrl: smsConfig.sinchApiUrl,
      authUrl: smsConfig.sinchAuthUrl,
      transport: sinch.fetch,
    }),
    logger,
    metrics,
    now,
    ssm: { awsClientOptions: { region: 'us-east-1' } },
  });
  const decideNext = createDecideNextHandler({
    config: taskConfig,
    deliveries: table,
    attempts: table,
    logger,
    now,
  });
  const sendEmail = createSendEmailHandler({
    config: emailConfig,
    deliveries: table,
    attempts: table,
    mailer,
    logger,
    metrics,
    now,
  });
  const recordOutcome = createRecordOutcomeHandler({
    config: taskConfig,
    outcomes: table,
    events: createOutcomeEventSender(new EventBridgeClient({ region: 'us-east-1' })),
    attempts: table,
    logger,
    metrics,
    now,
  });

  const throttles = faults.lambdaThrottles ?? {};
  const engine = createWorkflowEngine({
    timeScale: TIME_SCALE,
    variables: { stage: STAGE },
    handlers: {
      sendSms: throttled(throttles.sendSms, (payload) => sendSms(payload, aLambdaContext())),
      decideNext: throttled(throttles.decideNext, (payload) => decideNext(payload, aLambdaContext())),
      sendEmail: throttled(throttles.sendEmail, (payload) => sendEmail(payload, aLambdaContext())),
      recordOutcome: throttled(throttles.recordOutcome, (payload) =>
        recordOutcome(payload, aLambdaContext()),
      ),
    },
  });
  engines.push(engine);
  return { engine, table, sinch, emails, events: [] };
}

function meta(
  overrides: { expiresInSeconds?: number; policy?: Partial<DeliveryPolicy> } & Omit<
    Partial<DeliveryMetaItem>,
    'policy'
  > = {},
): DeliveryMetaItem {
  const { expiresInSeconds = 600, policy, ...rest } = overrides;
  return aMetaItem({
    deliveryId: 'login-7f3a9c',
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
    policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 5, resendBackoffSeconds: [10, 30], ...policy },
    attempts: undefined,
    ...rest,
  });
}

function start({ engine }: World, item: DeliveryMetaItem): string {
  // What startDelivery passes: never the recipient, the address or the text.
  return engine.startExecution({
    name: item.deliveryId,
    input: executionInputOf({ deliveryId: item.deliveryId, expiresAt: item.expiresAt, policy: item.policy }),
  }).executionArn;
}

/** Waits for `read` to return a value; the limit only detects a hang (Jest's own timeout comes first). */
async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until SMS attempt `n` is with Sinch, and returns the token the processor would complete. */
function acceptedAttempt(w: World, deliveryId: string, n: number) {
  return eventually(() => {
    const item = w.table.attempt(deliveryId, n);
    return item?.messageId && item.taskToken
      ? { token: item.taskToken, messageId: item.messageId }
      : undefined;
  }, `SMS attempt ${n} to be accepted`);
}

function delivered(n: number, messageId: string): string {
  const result: SmsDeliveredResult = {
    status: 'DELIVERED',
    messageId,
    attempt: n,
    statusAt: new Date().toISOString(),
  };
  return JSON.stringify(result);
}

function failedCause(n: number, messageId: string, reasonCode: string): string {
  return JSON.stringify({ reasonCode, messageId, attempt: n });
}

/** The errors the history's failed task invocations report, oldest first. */
function taskFailures(w: World, executionArn: string): string[] {
  return w.engine
    .getExecutionHistory(executionArn)
    .filter((event) => event.type === 'TaskFailed')
    .map((event) => event.taskFailedEventDetails?.error ?? '');
}

function statesEntered(w: World, executionArn: string): string[] {
  return w.engine
    .getExecutionHistory(executionArn)
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '');
}

/** Everything the workflow (and anything listening to it) could see: input, output, history, events. */
function expectNoPersonalData(w: World, executionArn: string): void {
  const seen = JSON.stringify({
    description: w.engine.describeExecution(executionArn),
    history: w.engine.getExecutionHistory(executionArn),
    events: eventBridgeMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input),
  });
  for (const secret of [META_PHONE, META_PHONE.slice(1), META_EMAIL, META_TEXT, '428913']) {
    expect(seen).not.toContain(secret);
  }
  // The handlers' logs and metrics too.
  for (const secret of [META_PHONE, META_EMAIL, META_TEXT]) expect(output.text()).not.toContain(secret);
}

function publishedOutcome(): Record<string, unknown> {
  const entries = eventBridgeMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? []);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    Source: 'receipt-driven-sms',
    DetailType: 'DeliveryOutcome',
    EventBusName: 'default',
  });
  return JSON.parse(entries[0]!.Detail ?? '{}') as Record<string, unknown>;
}

describe('the delivery workflow', () => {
  it('delivers on the first SMS', async () => {
    // Prepare
    const item = meta();
    const w = world(item);

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskSuccess(first.token, delivered(1, first.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.sinch.accepted[0]).toMatchObject({
      to: META_PHONE,
      text: META_TEXT,
      metadata: `${item.deliveryId}#1`,
    });
    expect(w.emails).toHaveLength(0);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED', attempts: 1 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'DELIVERED',
      smsAttempts: 1,
      emailSent: false,
      failureClasses: [],
      lastSmsFailure: null,
    });
    expect(statesEntered(w, executionArn)).toEqual(['SendSms', 'RecordOutcome']);
    expectNoPersonalData(w, executionArn);
  });

  it('resends after a transient failure and records DELIVERED_AFTER_RESEND', async () => {
    const item = meta();
    const w = world(item);

    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Transient',
      failedCause(1, first.messageId, 'CHANNEL_FAILURE'),
    );
    const second = await acceptedAttempt(w, item.deliveryId, 2);
    w.engine.sendTaskSuccess(second.token, delivered(2, second.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted.map((sms) => sms.metadata)).toEqual([
      `${item.deliveryId}#1`,
      `${item.deliveryId}#2`,
    ]);
    expect(w.emails).toHaveLength(0);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED_AFTER_RESEND', attempts: 2 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'DELIVERED_AFTER_RESEND',
      failureClasses: ['Sms.Transient'],
    });
    expect(statesEntered(w, executionArn)).toEqual([
      'SendSms',
      'DecideNextStep',
      'ActOnDecision',
      'WaitBeforeResend',
      'SendSms',
      'RecordOutcome',
    ]);
    const decision = w.engine
      .getExecutionHistory(executionArn)
      .find(
        (event) =>
          event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'DecideNextStep',
      );
    expect(JSON.parse(decision?.stateExitedEventDetails?.output ?? '{}')).toMatchObject({
      attempt: 2,
      decision: {
        action: 'RESEND',
        waitSeconds: 10,
        reason: 'SMS attempt 1 failed with a temporary network error; resending in 10 s (attempt 2 of 3).',
      },
    });
    expectNoPersonalData(w, executionArn);
  });

  it('resends when no receipt comes in time, then falls back to email', async () => {
    const item = meta({ policy: { maxSmsAttempts: 2, receiptTimeoutSeconds: 1 } });
    const w = world(item);

    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(2);
    expect(w.emails).toEqual([item.email]);
    expect(w.table.attempt(item.deliveryId, 3)).toMatchObject({
      channel: 'EMAIL',
      status: 'EMAIL_SENT',
      messageId: 'ses-1',
    });
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT', attempts: 2 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'EMAIL_SENT',
      smsAttempts: 2,
      emailSent: true,
      failureClasses: ['States.Timeout', 'States.Timeout'],
    });
    const history = w.engine.getExecutionHistory(executionArn);
    expect(history.filter((event) => event.type === 'TaskTimedOut')).toHaveLength(2);
    expect(statesEntered(w, executionArn)).toContain('SendEmail');
    // A receipt for attempt 1 arriving now finds its token closed: it cannot complete anything.
    expect(() => w.engine.sendTaskSuccess(first.token, delivered(1, first.messageId))).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expectNoPersonalData(w, executionArn);
  });

  it('falls back to email at once after a permanent failure', async () => {
    const item = meta();
    const w = world(item);

    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Permanent',
      failedCause(1, first.messageId, 'RECIPIENT_INVALID_CHANNEL_IDENTITY'),
    );
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toHaveLength(1);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT' });
    // The product can ask the user to correct the number: the event says it is wrong, not what it is.
    expect(publishedOutcome()).toMatchObject({
      outcome: 'EMAIL_SENT',
      failureClasses: ['Sms.Permanent'],
      lastSmsFailure: {
        attempt: 1,
        class: 'Permanent',
        reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
        recipientInvalid: true,
      },
    });
    expect(statesEntered(w, executionArn)).toEqual([
      'SendSms',
      'DecideNextStep',
      'ActOnDecision',
      'SendEmail',
      'RecordOutcome',
    ]);
    expectNoPersonalData(w, executionArn);
  });

  it('ends UNDELIVERABLE when SMS fails and there is no email address', async () => {
    const item = meta({ email: undefined, emailMasked: undefined });
    const w = world(item);

    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Permanent',
      failedCause(1, first.messageId, 'RECIPIENT_NOT_REACHABLE'),
    );
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toHaveLength(0);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'UNDELIVERABLE' });
    expect(publishedOutcome()).toMatchObject({ outcome: 'UNDELIVERABLE', emailSent: false });
    expect(statesEntered(w, executionArn).slice(-2)).toEqual(['MarkUndeliverable', 'RecordOutcome']);
    expectNoPersonalData(w, executionArn);
  });

  it('ends EXPIRED without sending anything more once the code has expired', async () => {
    // The code expires a second before the first receipt window closes (both in real time); 8 s leaves the
    // first attempt room to be accepted before the code expires on a busy machine.
    const item = meta({ expiresInSeconds: 8, policy: { receiptTimeoutSeconds: 9 } });
    const w = world(item);

    const executionArn = start(w, item);
    await acceptedAttempt(w, item.deliveryId, 1);
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toHaveLength(0);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EXPIRED' });
    expect(statesEntered(w, executionArn).slice(-2)).toEqual(['MarkExpired', 'RecordOutcome']);
    expectNoPersonalData(w, executionArn);
  }, 60_000);

  it('retries a send Sinch could not take (HTTP 503) and waits on the retry’s own token', async () => {
    const item = meta();
    const w = world(item, [{ status: 503, body: { error: { code: 503, status: 'UNAVAILABLE' } } }]);

    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskSuccess(first.token, delivered(1, first.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.sendRequests).toBe(2);
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toHaveLength(0);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED', attempts: 1 });
    const history = w.engine.getExecutionHistory(executionArn);
    expect(
      history.filter((event) => event.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error),
    ).toEqual(['Sinch.Unavailable']);
    const tokens = history
      .filter(
        (event) =>
          event.type === 'TaskScheduled' &&
          event.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken',
      )
      .map(
        (event) =>
          (
            JSON.parse(event.taskScheduledEventDetails?.parameters ?? '{}') as {
              Payload: { taskToken: string };
            }
          ).Payload.taskToken,
      );
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(tokens[1]).toBe(first.token);
    expectNoPersonalData(w, executionArn);
  });

  it('falls back to email when Sinch rejects the send (HTTP 400)', async () => {
    const item = meta();
    const w = world(item, [
      { status: 400, body: { error: { code: 400, message: 'Invalid app_id', status: 'INVALID_ARGUMENT' } } },
    ]);

    const executionArn = start(w, item);
    const done = await w.engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.sendRequests).toBe(1);
    expect(w.sinch.accepted).toHaveLength(0);
    expect(w.emails).toHaveLength(1);
    expect(w.table.attempt(item.deliveryId, 1)).toMatchObject({ status: 'FAILED', class: 'Config' });
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT' });
    expect(publishedOutcome()).toMatchObject({ outcome: 'EMAIL_SENT', failureClasses: ['Sinch.Rejected'] });
    expectNoPersonalData(w, executionArn);
  });
});

describe('the delivery workflow under AWS-side faults', () => {
  it('delivers on the first SMS when Lambda throttles SendSms a few times', async () => {
    // Prepare
    const item = meta();
    const w = world(item, [], { lambdaThrottles: { sendSms: 3 } });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskSuccess(first.token, delivered(1, first.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(taskFailures(w, executionArn)).toEqual(Array(3).fill('Lambda.TooManyRequestsException'));
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED', attempts: 1 });
    expect(publishedOutcome()).toMatchObject({ outcome: 'DELIVERED', failureClasses: [] });
    expectNoPersonalData(w, executionArn);
  });

  it('resends, not UNDELIVERABLE, when SendSms stays throttled through its retries', async () => {
    // Prepare: every invocation of the first SendSms entry is throttled; the resend gets through.
    const item = meta();
    const w = world(item, [], { lambdaThrottles: { sendSms: invocationsPerEntry('SendSms') } });

    // Act
    const executionArn = start(w, item);
    const second = await acceptedAttempt(w, item.deliveryId, 2);
    w.engine.sendTaskSuccess(second.token, delivered(2, second.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted.map((sms) => sms.metadata)).toEqual([`${item.deliveryId}#2`]);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED_AFTER_RESEND', attempts: 2 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'DELIVERED_AFTER_RESEND',
      failureClasses: ['Lambda.TooManyRequestsException'],
    });
    expect(statesEntered(w, executionArn)).toContain('WaitBeforeResend');
    expect(statesEntered(w, executionArn)).not.toContain('RecordOutcomeAfterError');
    expectNoPersonalData(w, executionArn);
  });

  it('falls back to email, not UNDELIVERABLE, when SendSms stays throttled for every attempt', async () => {
    // Prepare
    const item = meta();
    const w = world(item, [], { lambdaThrottles: { sendSms: Infinity } });

    // Act
    const executionArn = start(w, item);
    const done = await w.engine.waitForExecution(executionArn);

    // Assess: never more attempts than the policy allows, and the email while the code is valid.
    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.sendRequests).toBe(0);
    expect(w.emails).toEqual([item.email]);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT', attempts: 3 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'EMAIL_SENT',
      failureClasses: Array(3).fill('Lambda.TooManyRequestsException'),
    });
    expectNoPersonalData(w, executionArn);
  });

  it('retries an SMS attempt whose write DynamoDB throttled, and sends it once', async () => {
    // Prepare
    const item = meta();
    const w = world(item, [], { dynamoDbThrottles: 2 });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskSuccess(first.token, delivered(1, first.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(taskFailures(w, executionArn)).toEqual(['Aws.Unavailable', 'Aws.Unavailable']);
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED', attempts: 1 });
  });

  it('sends the email once SES stops throttling, within the same SendEmail', async () => {
    // Prepare
    const item = meta();
    const w = world(item, [], { sesThrottles: 3 });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Permanent',
      failedCause(1, first.messageId, 'RECIPIENT_NOT_REACHABLE'),
    );
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(taskFailures(w, executionArn)).toEqual(['Sms.Permanent', ...Array(3).fill('Email.Unavailable')]);
    expect(statesEntered(w, executionArn).filter((state) => state === 'SendEmail')).toHaveLength(1);
    expect(w.emails).toEqual([item.email]);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT' });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'EMAIL_SENT',
      lastSmsFailure: { class: 'Permanent', reasonCode: 'RECIPIENT_NOT_REACHABLE', recipientInvalid: false },
    });
  });

  it('tries the email again when SendEmail stays throttled through its retries, and sends no more SMS', async () => {
    // Prepare: SMS attempt 1 fails permanently; attempts 2 and 3 are left on paper but cannot help.
    const item = meta();
    const w = world(item, [], { lambdaThrottles: { sendEmail: invocationsPerEntry('SendEmail') } });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Permanent',
      failedCause(1, first.messageId, 'RECIPIENT_INVALID_CHANNEL_IDENTITY'),
    );
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toEqual([item.email]);
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'EMAIL_SENT', attempts: 1 });
    expect(w.table.attempt(item.deliveryId, 2)).toMatchObject({ channel: 'EMAIL', status: 'EMAIL_SENT' });
    expect(statesEntered(w, executionArn).filter((state) => state === 'SendEmail')).toHaveLength(2);
    expect(statesEntered(w, executionArn)).toContain('NoteEmailFailure');
    // The email's failure is not an SMS attempt's.
    expect(publishedOutcome()).toMatchObject({ outcome: 'EMAIL_SENT', failureClasses: ['Sms.Permanent'] });
    expectNoPersonalData(w, executionArn);
  });

  it('gives up after a bounded number of email tries when SES never recovers, without another SMS', async () => {
    // Prepare
    const item = meta();
    const w = world(item, [], { sesThrottles: Infinity });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(first.token, 'Sms.Policy', failedCause(1, first.messageId, 'CHANNEL_REJECT'));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(w.sinch.accepted).toHaveLength(1);
    expect(w.emails).toHaveLength(0);
    expect(statesEntered(w, executionArn).filter((state) => state === 'SendEmail')).toHaveLength(
      MAX_EMAIL_TRIES,
    );
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'UNDELIVERABLE' });
    expect(statesEntered(w, executionArn).slice(-2)).toEqual(['MarkUndeliverable', 'RecordOutcome']);
    expect(publishedOutcome()).toMatchObject({ outcome: 'UNDELIVERABLE', failureClasses: ['Sms.Policy'] });
  });

  it('rides out throttling of DecideNextStep and RecordOutcome longer than a sending task would', async () => {
    // Prepare: more throttled invocations than a sending task's retries absorb.
    const longer = invocationsPerEntry('SendSms') + 2;
    const item = meta();
    const w = world(item, [], { lambdaThrottles: { decideNext: longer, recordOutcome: longer } });

    // Act
    const executionArn = start(w, item);
    const first = await acceptedAttempt(w, item.deliveryId, 1);
    w.engine.sendTaskFailure(
      first.token,
      'Sms.Transient',
      failedCause(1, first.messageId, 'CHANNEL_FAILURE'),
    );
    const second = await acceptedAttempt(w, item.deliveryId, 2);
    w.engine.sendTaskSuccess(second.token, delivered(2, second.messageId));
    const done = await w.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(w.table.meta(item.deliveryId)).toMatchObject({ outcome: 'DELIVERED_AFTER_RESEND', attempts: 2 });
    expect(publishedOutcome()).toMatchObject({
      outcome: 'DELIVERED_AFTER_RESEND',
      lastSmsFailure: {
        attempt: 1,
        class: 'Transient',
        reasonCode: 'CHANNEL_FAILURE',
        recipientInvalid: false,
      },
    });
    expect(statesEntered(w, executionArn)).not.toContain('RecordOutcomeAfterError');
  });
});
