import { loadIngressConfig, loadProcessorConfig } from '../../../lib/shared/config';
import { ConfigError } from '../../../lib/shared/errors';

describe('config', () => {
  describe('loadProcessorConfig', () => {
    const env = {
      STAGE: 'dev',
      DELIVERIES_TABLE: 'receipt-driven-sms-dev-deliveries',
      RECEIPTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
      RECEIPTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
      ORPHANS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-orphans',
    };

    it('reads the processor settings, with the orphan threshold defaulting to 4 receives', () => {
      expect(loadProcessorConfig(env)).toEqual({
        stage: 'dev',
        deliveriesTable: 'receipt-driven-sms-dev-deliveries',
        receiptsQueueUrl: env.RECEIPTS_QUEUE_URL,
        receiptsDlqUrl: env.RECEIPTS_DLQ_URL,
        orphansQueueUrl: env.ORPHANS_QUEUE_URL,
        orphanAfterReceives: 4,
      });
    });

    it('takes the orphan threshold from RECEIPTS_ORPHAN_AFTER_RECEIVES', () => {
      expect(loadProcessorConfig({ ...env, RECEIPTS_ORPHAN_AFTER_RECEIVES: '9' }).orphanAfterReceives).toBe(
        9,
      );
    });

    it.each(['0', '-1', '2.5', 'four'])('refuses the orphan threshold %s', (value) => {
      expect(() => loadProcessorConfig({ ...env, RECEIPTS_ORPHAN_AFTER_RECEIVES: value })).toThrow(
        /RECEIPTS_ORPHAN_AFTER_RECEIVES must be a positive integer/,
      );
    });

    it.each(['STAGE', 'DELIVERIES_TABLE', 'RECEIPTS_QUEUE_URL', 'RECEIPTS_DLQ_URL', 'ORPHANS_QUEUE_URL'])(
      'fails loudly without %s',
      (name) => {
        expect(() => loadProcessorConfig({ ...env, [name]: undefined })).toThrow(ConfigError);
      },
    );
  });

  describe('loadIngressConfig', () => {
    const env = {
      STAGE: 'dev',
      WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/dev/sinch-webhook-secrets',
      RECEIPTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
      RECEIPTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
    };

    it('accepts signatures up to a day old and five minutes ahead by default', () => {
      // Act
      const config = loadIngressConfig(env);

      // Assess
      expect(config).toEqual({
        stage: 'dev',
        webhookSecretsParam: env.WEBHOOK_SECRETS_PARAM,
        webhookMaxAgeSeconds: 86_400,
        webhookMaxFutureSeconds: 300,
        receiptsQueueUrl: env.RECEIPTS_QUEUE_URL,
        receiptsDlqUrl: env.RECEIPTS_DLQ_URL,
      });
    });

    it('takes each bound from its own variable', () => {
      // Act
      const config = loadIngressConfig({
        ...env,
        WEBHOOK_MAX_AGE_SECONDS: '3600',
        WEBHOOK_MAX_FUTURE_SECONDS: '60',
      });

      // Assess
      expect([config.webhookMaxAgeSeconds, config.webhookMaxFutureSeconds]).toEqual([3600, 60]);
    });

    it('no longer reads WEBHOOK_TOLERANCE_SECONDS, whose 300 s also bounded the age', () => {
      // Act
      const config = loadIngressConfig({ ...env, WEBHOOK_TOLERANCE_SECONDS: '300' });

      // Assess
      expect([config.webhookMaxAgeSeconds, config.webhookMaxFutureSeconds]).toEqual([86_400, 300]);
    });

    it.each([
      ['WEBHOOK_MAX_AGE_SECONDS', '0'],
      ['WEBHOOK_MAX_AGE_SECONDS', '1d'],
      ['WEBHOOK_MAX_FUTURE_SECONDS', '-5'],
      ['WEBHOOK_MAX_FUTURE_SECONDS', '2.5'],
    ])('refuses %s=%s', (name, value) => {
      expect(() => loadIngressConfig({ ...env, [name]: value })).toThrow(
        new RegExp(`${name} must be a positive integer`),
      );
    });
  });
});
