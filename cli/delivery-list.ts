import { OUTCOMES, type Outcome } from '../lib/table/delivery-model';
import { UsageError } from './errors';
import type { DeliveryRecord } from './records';

/**
 * Rows for `list` and `find`: one line per delivery, newest first, with the masked recipient only.
 */
export const OUTCOME_FILTERS = [...OUTCOMES, 'IN_PROGRESS'] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

export interface DeliveryRow {
  readonly deliveryId: string;
  readonly createdAt: string;
  readonly recipient: string;
  readonly outcome: Outcome | 'IN_PROGRESS';
  readonly outcomeAt: string | null;
  readonly timeToOutcomeMs: number | null;
  readonly smsAttempts: number | null;
  readonly lateSmsDelivered: boolean;
}

/**
 * Parses `--outcome`, case-insensitively. `IN_PROGRESS` selects deliveries without an outcome yet.
 */
export function parseOutcomeFilter(text: string | undefined): OutcomeFilter | undefined {
  if (text === undefined) return undefined;
  const upper = text.trim().toUpperCase();
  const match = OUTCOME_FILTERS.find((o) => o === upper);
  if (!match) throw new UsageError(`--outcome must be one of ${OUTCOME_FILTERS.join(', ')}, got "${text}"`);
  return match;
}

export function toDeliveryRow(record: DeliveryRecord): DeliveryRow {
  const took = record.outcomeAt ? Date.parse(record.outcomeAt) - Date.parse(record.createdAt) : NaN;
  return {
    deliveryId: record.deliveryId,
    createdAt: record.createdAt,
    recipient: record.toMasked,
    outcome: record.outcome ?? 'IN_PROGRESS',
    outcomeAt: record.outcomeAt ?? null,
    timeToOutcomeMs: Number.isFinite(took) ? took : null,
    smsAttempts: record.attempts ?? null,
    lateSmsDelivered: record.lateSmsDelivered === true,
  };
}

export interface RecentSelection {
  readonly since?: Date;
  readonly outcome?: OutcomeFilter;
  readonly limit: number;
}

/** Whether a delivery passes the `list` filters. */
export function matchesSelection(record: DeliveryRecord, selection: Omit<RecentSelection, 'limit'>): boolean {
  if (selection.since && !(Date.parse(record.createdAt) >= selection.since.getTime())) return false;
  if (selection.outcome === undefined) return true;
  return (record.outcome ?? 'IN_PROGRESS') === selection.outcome;
}

/** Filters, sorts newest first and cuts to the limit. */
export function selectRecent(records: readonly DeliveryRecord[], selection: RecentSelection): DeliveryRow[] {
  return records
    .filter((r) => matchesSelection(r, selection))
    .sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.deliveryId < b.deliveryId ? 1 : -1,
    )
    .slice(0, selection.limit)
    .map(toDeliveryRow);
}
