import {
  addUsage,
  billedGbSeconds,
  costOf,
  readUnits,
  scaleUsage,
  shareOfSms,
  writeUnits,
  ZERO_USAGE,
} from '../../../bench/cost-model';
import { AWS_PRICES, US_SMS_PRICE } from '../../../bench/prices';

describe('cost model', () => {
  it('bills Lambda duration in started milliseconds times the configured memory', () => {
    expect(billedGbSeconds(10.2, 256)).toBeCloseTo((11 / 1000) * 0.25, 12);
    expect(billedGbSeconds(0.1, 1024)).toBeCloseTo(0.001, 12);
  });

  it('counts one write unit per started KB and one read unit per started 4 KB, half when eventually consistent', () => {
    expect([writeUnits(200), writeUnits(1024), writeUnits(1025)]).toEqual([1, 1, 2]);
    expect([readUnits(4096, true), readUnits(4097, true), readUnits(100, false)]).toEqual([1, 2, 0.5]);
  });

  it('prices each line at its list price and sums them', () => {
    // Prepare
    const usage = { ...ZERO_USAGE, lambdaInvocations: 1e6, stateTransitions: 1000, sesEmails: 1000 };

    // Act
    const { lines, totalUsd } = costOf(usage);

    // Assess
    expect(lines.find((l) => l.item === 'Lambda requests')?.usd).toBeCloseTo(0.2, 10);
    expect(lines.find((l) => l.item === 'Step Functions transitions')?.usd).toBeCloseTo(0.025, 10);
    expect(lines.find((l) => l.item === 'SES emails')?.usd).toBeCloseTo(0.1, 10);
    expect(totalUsd).toBeCloseTo(0.325, 10);
  });

  it('prices SMS sent through the secondary provider, base price and carrier fee, with their source', () => {
    // Prepare: 1,000 deliveries of which 20 failed over
    const usage = { ...ZERO_USAGE, secondarySmsParts: 20 };

    // Act
    const line = costOf(usage).lines.find((l) => l.item === 'AWS End User Messaging SMS');

    // Assess
    expect(line).toEqual({
      item: 'AWS End User Messaging SMS',
      quantity: 20,
      unit: 'SMS message part',
      usd: expect.any(Number),
    });
    expect(line!.usd).toBeCloseTo(20 * 0.00881, 10);
    expect(AWS_PRICES.awsSmsUsMessagePart.source).toMatch(
      /^https:\/\/docs\.aws\.amazon\.com\/sms-voice\/.+unconfirmed/,
    );
  });

  it('adds and scales usages field by field', () => {
    const one = { ...ZERO_USAGE, sqsRequests: 3, logBytes: 1000 };

    expect(scaleUsage(addUsage(one, one), 500)).toEqual({ ...ZERO_USAGE, sqsRequests: 3000, logBytes: 1e6 });
  });

  it('states the cost of a delivery as a share of one US SMS', () => {
    expect(shareOfSms(US_SMS_PRICE.usd / 20)).toBeCloseTo(0.05, 12);
    expect(AWS_PRICES.stepFunctionsTransition.usd).toBeCloseTo(0.000025, 12);
  });
});
