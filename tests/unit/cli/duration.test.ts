import { formatDuration, parseDuration, parseSince } from '../../../cli/duration';
import { UsageError } from '../../../cli/errors';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1h30m', 5_400_000],
    [' 24H ', 86_400_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '-1h', '1.5h', '24 h', '1y', '0h'])('rejects "%s" as a usage error', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });

  it('names the option in the message', () => {
    expect(() => parseDuration('soon', '--within')).toThrow(/--within expects a duration/);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-03-02T12:00:00.000Z');

  it('counts a duration back from now', () => {
    expect(parseSince('24h', now).toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('accepts a date or a date-time', () => {
    expect(parseSince('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseSince('2026-03-02T10:00Z', now).toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });

  it('rejects a date in the future and an impossible date', () => {
    expect(() => parseSince('2026-03-03', now)).toThrow(/in the future/);
    expect(() => parseSince('2026-13-45', now)).toThrow(UsageError);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [4_500, '4.5s'],
    [12_000, '12s'],
    [134_000, '2m 14s'],
    [3_900_000, '1h 05m'],
    [93_600_000, '1d 2h'],
    [-1_500, '-1.5s'],
    [Number.NaN, '?'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
