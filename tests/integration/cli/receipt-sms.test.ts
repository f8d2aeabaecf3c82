import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptItem, DeliveryMetaItem } from '../../../lib/table/delivery-model';
import { hashRecipient } from '../../../lib/shared/pii';
import { decodeEnvelope, encodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { startSsmStandIn, type SsmStandIn } from '../../../local/ssm-stand-in';
import type { StackDescription } from '../../../local/stack';
import { EXIT_CODES } from '../../../cli/exit-codes';
import { main } from '../../../cli/receipt-sms';
import { META_EMAIL, META_PHONE, META_TEXT, aMetaItem, anAttemptItem } from '../../builders/attempt-item';
import { aHistory, at, step } from '../../builders/delivery-history';
import { aCapturedIo } from '../../unit/cli/support/fake-cli';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';
import { startStepFunctionsFake, type StepFunctionsFake } from './support/step-functions-fake';

/**
 * The CLI end to end against real emulators over HTTP: dynalite with the deliveries table exactly as
 * serverless.yml declares it, fauxqs for the receipts queue and its DLQ, the SSM stand-in for the
 * recipient hash key, and a Step Functions fake serving histories. `main` runs in-process with
 * `--local --stack-file`, so it resolves the target and builds its SDK clients as `npx receipt-sms` does.
 */

const NOW = '2026-03-02T12:00:00.000Z';
const HASH_KEY = 'integration-hash-key';
const HASH_KEY_PARAM = '/receipt-driven-sms/local/recipient-hash-key';
const OTHER_PHONE = '+447700900123';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-local-delivery';

/** Seconds from NOW, as ISO. */
const ago = (seconds: number) => at(-seconds, NOW);
const executionArn = (deliveryId: string) =>
  `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${deliveryId}`;

function meta(deliveryId: string, createdSecondsAgo: number, overrides: Partial<DeliveryMetaItem> = {}) {
  return aMetaItem({
    deliveryId,
    createdAt: ago(createdSecondsAgo),
    expiresAt: ago(createdSecondsAgo - 600),
    toHash: hashRecipient(META_PHONE, HASH_KEY),
    executionArn: executionArn(deliveryId),
    ...overrides,
  });
}

const ITEMS: (DeliveryMetaItem | AttemptItem)[] = [
  meta('d-delivered', 600, { outcome: 'DELIVERED', outcomeAt: ago(597) }),
  anAttemptItem({
    deliveryId: 'd-delivered',
    messageId: 'msg-delivered-1',
    sentAt: ago(599.7),
    status: 'DELIVERED',
    receipts: [{ key: 'k1', status: 'DELIVERED', receivedAt: ago(597.2), eventTime: ago(597.4) }],
  }),
  meta('d-email', 300, { outcome: 'EMAIL_SENT', outcomeAt: ago(294), lateSmsDelivered: true }),
  anAttemptItem({
    deliveryId: 'd-email',
    messageId: 'msg-email-1',
    sentAt: ago(299.7),
    status: 'FAILED',
    reason: 'RECIPIENT_NOT_REACHABLE',
    class: 'Permanent',
    receipts: [
      {
        key: 'k2',
        status: 'FAILED',
        receivedAt: ago(295.5),
        reasonCode: 'RECIPIENT_NOT_REACHABLE',
        failureClass: 'Permanent',
        description: `The underlying channel reported: ${META_PHONE.slice(1)} absent`,
      },
      { key: 'k3', status: 'DELIVERED', receivedAt: ago(100), late: true },
    ],
  }),
  anAttemptItem({
    deliveryId: 'd-email',
    attempt: 2,
    channel: 'EMAIL',
    sentAt: ago(294.5),
    status: 'EMAIL_SENT',
  }),
  meta('d-progress', 60, { attempts: 1 }),
  anAttemptItem({ deliveryId: 'd-progress', messageId: 'msg-progress-1', sentAt: ago(59.5) }),
  meta('d-old', 3 * 86_400, {
    outcome: 'EXPIRED',
    outcomeAt: ago(3 * 86_400 - 700),
    toHash: hashRecipient(OTHER_PHONE, 'another-stage-key'),
  }),
];

const EMAIL_HISTORY = aHistory(
  [
    step.started(0),
    step.entered(0.1, 'PrepareDelivery', 'PassStateEntered'),
    step.entered(0.2, 'SendSms'),
    step.failed(4.6, 'Sms.Permanent', JSON.stringify({ reasonCode: 'RECIPIENT_NOT_REACHABLE' })),
    step.entered(4.7, 'DecideNextStep'),
    step.succeeded(4.9, {
      Payload: {
        deliveryId: 'd-email',
        decision: { action: 'EMAIL', waitSeconds: 0, reason: 'The number cannot receive SMS' },
      },
      StatusCode: 200,
    }),
    step.entered(5, 'ActOnDecision', 'ChoiceStateEntered'),
    step.entered(5.1, 'SendEmail'),
    step.succeeded(5.6, { Payload: { messageId: 'ses-1' } }),
    step.entered(5.7, 'RecordOutcome'),
    step.succeeded(6, { Payload: { outcome: 'EMAIL_SENT' } }),
    step.executionSucceeded(6.3),
  ].map((s) => ({ ...s, t: s.t - 300 })),
  NOW,
);

describe('receipt-sms against the emulators', () => {
  let dynamo: DynaliteInstance;
  let sqsEmulator: SqsEmulator;
  let ssm: SsmStandIn;
  let sfn: StepFunctionsFake;
  let sqs: SQSClient;
  let dir: string;
  let stackFile: string;
  let receiptsQueueUrl: string;
  let dlqUrl: string;

  async function run(...argv: string[]) {
    const io = aCapturedIo({ now: NOW });
    const code = await main([...argv, '--local', '--stack-file', stackFile], io);
    return {
      code,
      out: io.out(),
      err: io.err(),
      json: () => JSON.parse(io.out()) as Record<string, unknown>,
    };
  }

  async function queueDepth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  }

  async function park(body: string, attributes: Record<string, string>) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: body,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
  }

  beforeAll(async () => {
    [dynamo, sqsEmulator, ssm, sfn] = await Promise.all([
      startDynalite(),
      startSqsEmulator({ root: process.cwd() }),
      startSsmStandIn({ parameters: { [HASH_KEY_PARAM]: { value: HASH_KEY, type: 'SecureString' } } }),
      startStepFunctionsFake({ pageSize: 4 }),
    ]);
    const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
    const tableName = await createDeliveriesTable(dynamoClient, {
      tableName: 'receipt-driven-sms-local-deliveries',
    });
    const documents = DynamoDBDocumentClient.from(dynamoClient);
    for (const item of ITEMS) await documents.send(new PutCommand({ TableName: tableName, Item: item }));
    documents.destroy();

    sqs = new SQSClient({ endpoint: sqsEmulator.endpoint, region: 'us-east-1', credentials });
    receiptsQueueUrl = (
      await sqs.send(new CreateQueueCommand({ QueueName: 'receipt-driven-sms-local-receipts' }))
    ).QueueUrl!;
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'receipt-driven-sms-local-receipts-dlq' })))
      .QueueUrl!;

    sfn.setExecution(executionArn('d-email'), 'SUCCEEDED', EMAIL_HISTORY);
    sfn.setExecution(
      executionArn('d-delivered'),
      'SUCCEEDED',
      aHistory([step.started(-600), step.entered(-599.9, 'SendSms'), step.executionSucceeded(-596.8)], NOW),
    );

    dir = mkdtempSync(join(tmpdir(), 'receipt-sms-'));
    stackFile = join(dir, 'stack.json');
    writeFileSync(
      stackFile,
      JSON.stringify(
        aStackFile({
          endpoints: {
            dynamodb: dynamo.endpoint,
            sqs: sqsEmulator.endpoint,
            stepfunctions: sfn.endpoint,
            ssm: ssm.endpoint,
          },
          resources: {
            deliveriesTable: tableName,
            receiptsQueueUrl,
            receiptsDlqUrl: dlqUrl,
            stateMachineArn: STATE_MACHINE,
          },
        }),
      ),
    );
  });

  afterAll(async () => {
    sqs.destroy();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([dynamo.stop(), sqsEmulator.stop(), ssm.stop(), sfn.stop()]);
  });

  describe('inspect', () => {
    it('merges the stored attempts with the paged workflow history', async () => {
      // Prepare
      const pagesBefore = sfn.pagesServed;

      // Act
      const result = await run('inspect', 'd-email', '--json');

      // Assess
      expect(result.code).toBe(EXIT_CODES.ok);
      const report = result.json();
      expect(report).toMatchObject({
        deliveryId: 'd-email',
        recipient: '+46******4567',
        email: 'a****@example.com',
        outcome: 'EMAIL_SENT',
        timeToOutcomeMs: 6000,
        lateSmsDelivered: true,
        executionArn: executionArn('d-email'),
        executionStatus: 'SUCCEEDED',
        historyAvailable: true,
        lateReceipts: [{ attempt: 1, status: 'DELIVERED', late: true }],
      });
      expect((report.timeline as { kind: string }[]).map((e) => e.kind)).toEqual([
        'requested',
        'started',
        'sms-sent',
        'receipt',
        'decision',
        'email-sent',
        'outcome',
        'execution-ended',
        'receipt',
      ]);
      expect(sfn.pagesServed - pagesBefore).toBe(3);
    });

    it('never fetches or prints the number, the email address, the code or a task token', async () => {
      const human = await run('inspect', 'd-email');
      const json = await run('inspect', 'd-email', '--json');

      for (const output of [human.out, json.out]) {
        expect(output).not.toContain(META_PHONE.slice(1));
        expect(output).not.toContain(META_EMAIL);
        expect(output).not.toContain(META_TEXT);
        expect(output).not.toContain('token-');
      }
      expect(human.out).toContain('Receipt FAILED · RECIPIENT_NOT_REACHABLE · class Permanent');
      expect(human.out).toContain('The underlying channel reported');
    });

    it('finds a delivery by its Sinch message id through the byMessage index', async () => {
      const result = await run('inspect', 'msg-delivered-1', '--json');

      expect(result.code).toBe(EXIT_CODES.ok);
      expect(result.json()).toMatchObject({
        deliveryId: 'd-delivered',
        outcome: 'DELIVERED',
        timeToOutcomeMs: 3000,
      });
    });

    it('shows what the table knows when the execution history is gone', async () => {
      const result = await run('inspect', 'd-old', '--json');

      expect(result.code).toBe(EXIT_CODES.ok);
      expect(result.json()).toMatchObject({
        outcome: 'EXPIRED',
        historyAvailable: false,
        executionStatus: null,
      });
    });

    it('exits 1 for an id that is neither a delivery nor a Sinch message', async () => {
      const result = await run('inspect', 'no-such-delivery', '--json');

      expect(result.code).toBe(EXIT_CODES.notFound);
      expect(result.out).toBe('');
      expect(result.err).toContain(
        'No delivery and no Sinch message with id no-such-delivery in the local stack.',
      );
    });
  });

  describe('list', () => {
    it('lists the last day of deliveries, newest first', async () => {
      const result = await run('list', '--json');

      expect(result.code).toBe(EXIT_CODES.ok);
      expect(result.json()).toMatchObject({
        since: ago(86_400),
        matched: 3,
        deliveries: [
          { deliveryId: 'd-progress', outcome: 'IN_PROGRESS', recipient: '+46******4567' },
          { deliveryId: 'd-email', outcome: 'EMAIL_SENT', lateSmsDelivered: true, timeToOutcomeMs: 6000 },
          { deliveryId: 'd-delivered', outcome: 'DELIVERED' },
        ],
      });
    });

    it('filters by outcome and time in the scan, and cuts to the limit', async () => {
      const inProgress = await run('list', '--outcome', 'in_progress', '--json');
      const week = await run('list', '--since', '7d', '--limit', '2', '--json');
      const expired = await run('list', '--since', '7d', '--outcome', 'EXPIRED', '--json');

      const ids = (r: { json: () => Record<string, unknown> }) =>
        (r.json().deliveries as { deliveryId: string }[]).map((d) => d.deliveryId);
      expect(ids(inProgress)).toEqual(['d-progress']);
      expect(ids(week)).toEqual(['d-progress', 'd-email']);
      expect(week.json().matched).toBe(4);
      expect(ids(expired)).toEqual(['d-old']);
    });
  });

  describe('find', () => {
    it('finds the deliveries to a number through the keyed hash from SSM', async () => {
      const result = await run('find', '--phone', '+46 70 123 45 67', '--json');

      expect(result.code).toBe(EXIT_CODES.ok);
      expect(result.json()).toEqual({
        recipient: '+46*****4567',
        deliveries: [
          expect.objectContaining({ deliveryId: 'd-progress' }),
          expect.objectContaining({ deliveryId: 'd-email', outcome: 'EMAIL_SENT' }),
          expect.objectContaining({ deliveryId: 'd-delivered', outcome: 'DELIVERED' }),
        ],
      });
      expect(result.out).not.toContain(META_PHONE);
    });

    it('exits 1 for a number whose hash has no deliveries', async () => {
      const result = await run('find', '--phone', OTHER_PHONE);

      expect(result.code).toBe(EXIT_CODES.notFound);
      expect(result.err).toContain('No deliveries to +44******0123 in the local stack.');
    });
  });

  describe('dlq', () => {
    const webhook = JSON.stringify({
      message_delivery_report: {
        message_id: 'msg-orphan',
        status: 'DELIVERED',
        channel_identity: { channel: 'SMS', identity: META_PHONE.slice(1) },
        metadata: 'd-gone#1',
      },
    });

    it('lists parked receipts and leaves them parked, then moves them back with --yes', async () => {
      // Prepare
      await park(encodeEnvelope({ receivedAt: ago(30), rawBody: webhook }), {
        parkedReason: 'no delivery d-gone',
        parkedBy: 'processor',
        eventType: 'message_delivery_report',
      });
      await park(encodeEnvelope({ receivedAt: ago(20), rawBody: '{"unsupported_callback":{}}' }), {});

      // Act
      const listed = await run('dlq', 'list', '--json');

      // Assess
      expect(listed.code).toBe(EXIT_CODES.ok);
      const { receipts } = listed.json() as { receipts: Record<string, unknown>[] };
      expect(receipts).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            parkedBy: 'processor',
            reason: 'no delivery d-gone',
            deliveryId: 'd-gone',
            attempt: 1,
            sinchMessageId: 'msg-orphan',
            recipient: '+46*****4567',
          }),
          expect.objectContaining({ parkedBy: 'sqs', eventType: null }),
        ]),
      );
      expect(listed.out).not.toContain(META_PHONE.slice(1));
      expect(await queueDepth(dlqUrl)).toBe(2);

      // Act
      const moved = await run('dlq', 'redrive', '--yes', '--json');

      // Assess
      expect(moved.code).toBe(EXIT_CODES.ok);
      expect(moved.json()).toEqual({ moved: 2, failed: [] });
      expect(await queueDepth(dlqUrl)).toBe(0);
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: receiptsQueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      expect(Messages).toHaveLength(2);
      const redriven = Messages!.find((m) => decodeEnvelope(m.Body ?? '')?.rawBody.includes('msg-orphan'));
      expect(redriven?.Body).toBe(encodeEnvelope({ receivedAt: ago(30), rawBody: webhook }));
      expect(Object.keys(redriven?.MessageAttributes ?? {})).toEqual(['eventType']);
    });

    it('refuses to redrive from a script without --yes', async () => {
      const result = await run('dlq', 'redrive');

      expect(result.code).toBe(EXIT_CODES.usage);
      expect(result.err).toContain('Nothing was moved.');
    });
  });

  it('tells the user to start the local stack when an emulator does not answer', async () => {
    // Prepare
    const stopped = await startStepFunctionsFake();
    await stopped.stop();
    const downFile = join(dir, 'down.json');
    const endpoint = stopped.endpoint;
    writeFileSync(
      downFile,
      JSON.stringify(
        aStackFile({
          endpoints: { dynamodb: endpoint, sqs: endpoint, stepfunctions: endpoint, ssm: endpoint },
          resources: {
            deliveriesTable: 't',
            receiptsQueueUrl: 'http://q',
            receiptsDlqUrl: 'http://d',
            stateMachineArn: STATE_MACHINE,
          },
        }),
      ),
    );
    const io = aCapturedIo({ now: NOW });

    // Act
    const code = await main(['inspect', 'd-1', '--local', '--stack-file', downFile], io);

    // Assess
    expect(code).toBe(EXIT_CODES.target);
    expect(io.err()).toContain(
      'Failed reading the delivery (the local stack): the local stack is not answering (ECONNREFUSED).',
    );
    expect(io.err()).toContain('npm start');
  });

  it('recognises a stack file left behind by a local stack that has ended', async () => {
    // Prepare
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    const staleFile = join(dir, 'stale.json');
    writeFileSync(
      staleFile,
      JSON.stringify({
        ...aStackFile({
          endpoints: { dynamodb: 'http://x', sqs: 'http://x', stepfunctions: 'http://x', ssm: 'http://x' },
          resources: {
            deliveriesTable: 't',
            receiptsQueueUrl: 'http://q',
            receiptsDlqUrl: 'http://d',
            stateMachineArn: STATE_MACHINE,
          },
        }),
        pid: ended,
      }),
    );
    const io = aCapturedIo({ now: NOW });

    // Act
    const code = await main(['list', '--local', '--stack-file', staleFile], io);

    // Assess
    expect(code).toBe(EXIT_CODES.target);
    expect(io.err()).toContain(`was left behind by process ${ended}, which has ended`);
  });
});

const UNUSED = 'http://127.0.0.1:9';

/** `.local/stack.json` as `npm start` writes it (`StackDescription` in local/stack.ts), for this process. */
function aStackFile(parts: {
  endpoints: Pick<StackDescription['endpoints'], 'dynamodb' | 'sqs' | 'stepfunctions' | 'ssm'>;
  resources: Omit<StackDescription['resources'], 'queues' | 'tables'>;
}) {
  return {
    pid: process.pid,
    stage: 'local',
    region: 'us-east-1',
    // The CLI does not talk to these; a closed port makes sure of it.
    endpoints: { ses: UNUSED, mailView: UNUSED, eventbridge: UNUSED, sinch: UNUSED, ...parts.endpoints },
    resources: { ...parts.resources, queues: {}, tables: {} },
    ssmParameters: { RECIPIENT_HASH_KEY_PARAM: HASH_KEY_PARAM },
  } satisfies Partial<StackDescription>;
}
