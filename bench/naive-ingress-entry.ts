import { createNaiveIngressHandler } from './naive-ingress-handler';

/**
 * The naive handler as its own Lambda entry point, bundled with the esbuild settings of serverless.yml by
 * `cold-start.bench.ts`, so its cold start is measured exactly as the ingress's is.
 */
export const handler = createNaiveIngressHandler({
  secretParam: process.env.WEBHOOK_SECRETS_PARAM ?? '',
  queueUrl: process.env.RECEIPTS_QUEUE_URL ?? '',
  sqs: {},
  ssm: {},
});
