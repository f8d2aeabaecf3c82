import { formatDuration } from '../duration';
import type { DeliveryRow } from '../delivery-list';
import { columns, type Style } from './style';

const SUCCESS = new Set(['DELIVERED', 'DELIVERED_AFTER_RESEND']);

function outcome(row: DeliveryRow, style: Style): string {
  if (row.outcome === 'IN_PROGRESS') return style.warn(row.outcome);
  const text = SUCCESS.has(row.outcome) ? style.good(row.outcome) : style.bad(row.outcome);
  return row.lateSmsDelivered ? `${text} ${style.dim('(+late SMS)')}` : text;
}

/** Renders `list` / `find` rows as an aligned table, newest first, with a one-line summary. */
export function renderDeliveryRows(
  rows: readonly DeliveryRow[],
  summary: string,
  targetFlags: string,
  style: Style,
): string {
  if (rows.length === 0) return `${summary}\n`;
  const table = columns([
    ['CREATED (UTC)', 'DELIVERY', 'RECIPIENT', 'OUTCOME', 'TOOK', 'SMS'].map((h) => style.dim(h)),
    ...rows.map((row) => [
      row.createdAt.replace('T', ' ').slice(0, 19),
      row.deliveryId,
      row.recipient,
      outcome(row, style),
      row.timeToOutcomeMs === null ? '-' : formatDuration(row.timeToOutcomeMs),
      row.smsAttempts === null ? '-' : String(row.smsAttempts),
    ]),
  ]);
  return `${table}\n\n${summary}\nSee one in full: receipt-sms inspect <DELIVERY> ${targetFlags}\n`;
}
