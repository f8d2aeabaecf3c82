/**
 * Importing `functions/processor.ts` builds the production handler at module scope, and that reads its
 * settings from the environment (a bad deploy must fail loudly). Tests that import the module import this
 * file FIRST so the import succeeds; the values are placeholders and are never used for traffic (tests
 * build their own handler with `createProcessorHandler`). Jest gives each test file its own `process.env`.
 */
process.env.STAGE ??= 'test';
process.env.DELIVERIES_TABLE ??= 'receipt-driven-sms-test-deliveries';
process.env.RECEIPTS_QUEUE_URL ??= 'http://127.0.0.1:9/000000000000/receipts';
process.env.RECEIPTS_DLQ_URL ??= 'http://127.0.0.1:9/000000000000/receipts-dlq';
process.env.AWS_REGION ??= 'us-east-1';

export {};
