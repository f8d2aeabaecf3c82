import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { BroadcastChannel } from 'node:worker_threads';
import { SANDBOX_REQUESTS_CHANNEL, watchSandboxRequests } from '../local/lambda-runtime';

/**
 * Counts the AWS API requests made in this process while it is on, by service and operation, without
 * touching the code that makes them: Node publishes every `http.request` on the `http.client.request.start`
 * diagnostics channel, and the AWS SDK's Node handler uses `http.request`. The local stack runs the SQS
 * event source and the workflow engine's service integrations on this thread, and the Lambda bundles in
 * sandbox threads, which forward their channel's requests while a counter watches
 * (`SANDBOX_REQUESTS_CHANNEL`). Each client is pointed at a stand-in by `AWS_ENDPOINT_URL_<SERVICE>`; the
 * stand-in's port tells the service and the `X-Amz-Target` header the operation (all of these speak the
 * JSON protocol except SES, whose operation is in the form body: every SES request here is `SendEmail`).
 *
 * `fetch` (undici) does not publish on this channel, so the simulated Sinch, its webhooks and the
 * benchmark's own send API calls are never counted.
 */
export interface AwsRequestCounter {
  /** `{ sqs: { SendMessage: 12, … }, dynamodb: { … } }` since the last {@link AwsRequestCounter.reset}. */
  counts(): Record<string, Record<string, number>>;
  /** Requests of one service (all operations), or of one operation. */
  total(service: string, operation?: string): number;
  reset(): void;
  stop(): void;
}

interface SandboxRequestsMessage {
  readonly type: 'requests';
  readonly counts: readonly { host: string; target: unknown; count: number }[];
}

/** Starts counting requests to the given endpoints (service name → its endpoint URL, or several). */
export function countAwsRequests(
  endpoints: Readonly<Record<string, string | readonly string[]>>,
): AwsRequestCounter {
  const serviceByHost = new Map<string, string>();
  for (const [service, urls] of Object.entries(endpoints)) {
    for (const endpoint of typeof urls === 'string' ? [urls] : urls) {
      if (endpoint) serviceByHost.set(new URL(endpoint).host, service);
    }
  }
  let counts: Record<string, Record<string, number>> = {};

  const count = (host: string, target: unknown, requests = 1): void => {
    const service = serviceByHost.get(host);
    if (!service) return;
    const operation = typeof target === 'string' ? (target.split('.').pop() ?? target) : 'SendEmail';
    const byOperation = (counts[service] ??= {});
    byOperation[operation] = (byOperation[operation] ?? 0) + requests;
  };
  const onRequest = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    count(String(request.getHeader('host') ?? ''), request.getHeader('x-amz-target'));
  };
  subscribe('http.client.request.start', onRequest);

  const sandboxes = new BroadcastChannel(SANDBOX_REQUESTS_CHANNEL);
  sandboxes.unref();
  sandboxes.onmessage = (event) => {
    const { data } = event as { data: SandboxRequestsMessage };
    if (data.type !== 'requests') return;
    for (const { host, target, count: n } of data.counts) count(host, target, n);
  };
  watchSandboxRequests(true);

  return {
    counts: () => structuredClone(counts),
    total: (service, operation) => {
      const byOperation = counts[service] ?? {};
      if (operation) return byOperation[operation] ?? 0;
      return Object.values(byOperation).reduce((sum, n) => sum + n, 0);
    },
    reset: () => {
      counts = {};
    },
    stop: () => {
      unsubscribe('http.client.request.start', onRequest);
      watchSandboxRequests(false);
      sandboxes.close();
    },
  };
}
