import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { createDecideNextHandler } from '../../../lib/workflow/decide-next-handler';
import { createRecordOutcomeHandler } from '../../../lib/workflow/record-outcome-handler';
import { createSendEmailHandler } from '../../../lib/workflow/send-email-handler';
import { createSendSmsHandler } from '../../../lib/workflow/send-sms-handler';
import type { AttemptRepository } from '../../../lib/table/attempt-repository';
import type { SendSmsConfig, WorkflowTaskConfig } from '../../../lib/shared/config';
import type { DeliveryMetaItem } from '../../../lib/table/delivery-model';
import { SinchRejectedError } from '../../../lib/shared/errors';
import type { OutcomeRepository } from '../../../lib/table/outcome-repository';
import type { SinchClient } from '../../../lib/workflow/sinch-client';
import { WORKFLOW_METRICS } from '../../../lib/workflow/workflow-telemetry';
import { META_EMAIL, META_PHONE, META_TEXT, aMetaItem } from '../../builders/attempt-item';
import { aLambdaContext } from '../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

/**
 * What the four workflow task Lambdas write to CloudWatch: every log line of an invocation names its
 * delivery, attempt and stage (and the next invocation does not inherit them), the event is never logged,
 * and the metrics that alarms and the dashboard read are emitted with their dimensions.
 */

const STAGE = 'unit';
const CREDENTIALS_PARAM = '/receipt-driven-sms/unit/sinch-credentials';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAT0kEn-task-token-secret';
const taskConfig: WorkflowTaskConfig = {
  stage: STAGE,
  deliveriesTable: 'receipt-driven-sms-unit-deliveries',
};
const smsConfig: SendSmsConfig = {
  ...taskConfig,
  sinchProjectId: 'project',
  sinchAppId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  sinchRegion: 'eu',
  sinchCredentialsParam: CREDENTIALS_PARAM,
  sinchApiUrl: 'https://sinch.test',
  sinchAuthUrl: 'https://auth.sinch.test',
  sinchSmsSender: undefined,
};
const NOW = new Date('2026-03-02T10:16:11.000Z');

const ssmMock = mockClient(SSMClient);

function telemetry() {
  return {
    logger: new Logger({ serviceName: 'receipt-driven-sms', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'receipt-driven-sms' }),
  };
}

function deliveries(meta: DeliveryMetaItem) {
  return { getMeta: async (deliveryId: string) => (deliveryId === meta.deliveryId ? meta : undefined) };
}

/** The attempt repository as the tasks use it, remembering nothing. */
const attempts: Pick<
  AttemptRepository,
  | 'startSmsAttempt'
  | 'setMessageId'
  | 'noteSendFailure'
  | 'noteUnconfirmedSend'
  | 'getAttempt'
  | 'putEmailAttempt'
  | 'listAttempts'
> = {
  startSmsAttempt: async () => ({ firstWrite: true, provider: 'sinch' }),
  setMessageId: async () => undefined,
  noteSendFailure: async () => undefined,
  noteUnconfirmedSend: async () => undefined,
  getAttempt: async () => undefined,
  putEmailAttempt: async () => true,
  listAttempts: async () => [],
};

