import { retryDelaySeconds } from '../../../lib/receipts/receipt-message-handler';

describe('receipt message handler', () => {
  it('waits 5 s, then twice as long per receive, at most 60 s, before retrying an uncorrelated receipt', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 60, 60, 60]);
  });

  it('treats a missing receive count as the first receive', () => {
    expect(retryDelaySeconds(0)).toBe(5);
  });
});
