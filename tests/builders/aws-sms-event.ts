/**
 * An EventBridge "Text Message Delivery Status Updated" event, shaped as AWS documents it
 * (https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html), with our `Context`.
 * The destination number is a fictional one and must never reach a receipt.
 */
export function anAwsSmsEvent(options: {
  readonly eventType?: string;
  readonly isFinal?: boolean;
  readonly messageId?: string;
  readonly reference?: string;
  readonly stage?: string;
}): Record<string, unknown> {
  const eventType = options.eventType ?? 'TEXT_DELIVERED';
  return {
    version: '0',
    id: '5c0fa4f8-e4ba-ed02-6101-c795472fccd0',
    'detail-type': 'Text Message Delivery Status Updated',
    source: 'aws.sms-voice',
    account: '111122223333',
    time: '2025-10-01T18:20:41Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventType,
      eventVersion: '1.0',
      eventTimestamp: 1759342841377,
      isFinal: options.isFinal ?? true,
      originationPhoneNumber: '+12065550152',
      destinationPhoneNumber: '+14255550156',
      isoCountryCode: 'US',
      messageId: options.messageId ?? 'ed23196c-75ce-4727-93ee-7bf72b64998f',
      messageRequestTimestamp: 1759342840978,
      messageEncoding: 'GSM',
      messageType: 'TRANSACTIONAL',
      messageStatus: eventType.replace(/^TEXT_/, ''),
      messageStatusDescription: 'Message has been accepted by phone',
      context: { deliveryRef: options.reference ?? 'd-1#1', stage: options.stage ?? 'test' },
      totalMessageParts: 1,
      totalMessagePrice: 0.00581,
      totalCarrierFee: 0.003,
    },
  };
}
