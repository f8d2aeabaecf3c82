/**
 * Importing a workflow task module (`functions/send-sms.ts`, `send-email.ts`, `decide-next.ts`,
 * `record-outcome.ts`) builds its production handler at module scope, which reads settings from the
 * environment. Tests that import one import this file FIRST so the import succeeds; the values are
 * placeholders, never used for traffic (tests build their own handler with the `create…Handler` factory).
 */
process.env.STAGE ??= 'test';
process.env.DELIVERIES_TABLE ??= 'receipt-driven-sms-test-deliveries';
process.env.SINCH_PROJECT_ID ??= 'test-project';
process.env.SINCH_APP_ID ??= '01HZX4Q6W3N5T8B2C7D9E1F0GH';
process.env.SINCH_CREDENTIALS_PARAM ??= '/receipt-driven-sms/test/sinch-credentials';
process.env.SINCH_API_URL ??= 'http://127.0.0.1:9';
process.env.SINCH_AUTH_URL ??= 'http://127.0.0.1:9';
process.env.EMAIL_FROM ??= 'no-reply@example.com';
process.env.AWS_REGION ??= 'us-east-1';

export {};
