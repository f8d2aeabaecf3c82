import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ulid } from 'ulid';
import { parseMessageMetadata } from '../lib/table/delivery-model';
import { maskPhone } from '../lib/shared/pii';
import { NO_FAULTS, type FaultInjector } from './fault-injector';
import { listen, readBody, sendJson } from './http-server';
import { SinchApiError, sendProblem, sendSinchError } from './sinch-api-errors';
import { createSeededRandom, deriveSeed, type SeededRandom } from './seeded-random';
import { buildDeliveryReport, eventTime, type AcceptedMessage } from './sinch-delivery-report';
import { scenarioFor, type PlannedReport, type ReportStatus } from './sinch-scenarios';
import { refusalFor, unavailable, validateSendRequest } from './sinch-send-request';
import { signWebhook } from '../lib/ingress/webhook-signature';
import { scaledMs, type TimeFactor } from './time-scale';
import {
  createWebhookSender,
  type WebhookDelivery,
  type WebhookFault,
  type WebhookTry,
} from './webhook-sender';

/**
 * A local Sinch: the OAuth2 token endpoint, `POST /v1/projects/{project}/messages:send` validating like the
 * Conversation API (docs/sinch.md#access-token), and signed `MESSAGE_DELIVERY` webhooks sent back to the ingress with
 * Sinch's retry schedule. What happens to a message is chosen by its recipient number (`sinch-scenarios.ts`).
 * Everything it did is recorded for assertions.
 *
 * Two faults change how it sends webhooks: `sinch-keep-signature` (retries resend the first try's headers)
 * and `sinch-replay=<share>` (that share of acknowledged webhooks is re-POSTed verbatim, same body and
 * headers, {@link SINCH_REPLAY_DELAY_SECONDS} modelled seconds later: a replayed or duplicated callback).
 */

/** Modelled seconds between an acknowledged webhook and its replay (scaled like every modelled wait). */
export const SINCH_REPLAY_DELAY_SECONDS = 30;

/** Random misbehaviour layered over every scenario. Rates are probabilities in [0, 1]. */
export interface ChaosOptions {
  /** Per report: POST it one or two extra times. */
  readonly duplicateRate: number;
  /** Per message: send its reports in reverse order. */
  readonly reorderRate: number;
  /** Per report: never send it. */
  readonly dropRate: number;
  /** Per webhook try: answer 503 instead of the receiver (request or response lost; Sinch retries). */
  readonly webhookFaultRate: number;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  duplicateRate: 0.15,
  reorderRate: 0.2,
  dropRate: 0.05,
  webhookFaultRate: 0.1,
};

export interface SinchSimulatorOptions {
  readonly projectId: string;
  /** A ULID, as Sinch app ids are. */
  readonly appId: string;
  readonly keyId: string;
  readonly keySecret: string;
  /** The secret the webhook is registered with; every report is signed with it. */
  readonly webhookSecret: string;
  /** Where reports go (the ingress Function URL); can also be set later with `setWebhookUrl`. */
  readonly webhookUrl?: string;
  readonly factor?: TimeFactor;
  readonly tokenTtlSeconds?: number;
  readonly chaos?: ChaosOptions;
  readonly seed?: number;
  readonly port?: number;
  /** One line per notable event; recipients are masked. */
  readonly log?: (line: string) => void;
  /** Draws `sinch-keep-signature` and `sinch-replay` (none when absent). */
  readonly faults?: FaultInjector;
}

