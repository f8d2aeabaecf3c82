import { randomUUID } from 'node:crypto';
import { AWS_SMS_CONTEXT_KEYS } from '../lib/shared/sms-providers';
import { jsonProtocolError, type HttpAnswer } from './aws-error-responses';
import { listen, readBody } from './http-server';
import { maskPhone } from '../lib/shared/pii';
import { scenarioFor } from './sinch-scenarios';

/**
 * A stand-in for AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API), so the secondary provider's
 * adapter runs the real `@aws-sdk/client-pinpoint-sms-voice-v2` over its real protocol: AWS JSON 1.0,
 * `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, errors as `{"__type": "…#ValidationException", …}`.
 * It checks what AWS checks before it takes a message (the origination identity and configuration set
 * exist, the number is E.164, `TimeToLive` is in range) and answers `ValidationException`,
 * `ResourceNotFoundException`, `ThrottlingException`, `ServiceQuotaExceededException` or
 * `AccessDeniedException` as AWS does.
 *
 * Each accepted message then gets its delivery events the way AWS publishes them: "Text Message Delivery
 * Status Updated" EventBridge events (`source: aws.sms-voice`, our `Context` in `detail.context`), handed to
 * `publish`, which the local stack routes through the stage's EventBridge rule to its SQS target. Every
 * scenario number is delivered (`TEXT_PENDING`, then a final `TEXT_DELIVERED`), except `failed-permanent`,
 * whose number is `TEXT_INVALID` for every provider.
 */

const TARGET_PREFIX = 'PinpointSMSVoiceV2.';
const NAMESPACE = 'com.amazonaws.pinpointsmsvoicev2';
const E164 = /^\+[1-9]\d{4,14}$/;
/** Modelled seconds after the send (scaled by the stack's time factor). */
const PENDING_AFTER_SECONDS = 0.5;
const FINAL_AFTER_SECONDS = 2;

/** One accepted `SendTextMessage`, as tests read it. Holds the masked number only. */
export interface AwsSmsSend {
  readonly at: string;
  readonly messageId: string;
  readonly toMasked: string;
  readonly context: Readonly<Record<string, string>>;
  readonly timeToLive?: number;
}

