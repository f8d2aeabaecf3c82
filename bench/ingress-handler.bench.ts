import { createHash, createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { boundedClientOptions, createSqsClient } from '../lib/shared/aws-clients';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createIngressHandler } from '../lib/ingress/ingress-handler';
import { createReceiptQueue } from '../lib/ingress/receipt-queue';
import { median, percentile, type BenchContext, type BenchRow } from './harness';
import { createNaiveIngressHandler } from './naive-ingress-handler';

/**
 * The whole ingress handler (Middy, Powertools logging and metrics, SSM cache, verification, routing and
 * the real SQS client serialising SendMessage) with SQS and SSM answered in-process: what one warm Lambda
 * container can do, without the network. Invocations run one at a time, as Lambda runs them.
 *
 * Against it, the naive handler of `naive-ingress-handler.ts` on the same in-process answers, in
 * interleaved rounds (the order alternates), so a noisy neighbour slows both alike; the ratio is the median
 * of the per-round ratios. Goal: at least 1.05× the naive handler's throughput.
 */
const BENCH = 'ingress-handler';
const SECRET = 'bench-webhook-secret-0123456789abcdef';
const PARAM = '/receipt-driven-sms/bench/sinch-webhook-secrets';
const NOW_MS = Date.UTC(2026, 2, 2, 10, 15, 35);
const TIMESTAMP = String(Math.floor(NOW_MS / 1000));

interface StubRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

// A stand-in for the SDK's HTTP handler: answers like the service would, without a socket. The SQS
// answer carries a correct MD5 because the SDK checks it.
function inProcessHandler(answer: (target: string, input: Record<string, unknown>) => unknown) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (request: StubRequest) => {
      // The SDK hands the serialised body over as bytes (a real HTTP handler writes them to the socket).
      const sent = request.body;
      const text = sent instanceof Uint8Array ? Buffer.from(sent).toString('utf8') : String(sent ?? '{}');
      const input = JSON.parse(text || '{}') as Record<string, unknown>;
      const body = Buffer.from(JSON.stringify(answer(request.headers['x-amz-target'] ?? '', input)));
      return {
        response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
}

const sqsAnswer = (_target: string, input: Record<string, unknown>) => ({
  MessageId: '00000000-0000-4000-8000-000000000000',
  MD5OfMessageBody: createHash('md5')
    .update(String(input.MessageBody ?? ''))
    .digest('hex'),
});
const ssmAnswer = (target: string) =>
  target === 'AmazonSSM.GetParameter'
    ? { Parameter: { Name: PARAM, Type: 'SecureString', Value: SECRET, Version: 1 } }
    : { Parameters: [{ Name: PARAM, Type: 'SecureString', Value: SECRET, Version: 1 }] };

function event(body: string, secret: string, nonce: string): APIGatewayProxyEventV2 {
  const signature = createHmac('sha256', secret).update(`${body}.${nonce}.${TIMESTAMP}`).digest('base64');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
      'x-sinch-webhook-signature': signature,
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': TIMESTAMP,
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghijklmnop',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'Sinch' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: '02/Mar/2026:10:15:35 +0000',
      timeEpoch: NOW_MS,
    },
    isBase64Encoded: false,
    body,
  };
}

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'receipt-driven-sms-bench-ingress',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:receipt-driven-sms-bench-ingress',
    memoryLimitInMB: '256',
    awsRequestId: 'bench',
    logGroupName: '/aws/lambda/receipt-driven-sms-bench-ingress',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function reportBody(i: number): string {
  return JSON.stringify({
    app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
    accepted_time: '2026-03-02T10:15:30.120Z',
    event_time: '2026-03-02T10:15:34.587Z',
    project_id: '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10',
    message_delivery_report: {
      message_id: `01HZX4R2K8M3P6Q9S1T4V${String(i).padStart(5, '0')}`,
      conversation_id: '',
      status: 'DELIVERED',
      channel_identity: { channel: 'SMS', identity: '46701234567', app_id: '' },
      contact_id: '',
      metadata: `d-01JBENCH${i}#1`,
      processing_mode: 'DISPATCH',
    },
    message_metadata: '',
  });
}

