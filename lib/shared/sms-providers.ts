/**
 * The SMS providers a delivery can go through. Sinch is the primary, always; AWS End User Messaging SMS is
 * the optional secondary a stage turns on with the `secondarySmsProvider` param. The id is what the attempt
 * item, the timeline, the metrics and the `DeliveryOutcome` event carry: a closed set, never request data.
 */
export const SMS_PROVIDERS = ['sinch', 'aws-sms'] as const;
export type SmsProviderId = (typeof SMS_PROVIDERS)[number];

/** Every delivery starts here unless the stage's breaker has the primary open. */
export const PRIMARY_SMS_PROVIDER = 'sinch' satisfies SmsProviderId;

/** The secondaries a stage may name in `secondarySmsProvider`. */
export const SECONDARY_SMS_PROVIDERS = ['aws-sms'] as const satisfies readonly SmsProviderId[];
export type SecondarySmsProviderId = (typeof SECONDARY_SMS_PROVIDERS)[number];

/** How support output and decision reasons name each provider. */
export const SMS_PROVIDER_NAMES: Readonly<Record<SmsProviderId, string>> = {
  sinch: 'Sinch',
  'aws-sms': 'AWS End User Messaging SMS',
};

export function isSmsProviderId(value: unknown): value is SmsProviderId {
  return typeof value === 'string' && (SMS_PROVIDERS as readonly string[]).includes(value);
}

/** The provider of a stored attempt: items written before providers existed were all Sinch's. */
export function providerOf(item: { readonly provider?: unknown }): SmsProviderId {
  return isSmsProviderId(item.provider) ? item.provider : PRIMARY_SMS_PROVIDER;
}

/**
 * The `Context` keys of every `SendTextMessage`; AWS returns them in each delivery event's `detail.context`.
 * `reference` carries `<deliveryId>#<attempt>`, which the processor correlates by; `stage` lets each stage's
 * EventBridge rule match only its own events.
 */
export const AWS_SMS_CONTEXT_KEYS = { reference: 'deliveryRef', stage: 'stage' } as const;
