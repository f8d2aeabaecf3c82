import type { SmsProviderId } from '../shared/sms-providers';
import type { SinchClient, SinchCredentials } from './sinch-client';

/**
 * The send half of an SMS provider: what the `SendSms` task needs from whoever carries the message. Sinch
 * (`sinch-client.ts`) and AWS End User Messaging SMS (`aws-sms-client.ts`) implement it. The other half,
 * turning the provider's delivery events into our statuses and failure classes, lives with the receipt
 * processor (`lib/receipts/provider-events.ts`): the two run in different Lambdas, and neither should
 * bundle, or be allowed to call, what only the other needs.
 */

/** One SMS, provider-neutral. `to` and `text` go to the provider and nowhere else. */
export interface SmsSendRequest {
  /** E.164 number. */
  readonly to: string;
  readonly text: string;
  /** `<deliveryId>#<attempt>`: echoed back in the provider's delivery events, so they correlate. */
  readonly reference: string;
  /** How long the provider may keep trying: the code's remaining validity. */
  readonly ttlSeconds: number;
}

export interface SmsSendAccepted {
  /** The provider's id for the message; its delivery events carry it. */
  readonly messageId: string;
}

export interface SmsProvider {
  readonly id: SmsProviderId;
  /**
   * Hands one SMS to the provider. Throws the provider's `*.Unavailable` error when it could not take the
   * message now (the state machine retries) and its `*.Rejected` error when it refused it.
   */
  send(request: SmsSendRequest): Promise<SmsSendAccepted>;
}

/**
 * Sinch as an {@link SmsProvider}, for one invocation: the credentials come from SSM per invocation, the
 * client (and its cached token) lives as long as the container.
 */
export function sinchProvider(
  sinch: SinchClient,
  credentials: SinchCredentials,
  sender: string | undefined,
): SmsProvider {
  return {
    id: 'sinch',
    async send(request) {
      const accepted = await sinch.sendSms(
        {
          to: request.to,
          text: request.text,
          metadata: request.reference,
          ttlSeconds: request.ttlSeconds,
          sender,
        },
        credentials,
      );
      return { messageId: accepted.messageId };
    },
  };
}
