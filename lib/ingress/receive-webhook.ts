import type { RawHeaders } from '../shared/http-headers';
import type { ReceiptEnvelope } from '../receipts/receipt-envelope';
import type { ReceiptQueue } from './receipt-queue';
import { verifyWebhookSignature } from './webhook-signature';
import { routeWebhook, type SinchEventKey, type UnusableReason } from './webhook-routing';

/** A webhook request as the ingress sees it after HTTP-level checks. */
export interface IncomingWebhook {
  /** The body exactly as Sinch sent it (base64-decoded when the transport encoded it). */
  readonly rawBody: string;
  /** As the transport delivered them; names are matched case-insensitively. */
  readonly headers: RawHeaders;
}

export interface ReceiveWebhookDeps {
  /** Accepted secrets, current first (from the SSM parameter). */
  readonly secrets: readonly string[];
  /** How old a signature may be, in seconds (see `WebhookVerificationInput`). */
  readonly maxAgeSeconds: number;
  /** How far ahead of our clock a signature may be, in seconds. */
  readonly maxFutureSeconds: number;
  readonly queue: ReceiptQueue;
  /** Epoch milliseconds; injected so tests control the time window and `receivedAt`. */
  readonly now: () => number;
}

/** What happened to a verified webhook. Every variant is a 200 to Sinch. */
export type WebhookOutcome =
  | {
      readonly outcome: 'enqueued';
      readonly eventType: SinchEventKey;
      readonly messageId: string | undefined;
      readonly status: string | undefined;
    }
  | { readonly outcome: 'ignored'; readonly eventType: SinchEventKey }
  | { readonly outcome: 'parked'; readonly reason: UnusableReason };

/**
 * The ingress use case: verify the signature, route on the event key, and hand the raw body to the queue
 * (delivery reports) or the DLQ (signed but unusable bodies). Throws `WebhookVerificationError` for a bad
 * signature and `QueueUnavailableError` when SQS fails, so a 2xx is only ever answered for a webhook that
 * is safely queued, parked, or deliberately ignored.
 *
 * @example
 * const outcome = await receiveWebhook(
 *   { rawBody, headers },
 *   { secrets, maxAgeSeconds: 86_400, maxFutureSeconds: 300, queue, now: Date.now },
 * );
 */
export async function receiveWebhook(
  webhook: IncomingWebhook,
  deps: ReceiveWebhookDeps,
): Promise<WebhookOutcome> {
  const nowMs = deps.now();
  verifyWebhookSignature({
    rawBody: webhook.rawBody,
    headers: webhook.headers,
    secrets: deps.secrets,
    maxAgeSeconds: deps.maxAgeSeconds,
    maxFutureSeconds: deps.maxFutureSeconds,
    nowSeconds: Math.floor(nowMs / 1000),
  });

  const route = routeWebhook(webhook.rawBody);
  if (route.action === 'ignore') return { outcome: 'ignored', eventType: route.eventType };

  const envelope: ReceiptEnvelope = {
    receivedAt: new Date(nowMs).toISOString(),
    rawBody: webhook.rawBody,
  };
  if (route.action === 'park') {
    await deps.queue.park(envelope, route.reason);
    return { outcome: 'parked', reason: route.reason };
  }
  const { eventType, messageId, status } = route;
  await deps.queue.enqueue(envelope, { eventType, messageId, status });
  return { outcome: 'enqueued', eventType, messageId, status };
}
