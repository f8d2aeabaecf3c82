/**
 * Importing `functions/send.ts` builds the production handler at module scope, which reads its settings
 * from the environment. Tests that import the module import this file FIRST so the import succeeds; the
 * values are placeholders never used for traffic (tests build their own handler with `createSendHandler`).
 */
process.env.STAGE ??= 'test';
process.env.DELIVERIES_TABLE ??= 'receipt-driven-sms-test-deliveries';
process.env.DELIVERY_STATE_MACHINE_ARN ??=
  'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-test-delivery';
process.env.RECIPIENT_HASH_KEY_PARAM ??= '/receipt-driven-sms/test/recipient-hash-key';
process.env.AWS_REGION ??= 'us-east-1';

export {};
