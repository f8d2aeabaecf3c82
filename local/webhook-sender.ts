import { scaledMs, type TimeFactor } from './time-scale';

/**
 * Delivers webhooks the way Sinch documents for its SMS API callbacks (docs/sinch.md#sms-api-retries; the Conversation
 * API's schedule is unconfirmed, so the simulator uses the documented one): 5xx and 429 are retried, first
 * 5 s after the failed try, then 10 s, 20 s, … doubling; any other status, 2xx or 4xx, ends the delivery.
 * Network errors and timeouts count as 5xx. Every try is signed afresh, unless `keepSignature` (the
 * `sinch-keep-signature` fault) resends the first try's exact headers (nonce, timestamp, signature), so a
 * retry long after the first try carries a signature older than the receiver's tolerance.
 * {@link WebhookSender.replay} re-POSTs an acknowledged webhook verbatim (the `sinch-replay` fault).
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
  /** When the try started. */
  readonly at: string;
  /** When it was due (epoch ms): the report's scheduled time, or the retry's; `at` is later on a busy machine. */
  readonly dueAt?: number;
  /** The signature headers this try carried (also for a try lost to an injected fault). */
  readonly headers?: Readonly<Record<string, string>>;
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
  /** Retries resend the first try's headers instead of signing afresh (`sinch-keep-signature`). */
  readonly keepSignature?: boolean;
  /** Told of every retry sent with the first try's headers. */
  readonly onKeptSignature?: (retry: number) => void;
}

export interface WebhookSender {
  /** Delivers one body, retrying per Sinch's schedule; resolves when the delivery is finished. */
  deliver(
    url: string,
    body: string,
    sign: (body: string) => Record<string, string>,
    /** Chaos hook, asked before every try. */
    fault?: () => WebhookFault | undefined,
    /** When the first try is due (epoch ms); now when absent. */
    dueAt?: number,
  ): Promise<WebhookDelivery>;
  /**
   * POSTs an acknowledged delivery once more, verbatim: the same body and the same headers as the try the
   * receiver acknowledged. No retries; resolves with the try (its status, or the network error).
   */
  replay(delivery: WebhookDelivery): Promise<WebhookTry>;
  /**
   * True while a delivery of this body is unfinished and its current try started, or its next retry is
   * due, at or before `by` (epoch ms): the body is on its way by then, as opposed to being sent later.
   */
  sendingBy(body: string, by: number): boolean;
  /** Cancels pending retries (their deliveries end as `abandoned`). */
  close(): void;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const maxRetries = options.maxRetries ?? SINCH_MAX_RETRIES;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  /** Unfinished deliveries by body (copies of one report share it): when each one's current try started or its next is due. */
  const unfinished = new Map<string, Set<{ at: number }>>();

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

  /** One POST; the try as recorded, or `undefined` status for a network error. */
  const post = async (
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status?: number; error?: string }> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'sinch-simulator', ...headers },
        body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer();
      return { status: response.status };
    } catch (error) {
      return { error: error instanceof Error ? error.name : String(error) };
    }
  };

  const tryOnce = async (
    delivery: WebhookDelivery,
    headers: Record<string, string>,
    fault: WebhookFault | undefined,
    dueAt: number,
  ): Promise<number | undefined> => {
    const at = new Date().toISOString();
    if (fault === 'before') {
      delivery.tries.push({ at, dueAt, headers, status: 503, fault });
      return 503;
    }
    const { status, error } = await post(delivery.url, delivery.body, headers);
    if (status === undefined) {
      delivery.tries.push({ at, dueAt, headers, error });
      return undefined;
    }
    delivery.reachedReceiver = true;
    if (fault === 'after') {
      delivery.tries.push({ at, dueAt, headers, status: 503, fault });
      return 503;
    }
    delivery.tries.push({ at, dueAt, headers, status });
    return status;
  };

  return {
    async deliver(url, body, sign, fault, dueAt = Date.now()) {
      const delivery: WebhookDelivery = { url, body, tries: [], state: 'pending', reachedReceiver: false };
      // When the current try was due, or the next one is: modelled time, whenever the event loop gets to it.
      const next = { at: dueAt };
      const ofBody = unfinished.get(body) ?? new Set();
      unfinished.set(body, ofBody.add(next));
      try {
        let first: Record<string, string> | undefined;
        for (let retry = 0; retry <= maxRetries; retry += 1) {
          if (retry > 0) {
            const delayMs = scaledMs(retryDelaySeconds(retry), options.factor);
            next.at = Date.now() + delayMs;
            await pause(delayMs);
          }
          if (controller.signal.aborted) break;
          const kept = options.keepSignature === true && first !== undefined;
          const headers = kept ? first! : sign(body);
          first ??= headers;
          if (kept) options.onKeptSignature?.(retry);
          const status = await tryOnce(delivery, headers, fault?.(), next.at);
          if (status !== undefined && !isRetryableStatus(status)) {
            delivery.state = status < 300 ? 'acknowledged' : 'rejected';
            return delivery;
          }
        }
        delivery.state = 'abandoned';
        return delivery;
      } finally {
        ofBody.delete(next);
        if (ofBody.size === 0) unfinished.delete(body);
      }
    },
    async replay(delivery) {
      const acknowledged = delivery.tries[delivery.tries.length - 1];
      const at = new Date().toISOString();
      const headers = acknowledged?.headers ?? {};
      if (delivery.state !== 'acknowledged') return { at, headers, error: 'NotAcknowledged' };
      const { status, error } = await post(delivery.url, delivery.body, { ...headers });
      return status === undefined ? { at, headers, error } : { at, headers, status };
    },
    sendingBy: (body, by) => [...(unfinished.get(body) ?? [])].some((next) => next.at <= by),
    close: () => controller.abort(),
  };
}