function dimensionsOf(blob: Record<string, unknown>): Record<string, unknown>[] {
  const [directive] = (blob._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics;
  return directive!.Dimensions.map((keys) => Object.fromEntries(keys.map((key) => [key, blob[key]])));
}

describe('workflow task Lambdas: logs and metrics', () => {
  let output: CapturedOutput;
  const meta = aMetaItem({
    deliveryId: 'login-7f3a9c',
    createdAt: '2026-03-02T10:15:29.000Z',
    expiresAt: '2026-03-02T10:25:29.000Z',
  });

  beforeEach(() => {
    clearCache();
    ssmMock.reset();
    ssmMock.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: CREDENTIALS_PARAM,
          Type: 'SecureString',
          Value: JSON.stringify({ keyId: 'key-id', keySecret: 'key-secret-value' }),
        },
      ],
    });
    // Whatever the environment asks for, no task Lambda logs its event.
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
  });

  const expectEveryLineToName = (deliveryId: string, attempt: number) => {
    const lines = output.logLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ deliveryId, attempt, stage: STAGE });
  };

  const expectNoPersonalData = () => {
    for (const secret of [META_PHONE, META_PHONE.slice(1), META_EMAIL, META_TEXT, TASK_TOKEN]) {
      expect(output.text()).not.toContain(secret);
    }
  };

  it('send-sms names the delivery and attempt on every line and counts a Sinch refusal by its kind', async () => {
    const sinch: SinchClient = {
      sendSms: async () => {
        throw new SinchRejectedError('Sinch messages:send answered 403: forbidden', 403, 'PERMISSION_DENIED');
      },
    };
    const handler = createSendSmsHandler({
      config: smsConfig,
      deliveries: deliveries(meta),
      attempts,
      sinch,
      ...telemetry(),
      now: () => NOW,
      ssm: { awsClientOptions: { region: 'us-east-1' } },
    });

    await expect(
      handler({ deliveryId: meta.deliveryId, attempt: 2, taskToken: TASK_TOKEN }, aLambdaContext()),
    ).rejects.toMatchObject({ name: 'Sinch.Rejected' });

    expectEveryLineToName(meta.deliveryId, 2);
    expectNoPersonalData();
    expect(output.metricBlobs().flatMap(dimensionsOf)).toContainEqual({
      service: 'receipt-driven-sms',
      kind: 'Sinch.Rejected',
    });
    expect(output.metricBlobs().some((blob) => WORKFLOW_METRICS.sinchSendErrors in blob)).toBe(true);
  });

  it('send-sms counts an accepted resend as sent and as a resend', async () => {
    const handler = createSendSmsHandler({
      config: smsConfig,
      deliveries: deliveries(meta),
      attempts,
      sinch: { sendSms: async () => ({ messageId: '01HZY0SINCHMESSAGE0000002' }) },
      ...telemetry(),
      now: () => NOW,
      ssm: { awsClientOptions: { region: 'us-east-1' } },
    });

    await handler({ deliveryId: meta.deliveryId, attempt: 2, taskToken: TASK_TOKEN }, aLambdaContext());

    expectEveryLineToName(meta.deliveryId, 2);
    expectNoPersonalData();
    expect(output.metricBlobs()).toContainEqual(
      expect.objectContaining({ [WORKFLOW_METRICS.smsSent]: 1, [WORKFLOW_METRICS.smsResends]: 1 }),
    );
  });

  it('send-email names the delivery and attempt on every line and counts the fallback', async () => {
    const handler = createSendEmailHandler({
      config: { ...taskConfig, emailFrom: 'no-reply@example.com' },
      deliveries: deliveries(meta),
      attempts,
      mailer: { send: async () => ({ messageId: 'ses-message-1' }) },
      ...telemetry(),
      now: () => NOW,
    });

    await handler({ deliveryId: meta.deliveryId, attempt: 4 }, aLambdaContext());

    expectEveryLineToName(meta.deliveryId, 4);
    expectNoPersonalData();
    expect(output.metricBlobs()).toContainEqual(
      expect.objectContaining({ [WORKFLOW_METRICS.fallbackEmailSent]: 1 }),
    );
  });

  it('decide-next names the delivery and attempt of each invocation on every line', async () => {
    const other = aMetaItem({ deliveryId: 'reset-2b9d', expiresAt: meta.expiresAt });
    const { logger } = telemetry();
    const handler = createDecideNextHandler({
      config: taskConfig,
      deliveries: {
        getMeta: async (id) => [meta, other].find((item) => item.deliveryId === id),
      },
      attempts,
      logger,
      now: () => NOW,
    });
    const state = (deliveryId: string, attempt: number) => ({
      deliveryId,
      expiresAt: meta.expiresAt,
      policy: meta.policy,
      attempt,
      failures: [],
      failure: 'States.Timeout',
    });

    await handler(state(meta.deliveryId, 1), aLambdaContext());
    expectEveryLineToName(meta.deliveryId, 1);
    output.clear();
    await handler(state(other.deliveryId, 2), aLambdaContext());

    expectEveryLineToName(other.deliveryId, 2);
    expectNoPersonalData();
  });

  it('record-outcome counts the outcome, its time and each failed attempt', async () => {
    const outcomes: OutcomeRepository = {
      record: async ({ deliveryId, outcome, outcomeAt, attempts: count }) => ({
        deliveryId,
        outcome,
        outcomeAt,
        attempts: count,
        createdAt: meta.createdAt,
        expiresAt: meta.expiresAt,
        recordedNow: true,
      }),
    };
    const handler = createRecordOutcomeHandler({
      config: taskConfig,
      outcomes,
      events: { send: async () => undefined },
      attempts,
      ...telemetry(),
      now: () => NOW,
    });

    await handler(
      {
        deliveryId: meta.deliveryId,
        outcome: 'EMAIL_SENT',
        attempt: 3,
        failures: ['States.Timeout', 'Sms.Transient'],
      },
      aLambdaContext(),
    );

    expectEveryLineToName(meta.deliveryId, 3);
    const blobs = output.metricBlobs();
    expect(blobs).toContainEqual(
      expect.objectContaining({
        outcome: 'EMAIL_SENT',
        [WORKFLOW_METRICS.deliveries]: 1,
        [WORKFLOW_METRICS.timeToOutcome]: 42,
      }),
    );
    expect(
      blobs.filter((blob) => WORKFLOW_METRICS.smsAttemptFailures in blob).map((blob) => blob.failure),
    ).toEqual(['States.Timeout', 'Sms.Transient']);
  });
});
