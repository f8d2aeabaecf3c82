import { isValid as isUlid } from 'ulid';
import { SinchApiError } from './sinch-api-errors';
import type { Scenario } from './sinch-scenarios';

/**
 * The simulated `messages:send` request: Sinch's first, synchronous validation stage (docs/sinch.md#request-body),
 * and the refusals a scenario number asks for.
 */

/** A validated `messages:send` body: only what the simulator needs. */
export interface SendRequest {
  readonly appId: string;
  readonly recipient: string;
  readonly metadata?: string;
  readonly correlationId?: string;
  readonly callbackUrl?: string;
}

const invalid = (message: string): SinchApiError => new SinchApiError(400, 'INVALID_ARGUMENT', message);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Validates the fields of docs/sinch.md#request-body the way Sinch's first, synchronous validation stage does. */
export function validateSendRequest(body: Record<string, unknown>): SendRequest {
  const appId = body.app_id;
  if (typeof appId !== 'string' || !isUlid(appId)) throw invalid('app_id must be a valid ULID.');

  const identifiedBy = record(record(body.recipient)?.identified_by);
  if (!identifiedBy) {
    throw invalid('recipient.identified_by is required: DISPATCH mode apps cannot address a contact_id.');
  }
  const identities = identifiedBy.channel_identities;
  const identity = Array.isArray(identities) ? record(identities[0]) : undefined;
  if (!identity || identity.channel !== 'SMS') {
    throw invalid('recipient.identified_by.channel_identities must hold one identity with channel SMS.');
  }
  if (typeof identity.identity !== 'string' || !/^\+?[1-9]\d{6,14}$/.test(identity.identity)) {
    throw invalid('recipient.identified_by.channel_identities[0].identity must be an MSISDN.');
  }

  const text = record(record(body.message)?.text_message)?.text;
  if (typeof text !== 'string' || text.length === 0) throw invalid('message.text_message.text is required.');

  const priority = body.channel_priority_order;
  if (priority !== undefined && (!Array.isArray(priority) || priority.some((channel) => channel !== 'SMS'))) {
    throw invalid('channel_priority_order may only list channels configured on the app: SMS.');
  }
  const metadata = body.message_metadata;
  if (metadata !== undefined && (typeof metadata !== 'string' || metadata.length > 1024)) {
    throw invalid('message_metadata must be a string of at most 1024 characters.');
  }
  const correlationId = body.correlation_id;
  if (correlationId !== undefined && (typeof correlationId !== 'string' || correlationId.length > 128)) {
    throw invalid('correlation_id must be a string of at most 128 characters.');
  }
  const ttl = body.ttl;
  if (ttl !== undefined) {
    const match = typeof ttl === 'string' ? /^(\d+)s$/.exec(ttl) : null;
    if (!match || Number(match[1]) < 3)
      throw invalid('ttl must be a duration like "900s" of at least 3 seconds.');
  }
  const callbackUrl = body.callback_url;
  if (callbackUrl !== undefined && typeof callbackUrl !== 'string')
    throw invalid('callback_url must be a string.');

  const e164 = identity.identity.startsWith('+') ? identity.identity : `+${identity.identity}`;
  return {
    appId,
    recipient: e164,
    metadata: metadata as string | undefined,
    correlationId: correlationId as string | undefined,
    callbackUrl: callbackUrl as string | undefined,
  };
}

/** The HTTP refusal a scenario gives to its n-th request (1-based) for one delivery, if any. */
export function refusalFor(scenario: Scenario, request: number): SinchApiError | undefined {
  switch (scenario.send) {
    case 'accept':
      return undefined;
    case 'unavailable-once':
      return request === 1 ? unavailable() : undefined;
    case 'rate-limited-once':
      return request === 1
        ? new SinchApiError(429, 'RESOURCE_EXHAUSTED', 'Too many requests for this project; slow down.')
        : undefined;
    case 'reject':
      return invalid('The recipient identity is not accepted on the SMS channel.');
    case 'unavailable':
      return unavailable();
  }
}

/** What Sinch answers while it is down. */
export function unavailable(): SinchApiError {
  return new SinchApiError(
    503,
    'UNAVAILABLE',
    'The service is currently unavailable. Try again with back-off.',
  );
}
