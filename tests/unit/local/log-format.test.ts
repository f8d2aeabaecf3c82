import { formatLogEntry } from '../../../local/log-format';

describe('terminal log lines of the local stack', () => {
  const at = '2026-11-28T18:07:48.666Z';

  it('shortens a Powertools line to time, source, level, message and the keys that vary', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Delivery accepted',
      timestamp: at,
      service: 'receipt-driven-sms',
      cold_start: true,
      function_name: 'x',
      deliveryId: 'd-1',
      reason: 'two words',
    });

    expect(formatLogEntry({ at, source: 'send', line })).toBe(
      '18:07:48.666 send          INFO  Delivery accepted deliveryId=d-1 reason="two words"',
    );
  });

  it('leaves out metric blobs', () => {
    expect(
      formatLogEntry({ at, source: 'ingress', line: '{"_aws":{"Timestamp":1},"Receipts":1}' }),
    ).toBeUndefined();
  });

  it('prints other lines as they are', () => {
    expect(formatLogEntry({ at, source: 'sinch', line: 'sinch: accepted' })).toBe(
      '18:07:48.666 sinch         sinch: accepted',
    );
  });
});
