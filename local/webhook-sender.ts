import { scaledMs, type TimeFactor } from './time-scale';

/**
 * Delivers webhooks the way Sinch documents for its SMS API callbacks (docs/sinch.md#sms-api-retries; the Conversation
 * API's schedule is unconfirmed, so the simulator uses the documented one): 5xx and 429 are retried, first
 * 5 s after the failed try, then 10 s, 20 s, … doubling; any other status, 2xx or 4xx, ends the delivery.
 * Network errors and timeouts count as 5xx. Every try is signed afresh.
 */

/** Sinch's last documented retry comes 81,920 s after the first failure: 15 retries. */
export const SINCH_MAX_RETRIES = 15;
export const FIRST_RETRY_SECONDS = 5;

/** Modelled seconds between try `retry` (1-based) and the one before it: 5, 10, 20, … */
export function retryDelaySeconds(retry: number): number {
  return FIRST_RETRY_SECONDS * 2 ** (retry - 1);
}

/** Whether Sinch tries again after this answer. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * A fault chaos mode injects into one try: `before` loses the request (the receiver never sees it),
 * `after` loses the response (the receiver processed it, Sinch saw a 5xx and will send it again).
 */
export type WebhookFault = 'before' | 'after';

export interface WebhookTry {
  readonly at: string;
  /** The receiver's status, or 503 for an injected fault, or undefined for a network error. */
  readonly status?: number;
  readonly fault?: WebhookFault;
  readonly error?: string;
}

export interface WebhookDelivery {
  readonly url: string;
  readonly body: string;
  readonly tries: WebhookTry[];
  /** `acknowledged`: the receiver answered 2xx (the body reached it); `rejected`: a 4xx ended it. */
  state: 'pending' | 'acknowledged' | 'rejected' | 'abandoned';
  /** True once any try reached the receiver, even if its answer was lost to a fault. */
  reachedReceiver: boolean;
}

export interface WebhookSenderOptions {
  readonly factor: TimeFactor;
  readonly maxRetries?: number;
  /** Per-try timeout in real milliseconds. */
  readonly timeoutMs?: number;
}

export interface WebhookSender {
  /** Delivers one body, retrying per Sinch's schedule; resolves when the delivery is finished. */
  deliver(
    url: string,
    body: string,
    sign: (body: string) => Record<string, string>,
    /** Chaos hook, asked before every try. */
    fault?: () => WebhookFault | undefined,
  ): Promise<WebhookDelivery>;
  /** Cancels pending retries (their deliveries end as `abandoned`). */
  close(): void;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const maxRetries = options.maxRetries ?? SINCH_MAX_RETRIES;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (controller.signal.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });

  const tryOnce = async (
    delivery: WebhookDelivery,
    sign: (body: string) => Record<string, string>,
    fault: WebhookFault | undefined,
  ): Promise<number | undefined> => {
    const at = new Date().toISOString();
    if (fault === 'before') {
      delivery.tries.push({ at, status: 503, fault });
      return 503;
    }
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sinch-simulator',
          ...sign(delivery.body),
        },
        body: delivery.body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer();
      delivery.reachedReceiver = true;
      if (fault === 'after') {
        delivery.tries.push({ at, status: 503, fault });
        return 503;
      }
      delivery.tries.push({ at, status: response.status });
      return response.status;
    } catch (error) {
      delivery.tries.push({ at, error: error instanceof Error ? error.name : String(error) });
      return undefined;
    }
  };

  return {
    async deliver(url, body, sign, fault) {
      const delivery: WebhookDelivery = { url, body, tries: [], state: 'pending', reachedReceiver: false };
      for (let retry = 0; retry <= maxRetries; retry += 1) {
        if (retry > 0) await pause(scaledMs(retryDelaySeconds(retry), options.factor));
        if (controller.signal.aborted) break;
        const status = await tryOnce(delivery, sign, fault?.());
        if (status !== undefined && !isRetryableStatus(status)) {
          delivery.state = status < 300 ? 'acknowledged' : 'rejected';
          return delivery;
        }
      }
      delivery.state = 'abandoned';
      return delivery;
    },
    close: () => controller.abort(),
  };
}