export default async function run(bench: BenchContext): Promise<BenchRow[]> {
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  // The client as the ingress creates it (bounded, middleware cached, no MD5 check), answered in-process.
  const sqs = createSqsClient({
    ...boundedClientOptions(2000),
    region: 'us-east-1',
    credentials,
    requestHandler: inProcessHandler(sqsAnswer) as unknown as SQSClientConfig['requestHandler'],
  });
  const config = {
    stage: 'bench',
    webhookSecretsParam: PARAM,
    webhookMaxAgeSeconds: 86_400,
    webhookMaxFutureSeconds: 300,
    receiptsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
    receiptsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
  };
  const handler = createIngressHandler({
    config,
    queue: createReceiptQueue({ sqs, queueUrl: config.receiptsQueueUrl, dlqUrl: config.receiptsDlqUrl }),
    // Real Powertools output (the runner sends the child's stdout to /dev/null): logging is part of the cost.
    logger: new Logger({ serviceName: 'receipt-driven-sms', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSms', serviceName: 'receipt-driven-sms' }),
    now: () => NOW_MS,
    ssm: {
      awsClientOptions: {
        region: 'us-east-1',
        credentials,
        requestHandler: inProcessHandler(ssmAnswer) as unknown as SSMClientConfig['requestHandler'],
      },
    },
  });

  const naive = createNaiveIngressHandler({
    secretParam: PARAM,
    queueUrl: config.receiptsQueueUrl,
    sqs: {
      region: 'us-east-1',
      credentials,
      requestHandler: inProcessHandler(sqsAnswer) as unknown as SQSClientConfig['requestHandler'],
    },
    ssm: {
      region: 'us-east-1',
      credentials,
      requestHandler: inProcessHandler(ssmAnswer) as unknown as SSMClientConfig['requestHandler'],
    },
  });

  const accepted = Array.from({ length: 256 }, (_, i) =>
    event(reportBody(i), SECRET, `01HZX4S0AAAAAAAAAAAAA${String(i).padStart(5, '0')}`),
  );
  const forged = Array.from({ length: 256 }, (_, i) =>
    event(reportBody(i), 'forged-secret', `01HZX4S0BBBBBBBBBBBBB${String(i).padStart(5, '0')}`),
  );

  type Subject = (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number }>;
  const ours: Subject = (e) => handler(e, context());
  /**
   * Runs `count` invocations one at a time and returns invocations per CPU-second of this process (user +
   * system): on a shared machine, time spent descheduled would otherwise count against whichever handler
   * happened to be running. Pushes each invocation's wall-clock latency (µs).
   */
  const drive = async (
    subject: Subject,
    events: APIGatewayProxyEventV2[],
    expected: number,
    count: number,
    latencies?: number[],
  ): Promise<number> => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i += 1) {
      const began = process.hrtime.bigint();
      const response = await subject(events[i % events.length]!);
      latencies?.push(Number(process.hrtime.bigint() - began) / 1000);
      if (response.statusCode !== expected) throw new Error(`got ${response.statusCode}, not ${expected}`);
    }
    const used = process.cpuUsage(cpu);
    return count / ((used.user + used.system) / 1e6);
  };

  const rounds = bench.quick ? 6 : 20;
  const perRound = bench.quick ? 300 : 1000;
  const rows: BenchRow[] = [];
  for (const [label, events, expected] of [
    ['delivery report enqueued (SQS in-process)', accepted, 200],
    ['forged webhook rejected (401)', forged, 401],
  ] as const) {
    await drive(ours, events, expected, 1000);
    await drive(naive, events, expected, 1000);
    const latencies: number[] = [];
    const ratios: number[] = [];
    const oursOps: number[] = [];
    const naiveOps: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const first = round % 2 === 0;
      const a = first ? await drive(ours, events, expected, perRound, latencies) : 0;
      const b = await drive(naive, events, expected, perRound);
      const c = first ? a : await drive(ours, events, expected, perRound, latencies);
      oursOps.push(c);
      naiveOps.push(b);
      ratios.push(c / b);
    }
    rows.push(
      {
        bench: BENCH,
        case: `${label}: throughput, one invocation at a time`,
        value: median(oursOps),
        unit: 'ops/CPU-s',
      },
      {
        bench: BENCH,
        case: `${label}: naive handler throughput`,
        value: median(naiveOps),
        unit: 'ops/CPU-s',
      },
      {
        bench: BENCH,
        case: `${label}: throughput vs the naive handler (median of ${rounds} interleaved rounds)`,
        value: median(ratios),
        unit: '×',
        ...(expected === 200 ? { goal: { min: 1.05 } } : {}),
      },
      { bench: BENCH, case: `${label}: latency p50`, value: median(latencies), unit: 'µs' },
      { bench: BENCH, case: `${label}: latency p99`, value: percentile(latencies, 99), unit: 'µs' },
    );
  }
  sqs.destroy();
  return rows;
}
