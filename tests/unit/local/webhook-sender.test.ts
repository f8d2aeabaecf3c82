import { isRetryableStatus, retryDelaySeconds, SINCH_MAX_RETRIES } from '../../../local/webhook-sender';

describe("Sinch's webhook retry schedule", () => {
  it('doubles from 5 s and ends 81,920 s after the first failure', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 80]);
    expect(retryDelaySeconds(SINCH_MAX_RETRIES)).toBe(81_920);
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [400, false],
    [401, false],
    [404, false],
    [200, false],
  ])('retries status %i: %s', (status, retried) => {
    expect(isRetryableStatus(status)).toBe(retried);
  });
});
