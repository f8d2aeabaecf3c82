import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { AwsSmsRejectedError, AwsSmsUnavailableError } from '../shared/errors';
import { isTransientAwsError } from '../shared/aws-errors';
import { AWS_SMS_CONTEXT_KEYS } from '../shared/sms-providers';
import type { SmsProvider } from './sms-provider';

/**
 * AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API) as the secondary {@link SmsProvider}: one
 * `SendTextMessage` per attempt, from the stage's origination identity, through the stage's configuration
 * set. Only the one command is imported, so the bundle carries its serialiser and nothing else of the API.
 *
 * Delivery events come back on EventBridge (`aws.sms-voice`, "Text Message Delivery Status Updated"), with
 * the `Context` given here in `detail.context`: docs/decisions/0013-secondary-sms-events-on-eventbridge.md.
 */

/**
 * `TimeToLive` bounds, in seconds, from the `SendTextMessage` API reference
 * (https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendTextMessage.html):
 * at least 5, at most 259 200 (72 hours, also the default).
 */
export const AWS_SMS_TTL_BOUNDS = { min: 5, max: 259_200 } as const;

export interface AwsSmsClientOptions {
  readonly client: Pick<PinpointSMSVoiceV2Client, 'send'>;
  /** Phone number, sender id, pool or their ARN, as `SendTextMessage`'s `OriginationIdentity` takes it. */
  readonly originationIdentity: string;
  readonly configurationSetName: string;
  readonly stage: string;
}

/** AWS errors that mean "not now": the same request can succeed on a retry (besides transport faults). */
const UNAVAILABLE_ERRORS: ReadonlySet<string> = new Set(['ThrottlingException', 'InternalServerException']);

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name ? name : 'Error';
}

/**
 * Maps a failed call to the two errors the workflow knows. AWS's messages are not copied: they can quote
 * the request, and the error ends up in the execution history. The name is enough to act on.
 */
function sendError(error: unknown): AwsSmsUnavailableError | AwsSmsRejectedError {
  const name = errorName(error);
  if (UNAVAILABLE_ERRORS.has(name) || isTransientAwsError(error)) {
    return new AwsSmsUnavailableError(
      `AWS End User Messaging SMS could not take the message (${name})`,
      name,
      { cause: error },
    );
  }
  // ValidationException, AccessDeniedException, ResourceNotFoundException, ConflictException and
  // ServiceQuotaExceededException (the monthly spend limit, for one) stay until someone changes something.
  return new AwsSmsRejectedError(`AWS End User Messaging SMS refused the message (${name})`, name);
}

/** Seconds for `TimeToLive`: the code's remaining validity, inside what the API accepts. */
export function awsSmsTimeToLive(ttlSeconds: number): number {
  return Math.min(AWS_SMS_TTL_BOUNDS.max, Math.max(AWS_SMS_TTL_BOUNDS.min, Math.floor(ttlSeconds)));
}

/**
 * Creates the provider over a client built once per container.
 *
 * @example
 * const awsSms = createAwsSmsClient({ client: new PinpointSMSVoiceV2Client({}), stage: 'prod',
 *   originationIdentity: 'arn:aws:sms-voice:eu-west-1:111122223333:pool/pool-1', configurationSetName: 'codes' });
 * await awsSms.send({ to: '+447700900123', text: 'Your code is 123456', reference: 'd-1#2', ttlSeconds: 240 });
 */
export function createAwsSmsClient(options: AwsSmsClientOptions): SmsProvider {
  return {
    id: 'aws-sms',
    async send(request) {
      let messageId: string | undefined;
      try {
        const answer = await options.client.send(
          new SendTextMessageCommand({
            DestinationPhoneNumber: request.to,
            OriginationIdentity: options.originationIdentity,
            ConfigurationSetName: options.configurationSetName,
            MessageBody: request.text,
            MessageType: 'TRANSACTIONAL',
            TimeToLive: awsSmsTimeToLive(request.ttlSeconds),
            Context: {
              [AWS_SMS_CONTEXT_KEYS.reference]: request.reference,
              [AWS_SMS_CONTEXT_KEYS.stage]: options.stage,
            },
          }),
        );
        messageId = answer.MessageId;
      } catch (error) {
        throw sendError(error);
      }
      if (!messageId) {
        throw new AwsSmsUnavailableError('AWS End User Messaging SMS answered without a MessageId');
      }
      return { messageId };
    },
  };
}

/** The production client: bounded like every other SDK client, endpoint from `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. */
export function createPinpointSmsVoiceClient(
  options: ConstructorParameters<typeof PinpointSMSVoiceV2Client>[0] = {},
): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client(options);
}
