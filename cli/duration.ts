import { UsageError } from './errors';

/**
 * Durations as people type them on a command line (`90s`, `30m`, `24h`, `7d`, `1h30m`) and as the CLI
 * prints them (`2m 14s`).
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/**
 * Parses a duration such as `24h`, `7d` or `1h30m` into milliseconds.
 *
 * @throws {UsageError} when the text is not a positive duration.
 * @example
 * parseDuration('1h30m'); // 5_400_000
 */
export function parseDuration(text: string, option = '--since'): number {
  const trimmed = text.trim().toLowerCase();
  if (!DURATION.test(trimmed)) {
    throw new UsageError(`${option} expects a duration like 90s, 30m, 24h or 7d, got "${text}"`);
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (total <= 0) throw new UsageError(`${option} must be longer than zero, got "${text}"`);
  return total;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Resolves `--since` to an instant: either a duration back from `now` (`24h`) or an ISO-8601 date or
 * date-time (`2026-03-02`, `2026-03-02T10:00Z`).
 */
export function parseSince(text: string, now: Date): Date {
  const trimmed = text.trim();
  if (ISO_DATE.test(trimmed)) {
    const at = new Date(trimmed);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--since is not a valid date: "${text}"`);
    if (at.getTime() > now.getTime()) throw new UsageError(`--since is in the future: "${text}"`);
    return at;
  }
  return new Date(now.getTime() - parseDuration(trimmed));
}

/**
 * Formats a length of time for people, with the two most significant units.
 *
 * @example
 * formatDuration(134_000); // '2m 14s'
 * formatDuration(850);     // '850ms'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) {
    const seconds = abs / 1_000;
    return `${sign}${seconds < 10 ? seconds.toFixed(1).replace(/\.0$/, '') : Math.round(seconds)}s`;
  }
  const totalSeconds = Math.round(abs / 1_000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return `${sign}${days}d ${hours}h`;
  if (hours > 0) return `${sign}${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${sign}${minutes}m ${String(seconds).padStart(2, '0')}s`;
}
