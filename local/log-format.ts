import type { LogEntry } from './stack';

/**
 * Turns the stack's log lines into one short line each for a terminal: a Powertools JSON line becomes
 * `time source LEVEL message key=value …` without the keys every line repeats; metric blobs (EMF) are left
 * out; anything else is printed as it is.
 */

const REPEATED_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'stage',
]);

function compact(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One printable line, or undefined for lines not worth printing (metrics). */
export function formatLogEntry(entry: LogEntry): string | undefined {
  const time = entry.at.slice(11, 23);
  const source = entry.source.padEnd(13);
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.line);
  } catch {
    return `${time} ${source} ${entry.line}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return `${time} ${source} ${entry.line}`;
  const record = parsed as Record<string, unknown>;
  if ('_aws' in record) return undefined;
  const level = typeof record.level === 'string' ? record.level.padEnd(5) : '     ';
  const extras = Object.entries(record)
    .filter(([key]) => !REPEATED_KEYS.has(key))
    .map(([key, value]) => `${key}=${compact(value)}`)
    .join(' ');
  return `${time} ${source} ${level} ${String(record.message ?? '')}${extras ? ` ${extras}` : ''}`;
}