/** A webhook the simulator re-POSTed verbatim (`sinch-replay`). */
export interface WebhookReplay {
  readonly messageId: string;
  readonly status: ReportStatus;
  readonly url: string;
  readonly body: string;
  /** The headers of the acknowledged try, sent again unchanged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly result: WebhookTry;
}

/** One `messages:send` request and how it was answered. */
export interface SendRecord {
  readonly at: string;
  readonly recipient: string;
  readonly scenario: string;
  readonly httpStatus: number;
  readonly messageId?: string;
  readonly deliveryId?: string;
  readonly attempt?: number;
}

/** One planned report and, unless dropped, its webhook delivery. */
export interface ReportRecord {
  readonly messageId: string;
  readonly deliveryId?: string;
  readonly attempt?: number;
  readonly status: ReportStatus;
  readonly eventTime: string;
  readonly body: string;
  readonly dropped: boolean;
  delivery?: WebhookDelivery;
}

export interface SinchSimulator {
  /** Base URL for both `SINCH_API_URL` and `SINCH_AUTH_URL`. */
  readonly url: string;
  readonly sends: readonly SendRecord[];
  readonly reports: readonly ReportRecord[];
  /** Webhooks re-POSTed by `sinch-replay`, once each replay has been answered. */
  readonly replays: readonly WebhookReplay[];
  readonly tokenRequests: number;
  setWebhookUrl(url: string): void;
  /** Turns chaos on (with a seed) or off while running. */
  setChaos(chaos: ChaosOptions | undefined, seed?: number): void;
  /** Starts (true) or ends (false) an outage: while on, `messages:send` answers 503 to every request. */
  setOutage(on: boolean): void;
  /** Accepted sends (each one SMS) for a delivery, by the `message_metadata` it carried. */
  acceptedSendsFor(deliveryId: string): SendRecord[];
  /**
   * Bodies of this delivery's reports that Sinch sends at or before `by` (epoch ms) and has not finished
   * sending: due but not yet started, on the wire, or with a retry due by then. A report sent later (a late
   * report, a retry after `by`) is not on its way by then.
   */
  sendingBy(deliveryId: string, by: number): string[];
  /** Resolves when no report is scheduled or in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

interface IssuedToken {
  readonly expiresAtMs: number;
}

/** The scenario behaviours that depend on how often a delivery was seen. */
interface DeliveryCounters {
  requests: number;
  accepted: number;
}

/**
 * Starts the simulator on 127.0.0.1.
 *
 * @example
 * const sinch = await startSinchSimulator({ projectId, appId, keyId, keySecret, webhookSecret, factor: 0.02 });
 * sinch.setWebhookUrl(ingressUrl);
 */
export async function startSinchSimulator(options: SinchSimulatorOptions): Promise<SinchSimulator> {
  const factor = options.factor ?? 1;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const log = options.log ?? (() => undefined);
  const tokenKey = randomUUID();
  const tokens = new Map<string, IssuedToken>();
  const counters = new Map<string, DeliveryCounters>();
  const sends: SendRecord[] = [];
  const reports: ReportRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  /** Report copies whose timer has not fired yet: when each is due, by body. */
  const scheduledCopies = new Map<string, number[]>();
  let idleWaiters: (() => void)[] = [];
  let webhookUrl = options.webhookUrl;
  let chaos = options.chaos;
  let seed = options.seed ?? 1;
  let tokenRequests = 0;
  let stopped = false;
  let outage = false;

  const faults = options.faults ?? NO_FAULTS;
  const replays: WebhookReplay[] = [];
  const sender = createWebhookSender({
    factor,
    keepSignature: faults.isOn('sinch-keep-signature'),
    onKeptSignature: (retry) =>
      faults.record('sinch-keep-signature', `webhook retry ${retry} resent with the first try's signature`),
  });

  /** Chaos for the tries of one webhook, drawn from that webhook's own stream. */
  const faultsFor = (key: string): (() => WebhookFault | undefined) => {
    const current = chaos;
    if (!current || current.webhookFaultRate <= 0) return () => undefined;
    const random = createSeededRandom(deriveSeed(seed, `webhook:${key}`));
    return () => {
      if (!random.chance(current.webhookFaultRate)) return undefined;
      return random.chance(0.5) ? 'before' : 'after';
    };
  };

  const notifyIfIdle = (): void => {
    if (timers.size > 0 || inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const issueToken = (): { token: string; expiresIn: number } => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'sinch-simulator',
        sub: options.keyId,
        iat: now,
        exp: now + tokenTtlSeconds,
        jti: ulid(),
      }),
    );
    const signature = createHmac('sha256', tokenKey).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    tokens.set(token, { expiresAtMs: (now + tokenTtlSeconds) * 1000 });
    return { token, expiresIn: tokenTtlSeconds };
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    tokenRequests += 1;
    const body = (await readBody(req)).toString('utf8');
    const auth = req.headers.authorization ?? '';
    const [scheme, encoded] = auth.split(' ');
    const [keyId, keySecret] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(/:(.*)/s);
    if (
      scheme?.toLowerCase() !== 'basic' ||
      !safeEqual(keyId ?? '', options.keyId) ||
      !safeEqual(keySecret ?? '', options.keySecret)
    ) {
      sendProblem(res, 401, 'Invalid credentials', 'The key id or key secret is not valid.');
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    const grantType = new URLSearchParams(body).get('grant_type');
    if (!contentType.startsWith('application/x-www-form-urlencoded') || grantType !== 'client_credentials') {
      sendProblem(res, 400, 'Unsupported grant type', 'Use grant_type=client_credentials as a form body.');
      return;
    }
    const { token, expiresIn } = issueToken();
    sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: '' });
  };

  const authenticate = (req: IncomingMessage): void => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const issued = match ? tokens.get(match[1]!) : undefined;
    if (!issued) {
      throw new SinchApiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', {
        'www-authenticate': 'Bearer realm="Conversation API", error="invalid_token"',
      });
    }
    if (issued.expiresAtMs <= Date.now()) {
      throw new SinchApiError(401, 'UNAUTHENTICATED', 'The access token expired.', {
        'www-authenticate':
          'Bearer realm="Conversation API", error="invalid_token", error_description="expired"',
      });
    }
  };

  const schedule = (ms: number, work: () => Promise<unknown>): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const running = work().finally(() => {
        inFlight.delete(running);
        notifyIfIdle();
      });
      inFlight.add(running);
    }, ms);
    timers.add(timer);
  };

  /** Applies chaos to a scenario's plan: dropped, duplicated and reordered reports. */
  const planReports = (
    planned: readonly PlannedReport[],
    key: string,
  ): { report: PlannedReport; dropped: boolean }[] => {
    let plan = planned.map((report) => ({ report, dropped: false }));
    if (!chaos) return plan;
    const random: SeededRandom = createSeededRandom(deriveSeed(seed, `plan:${key}`));
    if (plan.length > 1 && random.chance(chaos.reorderRate)) {
      const times = plan.map((entry) => entry.report.afterSeconds);
      plan = plan.map((entry, index) => ({
        ...entry,
        report: { ...entry.report, afterSeconds: times[times.length - 1 - index]! },
      }));
    }
    return plan.map(({ report }) => ({
      report: random.chance(chaos!.duplicateRate)
        ? { ...report, copies: (report.copies ?? 1) + random.int(1, 2) }
        : report,
      dropped: random.chance(chaos!.dropRate),
    }));
  };

  const scheduleReports = (
    message: AcceptedMessage,
    planned: readonly PlannedReport[],
    send: SendRecord,
    callbackUrl: string | undefined,
  ): void => {
    const key = `${send.deliveryId ?? message.recipient}#${send.attempt ?? message.messageId}`;
    for (const [index, { report, dropped }] of planReports(planned, key).entries()) {
      const delayMs = scaledMs(report.afterSeconds, factor);
      const time = eventTime(new Date(Date.now() + delayMs), Number(process.hrtime.bigint() % 1_000_000n));
      const record: ReportRecord = {
        messageId: message.messageId,
        deliveryId: send.deliveryId,
        attempt: send.attempt,
        status: report.status,
        eventTime: time,
        body: buildDeliveryReport(message, { status: report.status, reason: report.reason, eventTime: time }),
        dropped,
      };
      reports.push(record);
      if (dropped) continue;
      for (let copy = 0; copy < (report.copies ?? 1); copy += 1) {
        // Copies go out a few milliseconds apart: duplicates race each other like concurrent Sinch retries.
        const dueAt = Date.now() + delayMs + copy * 5;
        scheduledCopies.set(record.body, [...(scheduledCopies.get(record.body) ?? []), dueAt]);
        schedule(delayMs + copy * 5, async () => {
          // From here the sender knows it is on its way (it registers before its first await).
          const left = (scheduledCopies.get(record.body) ?? []).filter((at) => at !== dueAt);
          if (left.length > 0) scheduledCopies.set(record.body, left);
          else scheduledCopies.delete(record.body);
          // A per-message callback_url overrides the registered webhook, as on Sinch.
          const url = callbackUrl ?? webhookUrl;
          if (!url || stopped) return;
          const delivery = await sender.deliver(
            url,
            record.body,
            (raw) => signWebhook(raw, options.webhookSecret),
            faultsFor(`${key}:${index}:${copy}`),
            dueAt,
          );
          if (!record.delivery || delivery.state === 'acknowledged') record.delivery = delivery;
          if (delivery.state !== 'acknowledged') {
            log(
              `sinch: report ${record.status} for ${record.messageId} ${delivery.state} after ${delivery.tries.length} tries`,
            );
          } else if (
            !stopped &&
            faults.strikes(
              'sinch-replay',
              `${key}:${index}:${copy}`,
              `report ${record.status} for ${record.messageId} re-POSTed verbatim in ${SINCH_REPLAY_DELAY_SECONDS} s (modelled)`,
            )
          ) {
            schedule(scaledMs(SINCH_REPLAY_DELAY_SECONDS, factor), async () => {
              if (stopped) return;
              const result = await sender.replay(delivery);
              const last = delivery.tries[delivery.tries.length - 1];
              replays.push({
                messageId: record.messageId,
                status: record.status,
                url: delivery.url,
                body: delivery.body,
                headers: last?.headers ?? {},
                result,
              });
              log(
                `sinch: replayed report ${record.status} for ${record.messageId}: ${result.status ?? result.error}`,
              );
            });
          }
        });
      }
    }
  };

  const handleSend = async (req: IncomingMessage, res: ServerResponse, projectId: string): Promise<void> => {
    authenticate(req);
    if (projectId !== options.projectId) {
      throw new SinchApiError(
        403,
        'PERMISSION_DENIED',
        `The credentials are not linked to project ${projectId}.`,
      );
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse((await readBody(req)).toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      throw new SinchApiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const request = validateSendRequest(body);
    if (request.appId !== options.appId) {
      throw new SinchApiError(404, 'NOT_FOUND', `App ${request.appId} not found in project ${projectId}.`);
    }

    const scenario = scenarioFor(request.recipient);
    const correlation = parseMessageMetadata(request.metadata);
    const key = correlation?.deliveryId ?? request.recipient;
    const count = counters.get(key) ?? { requests: 0, accepted: 0 };
    counters.set(key, count);
    count.requests += 1;
    const base = {
      at: new Date().toISOString(),
      recipient: request.recipient,
      scenario: scenario.id,
      deliveryId: correlation?.deliveryId,
      attempt: correlation?.attempt,
    };

    const refusal = outage ? unavailable() : refusalFor(scenario, count.requests);
    if (refusal) {
      sends.push({ ...base, httpStatus: refusal.httpStatus });
      log(
        `sinch: ${refusal.httpStatus} to messages:send for ${maskPhone(request.recipient)} (${scenario.id})`,
      );
      throw refusal;
    }

    const attemptIndex = count.accepted;
    count.accepted += 1;
    const message: AcceptedMessage = {
      projectId,
      appId: request.appId,
      messageId: ulid(),
      recipient: request.recipient,
      acceptedTime: new Date().toISOString(),
      metadata: request.metadata,
      correlationId: request.correlationId,
    };
    const send: SendRecord = { ...base, httpStatus: 200, messageId: message.messageId };
    sends.push(send);
    log(`sinch: accepted ${message.messageId} for ${maskPhone(request.recipient)} (${scenario.id})`);
    if (
      faults.strikes(
        'sinch-lost-answer',
        `${key}:${count.requests}`,
        `messages:send accepted ${message.messageId}, then the connection dropped before the answer`,
      )
    ) {
      // Accepted all the same: the message is out and its reports follow; only the client never learns it.
      res.socket?.destroy();
    } else {
      sendJson(res, 200, { accepted_time: message.acceptedTime, message_id: message.messageId });
    }
    scheduleReports(message, scenario.reports(attemptIndex), send, request.callbackUrl);
  };

  const running = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        await handleToken(req, res);
        return;
      }
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url.pathname);
      if (req.method === 'POST' && send) {
        await handleSend(req, res, decodeURIComponent(send[1]!));
        return;
      }
      throw new SinchApiError(404, 'NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}`);
    } catch (error) {
      if (error instanceof SinchApiError) sendSinchError(res, error);
      else throw error;
    }
  }, options.port);

  return {
    url: running.url,
    sends,
    reports,
    replays,
    get tokenRequests() {
      return tokenRequests;
    },
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    setChaos: (next, nextSeed) => {
      chaos = next;
      if (nextSeed !== undefined) seed = nextSeed;
    },
    setOutage: (on) => {
      outage = on;
      log(`sinch: outage ${on ? 'started: messages:send answers 503' : 'ended'}`);
    },
    acceptedSendsFor: (deliveryId) =>
      sends.filter((send) => send.deliveryId === deliveryId && send.httpStatus === 200),
    sendingBy: (deliveryId, by) =>
      reports
        .filter((report) => report.deliveryId === deliveryId && !report.dropped)
        .map((report) => report.body)
        .filter(
          (body) => (scheduledCopies.get(body) ?? []).some((at) => at <= by) || sender.sendingBy(body, by),
        ),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIfIdle();
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      scheduledCopies.clear();
      sender.close();
      await Promise.allSettled([...inFlight]);
      notifyIfIdle();
      await running.stop();
    },
  };
}
