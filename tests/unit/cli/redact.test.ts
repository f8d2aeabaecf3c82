import { redactNumbers } from '../../../cli/redact';

describe('redactNumbers', () => {
  it('masks MSISDNs with and without a plus sign', () => {
    expect(redactNumbers('to 46701234567 and +447700900123.')).toBe('to +46*****4567 and +44******0123.');
  });

  it('leaves ids, short numbers and codes inside words alone', () => {
    const text = 'message 01HZX4R2K8M3P6Q9S1T4V7W0YZ failed with 400 after 3 tries; ref A1234567890B';

    expect(redactNumbers(text)).toBe(text);
  });
});
