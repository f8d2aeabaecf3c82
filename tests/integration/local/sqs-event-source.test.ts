import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createQueues, type LocalQueue } from '../../../local/cloud-resources';
import type { FunctionRuntime, InvokeResult } from '../../../local/lambda-runtime';
import type { ServerlessManifest } from '../../../local/serverless-manifest';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { startSqsEventSource, type SqsEventSource } from '../../../local/sqs-event-source';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Queues declared as serverless.yml would: a work queue redriving to a DLQ after 2 receives, and a plain one. */
const manifest = {
  service: 'fixture',
  stage: 'local',
  region: 'us-east-1',
  resources: {
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'fixture-work',
        VisibilityTimeout: 100,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dead', 'Arn'] }, maxReceiveCount: 2 },
      },
    },
    Dead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fixture-dead' } },
    // Its own queue per test: a stopped poller's long poll may still take a message, as on SQS.
    Plain: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fixture-plain', VisibilityTimeout: 100 } },
    Throttled: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'fixture-throttled', VisibilityTimeout: 100 },
    },
  },
} as unknown as ServerlessManifest;

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SQS event source against fauxqs', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  let queues: Record<string, LocalQueue>;
  let source: SqsEventSource | undefined;
  const batches: { body: string; receiveCount: string }[][] = [];

  const runtime = (
    answer: (records: { messageId: string; body: string }[]) => InvokeResult,
  ): FunctionRuntime => ({
    key: 'worker',
    name: 'fixture-worker',
    arn: 'arn',
    invoke: async (event) => {
      const records = (
        event as {
          Records: { messageId: string; body: string; attributes: { ApproximateReceiveCount: string } }[];
        }
      ).Records;
      batches.push(
        records.map((r) => ({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })),
      );
      return answer(records);
    },
    warm: () => undefined,
    coldStarts: 0,
    close: async () => undefined,
  });

  beforeAll(async () => {
    sqs = await startSqsEmulator({ root: process.cwd() });
    client = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint, credentials });
    // 100 s scaled by 0.01: a failed message is visible again after 1 s.
    queues = await createQueues(client, manifest, { timeFactor: 0.01, refs: () => 'unused' });
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    batches.length = 0;
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('creates the queues from their declarations, the redrive policy pointing at the DLQ and the timeout scaled', () => {
    expect(queues.Work).toMatchObject({
      name: 'fixture-work',
      visibilityTimeout: 1,
      redrive: { deadLetterTargetArn: queues.Dead!.arn, maxReceiveCount: 2 },
    });
  });

  it('deletes the successes of a partial batch response and redrives the failure to the DLQ after maxReceiveCount', async () => {
    // Prepare
    for (const body of ['good-1', 'bad', 'good-2']) {
      await client.send(new SendMessageCommand({ QueueUrl: queues.Work!.url, MessageBody: body }));
    }

    // Act
    source = startSqsEventSource({
      sqs: client,
      queue: queues.Work!,
      runtime: runtime((records) => ({
        ok: true,
        requestId: 'r',
        payload: {
          batchItemFailures: records
            .filter((r) => r.body === 'bad')
            .map((r) => ({ itemIdentifier: r.messageId })),
        },
      })),
      region: 'us-east-1',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0.05,
      reportBatchItemFailures: true,
    });
    await waitFor(async () => ((await sqs.inspect('fixture-dead'))?.messages.ready.length ?? 0) === 1);

    // Assess
    const seen = batches.flat();
    expect(seen.filter((r) => r.body.startsWith('good'))).toHaveLength(2);
    expect(seen.filter((r) => r.body === 'bad').map((r) => r.receiveCount)).toEqual(['1', '2']);
    const work = await sqs.inspect('fixture-work');
    expect(work?.messages.ready.length ?? 0).toBe(0);
    expect((await sqs.inspect('fixture-dead'))?.messages.ready[0]?.body).toBe('bad');
  });

  it('keeps the whole batch when the invocation fails', async () => {
    // Prepare
    await client.send(new SendMessageCommand({ QueueUrl: queues.Plain!.url, MessageBody: 'unlucky' }));
    let calls = 0;

    // Act
    source = startSqsEventSource({
      sqs: client,
      queue: queues.Plain!,
      runtime: runtime(() => {
        calls += 1;
        return calls === 1
          ? {
              ok: false,
              requestId: 'r',
              error: { errorType: 'Sandbox.Timedout', errorMessage: 'x', trace: [] },
            }
          : { ok: true, requestId: 'r', payload: null };
      }),
      region: 'us-east-1',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
    });
    await waitFor(() => calls >= 2);

    // Assess
    expect(batches.flat().map((r) => `${r.body}:${r.receiveCount}`)).toEqual(['unlucky:1', 'unlucky:2']);
    expect(source.stats).toMatchObject({ failedInvocations: 1 });
  });

  it('leaves a throttled batch in flight: the messages come back after the visibility timeout', async () => {
    // Prepare
    await client.send(new SendMessageCommand({ QueueUrl: queues.Throttled!.url, MessageBody: 'throttled' }));
    let calls = 0;

    // Act
    source = startSqsEventSource({
      sqs: client,
      queue: queues.Throttled!,
      runtime: runtime(() => {
        calls += 1;
        return calls === 1
          ? {
              ok: false,
              requestId: 'r',
              throttled: 'ConcurrentInvocationLimitExceeded',
              error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', trace: [] },
            }
          : { ok: true, requestId: 'r', payload: null };
      }),
      region: 'us-east-1',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
    });
    await waitFor(() => calls >= 2);
    // The source counts a deletion once DeleteMessage has answered, a moment after fauxqs forgot the
    // message: wait for the count itself, so a busy machine cannot slip between the two.
    await waitFor(() => (source?.stats.deleted ?? 0) >= 1);

    // Assess
    expect((await sqs.inspect('fixture-throttled'))?.messages.inflight).toEqual([]);
    expect(batches.flat().map((r) => `${r.body}:${r.receiveCount}`)).toEqual(['throttled:1', 'throttled:2']);
    expect(source.stats).toMatchObject({ throttledBatches: 1, failedInvocations: 0, deleted: 1 });
  });
});
