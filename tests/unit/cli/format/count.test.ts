import { count } from '../../../../cli/format/count';

describe('count', () => {
  it('uses the singular for one and the plural otherwise', () => {
    expect(count(1, 'parked receipt')).toBe('1 parked receipt');
    expect(count(0, 'parked receipt')).toBe('0 parked receipts');
    expect(count(3, 'delivery', 'deliveries')).toBe('3 deliveries');
  });
});
