import autocannon from 'autocannon';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { buildDeliveryReport, eventTime } from '../local/sinch-delivery-report';
import { signWebhook } from '../lib/ingress/webhook-signature';
import { startLocalStack } from '../local/stack';
import type { BenchContext, BenchRow } from './harness';

/**
 * Issue 8, item 2: the ingress end to end over HTTP. Signed Sinch delivery reports are POSTed with
 * autocannon (on 127.0.0.1, bounded by count and time) to the ingress Function URL of the local Lambda
 * host, which runs the packaged-style bundle and sends each report to the real SQS protocol (fauxqs).
 * The processor's poller is stopped, so only the ingress is measured and every accepted report must be in
 * the queue afterwards. Peak RSS is the resident set of the process hosting the Lambda containers (this
 * benchmark's process, which also holds the local stack's other stand-ins).
 */
const BENCH = 'ingress-http';

export default async function run(context: BenchContext): Promise<BenchRow[]> {
  const stack = await startLocalStack({ fast: true, stackFile: false, root: context.root });
  try {
    await Promise.all(stack.host.eventSources.map((source) => source.stop()));
    const url = stack.description.functionUrls.ingress!;
    const secret = stack.description.webhookSecret;
    const requests = Array.from({ length: 64 }, (_, i) => {
      const body = buildDeliveryReport(
        {
          projectId: stack.description.sinch.projectId,
          appId: stack.description.sinch.appId,
          messageId: ulid(),
          recipient: '+46701740610',
          acceptedTime: new Date().toISOString(),
          metadata: `bench-ingress-${i}#1`,
        },
        { status: 'DELIVERED', eventTime: eventTime(new Date(), i) },
      );
      return {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signWebhook(body, secret) },
        body,
      };
    });

    const connections = 10;
    const run = (amount: number) =>
      autocannon({ url, connections, amount, duration: 60, timeout: 10, requests });
    // Warm-up: JIT, the SSM cache of every container, SQS connections.
    const warmup = await run(context.quick ? 200 : 1000);
    const rssBefore = process.resourceUsage().maxRSS;
    const result = await run(context.quick ? 2000 : 10_000);
    const peakRss = process.resourceUsage().maxRSS;

    const sqs = new SQSClient({ ...stack.clientConfig, endpoint: stack.description.endpoints.sqs });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.description.resources.receiptsQueueUrl!,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    sqs.destroy();
    const queued = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    const accepted = result['2xx'];

    return [
      {
        bench: BENCH,
        case: `signed report → Function URL → SQS (fauxqs), ${connections} connections: throughput`,
        value: result.requests.total / result.duration,
        unit: 'req/s',
      },
      { bench: BENCH, case: 'latency p50', value: result.latency.p50, unit: 'ms' },
      { bench: BENCH, case: 'latency p99', value: result.latency.p99, unit: 'ms' },
      {
        bench: BENCH,
        case: `requests not answered 2xx (of ${result.requests.total})`,
        value: result.non2xx + result.errors + result.timeouts,
        unit: 'requests',
        goal: { max: 0 },
      },
      {
        bench: BENCH,
        case: 'accepted reports missing from the queue',
        value: Math.max(0, warmup['2xx'] + accepted - queued),
        unit: 'reports',
        goal: { max: 0 },
      },
      {
        bench: BENCH,
        case: `peak RSS of the Lambda host process (before the timed run: ${Math.round(rssBefore / 1024)} MiB)`,
        value: peakRss / 1024,
        unit: 'MiB',
      },
    ];
  } finally {
    await stack.stop();
  }
}
