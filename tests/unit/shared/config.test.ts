import { loadProcessorConfig } from '../../../lib/shared/config';
import { ConfigError } from '../../../lib/shared/errors';

describe('config', () => {
  describe('loadProcessorConfig', () => {
    const env = {
      STAGE: 'dev',
      DELIVERIES_TABLE: 'receipt-driven-sms-dev-deliveries',
      RECEIPTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
      RECEIPTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
    };

    it('reads the processor settings, with the orphan threshold defaulting to 4 receives', () => {
      expect(loadProcessorConfig(env)).toEqual({
        stage: 'dev',
        deliveriesTable: 'receipt-driven-sms-dev-deliveries',
        receiptsQueueUrl: env.RECEIPTS_QUEUE_URL,
        receiptsDlqUrl: env.RECEIPTS_DLQ_URL,
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

    it.each(['STAGE', 'DELIVERIES_TABLE', 'RECEIPTS_QUEUE_URL', 'RECEIPTS_DLQ_URL'])(
      'fails loudly without %s',
      (name) => {
        expect(() => loadProcessorConfig({ ...env, [name]: undefined })).toThrow(ConfigError);
      },
    );
  });
});