export interface AwsSmsStandInOptions {
  readonly region: string;
  readonly accountId: string;
  /** The one origination identity and configuration set this account has. */
  readonly originationIdentity: string;
  readonly configurationSetName: string;
  /** Where the delivery events go: the stage's EventBridge rules. */
  readonly publish: (event: Record<string, unknown>) => Promise<void>;
  /** Multiplies every modelled wait. */
  readonly factor?: number;
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface AwsSmsStandIn {
  /** For `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. */
  readonly endpoint: string;
  readonly sends: readonly AwsSmsSend[];
  /** The events published so far. */
  readonly events: readonly Record<string, unknown>[];
  /** Answers the next `count` sends with this AWS error instead (`ThrottlingException`, …). */
  failNext(error: AwsSmsError, count?: number): void;
  /** Resolves when no event is still to be published. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export type AwsSmsError =
  | 'ThrottlingException'
  | 'ServiceQuotaExceededException'
  | 'AccessDeniedException'
  | 'InternalServerException';

const ERROR_STATUS: Readonly<
  Record<AwsSmsError | 'ValidationException' | 'ResourceNotFoundException', number>
> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  AccessDeniedException: 403,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  InternalServerException: 500,
};

function awsError(type: keyof typeof ERROR_STATUS, message: string, reason?: string): HttpAnswer {
  const answer = jsonProtocolError({ status: ERROR_STATUS[type], type: `${NAMESPACE}#${type}`, message });
  if (reason === undefined) return answer;
  return { ...answer, body: JSON.stringify({ ...JSON.parse(String(answer.body)), Reason: reason }) };
}

interface SendTextMessageInput {
  DestinationPhoneNumber?: unknown;
  OriginationIdentity?: unknown;
  MessageBody?: unknown;
  MessageType?: unknown;
  ConfigurationSetName?: unknown;
  TimeToLive?: unknown;
  Context?: unknown;
}

/**
 * Starts the stand-in on 127.0.0.1.
 *
 * @example
 * const sms = await startAwsSmsStandIn({ region, accountId, originationIdentity, configurationSetName, publish });
 */
export async function startAwsSmsStandIn(options: AwsSmsStandInOptions): Promise<AwsSmsStandIn> {
  const factor = options.factor ?? 1;
  const log = options.log ?? (() => undefined);
  const sends: AwsSmsSend[] = [];
  const events: Record<string, unknown>[] = [];
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const injected: AwsSmsError[] = [];
  let stopped = false;

  const event = (
    messageId: string,
    eventType: string,
    isFinal: boolean,
    input: { to: string; origination: string; context: Record<string, string>; requestedAt: number },
  ): Record<string, unknown> => {
    const now = Date.now();
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Text Message Delivery Status Updated',
      source: 'aws.sms-voice',
      account: options.accountId,
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: options.region,
      resources: [],
      detail: {
        eventType,
        eventVersion: '1.0',
        eventTimestamp: now,
        isFinal,
        originationPhoneNumber: input.origination,
        // AWS puts the number in the event; the processor never reads it.
        destinationPhoneNumber: input.to,
        messageId,
        messageRequestTimestamp: input.requestedAt,
        messageEncoding: 'GSM',
        messageType: 'TRANSACTIONAL',
        messageStatus: eventType.replace(/^TEXT_/, ''),
        messageStatusDescription:
          eventType === 'TEXT_INVALID'
            ? 'Destination phone number is invalid'
            : 'Message has been accepted by phone',
        context: input.context,
        totalMessageParts: 1,
        totalMessagePrice: 0.00581,
        totalCarrierFee: 0.003,
      },
    };
  };

  const schedule = (afterSeconds: number, build: () => Record<string, unknown>): void => {
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    pending.add(done);
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const published = build();
        events.push(published);
        void options
          .publish(published)
          .catch((error: unknown) => log(`aws-sms: could not publish an event: ${String(error)}`))
          .finally(() => {
            pending.delete(done);
            settle();
          });
      },
      afterSeconds * 1000 * factor,
    );
    timers.add(timer);
  };

  const sendTextMessage = (input: SendTextMessageInput): HttpAnswer => {
    const failure = injected.shift();
    if (failure) return awsError(failure, `Injected ${failure}`);
    const to = input.DestinationPhoneNumber;
    if (typeof to !== 'string' || !E164.test(to)) {
      return awsError(
        'ValidationException',
        'DestinationPhoneNumber must be in E.164 format',
        'INVALID_PARAMETER',
      );
    }
    if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0) {
      return awsError('ValidationException', 'MessageBody is required', 'MISSING_PARAMETER');
    }
    if (input.OriginationIdentity !== options.originationIdentity) {
      return awsError('ResourceNotFoundException', 'The origination identity does not exist');
    }
    if (input.ConfigurationSetName !== options.configurationSetName) {
      return awsError('ResourceNotFoundException', 'The configuration set does not exist');
    }
    const ttl = input.TimeToLive;
    if (
      ttl !== undefined &&
      !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 5 && ttl <= 259_200)
    ) {
      return awsError('ValidationException', 'TimeToLive must be between 5 and 259200', 'INVALID_PARAMETER');
    }
    const context =
      typeof input.Context === 'object' && input.Context !== null
        ? Object.fromEntries(
            Object.entries(input.Context as Record<string, unknown>).filter(
              (entry): entry is [string, string] => typeof entry[1] === 'string',
            ),
          )
        : {};
    const messageId = randomUUID();
    sends.push({
      at: new Date().toISOString(),
      messageId,
      toMasked: maskPhone(to),
      context,
      ...(typeof ttl === 'number' && { timeToLive: ttl }),
    });
    log(
      `aws-sms: accepted ${messageId} for ${maskPhone(to)} (${context[AWS_SMS_CONTEXT_KEYS.reference] ?? '-'})`,
    );
    const details = { to, origination: '+18445550123', context, requestedAt: Date.now() };
    const invalid = scenarioFor(to).id === 'failed-permanent';
    schedule(PENDING_AFTER_SECONDS, () => event(messageId, 'TEXT_PENDING', false, details));
    schedule(FINAL_AFTER_SECONDS, () =>
      event(messageId, invalid ? 'TEXT_INVALID' : 'TEXT_DELIVERED', true, details),
    );
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
      body: JSON.stringify({ MessageId: messageId }),
    };
  };

  const running = await listen(async (req, res) => {
    const reply = (answer: HttpAnswer): void => {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    const target = String(req.headers['x-amz-target'] ?? '');
    const contentType = String(req.headers['content-type'] ?? '');
    if (
      req.method !== 'POST' ||
      !target.startsWith(TARGET_PREFIX) ||
      !contentType.includes('x-amz-json-1.0')
    ) {
      reply(awsError('ValidationException', `Unsupported request: ${req.method} ${target}`));
      return;
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      reply(awsError('AccessDeniedException', 'Missing Authentication Token'));
      return;
    }
    let input: SendTextMessageInput;
    try {
      input = JSON.parse((await readBody(req)).toString('utf8') || '{}') as SendTextMessageInput;
    } catch {
      reply(awsError('ValidationException', 'The request body is not valid JSON'));
      return;
    }
    const operation = target.slice(TARGET_PREFIX.length);
    if (operation !== 'SendTextMessage') {
      reply(awsError('ValidationException', `The stand-in does not implement ${operation}`));
      return;
    }
    reply(sendTextMessage(input));
  }, options.port);

  return {
    endpoint: running.url,
    sends,
    events,
    failNext: (error, count = 1) => {
      for (let i = 0; i < count; i += 1) injected.push(error);
    },
    idle: async () => {
      while (pending.size > 0 && !stopped) await Promise.all([...pending]);
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await running.stop();
    },
  };
}
