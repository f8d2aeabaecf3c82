import { countByReason, type ParkedReceipt } from '../parked-receipt';
import { columns, type Style } from './style';

function short(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').slice(0, 19);
}

/** Renders `dlq list`: one row per parked receipt, then the reasons with their counts. */
export function renderParkedReceipts(
  receipts: readonly ParkedReceipt[],
  summary: string,
  style: Style,
): string {
  if (receipts.length === 0) return `${summary}\n`;
  const table = columns([
    ['PARKED (UTC)', 'BY', 'DELIVERY#ATTEMPT', 'SINCH MESSAGE', 'STATUS', 'RECIPIENT', 'REASON'].map((h) =>
      style.dim(h),
    ),
    ...receipts.map((r) => [
      short(r.parkedAt),
      r.parkedBy,
      r.deliveryId === null ? '-' : `${r.deliveryId}#${r.attempt ?? '?'}`,
      r.sinchMessageId ?? '-',
      [r.status, r.reasonCode].filter((p) => p !== null).join(' ') || '-',
      r.recipient ?? '-',
      style.warn(r.reason),
    ]),
  ]);
  return `${table}\n\n${renderReasonCounts(receipts, style)}\n${summary}\n`;
}

/** `3 × unknown event type` lines, most frequent first. */
export function renderReasonCounts(receipts: readonly ParkedReceipt[], style: Style): string {
  return countByReason(receipts)
    .map(({ reason, count }) => `  ${style.bold(String(count).padStart(4))} × ${reason}`)
    .join('\n');
}
