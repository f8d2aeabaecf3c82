import { hashRecipient } from '../lib/shared/pii';
import { classifyReceipt } from '../lib/receipts/provider-events';
import type { SupportServices } from './adapters/connect';
import { selectRecent, toDeliveryRow, type DeliveryRow, type OutcomeFilter } from './delivery-list';
import { summariseParkedMessage, type ParkedReceipt } from './parked-receipt';
import { executionArnFor, executionConsoleUrl, type Target } from './target';
import { buildDeliveryReport, type DeliveryReport, type ExplainReason } from './timeline';

/**
 * The questions support asks of a target, answered from its services. The CLI commands and the browser
 * console both call these, so a delivery, a list or a parked receipt reads the same in either: the
 * commands add terminal output and exit codes, the console adds HTML.
 */

/**
 * The processor's classifier, worded for support: the class it acts on and the one-line rationale, from
 * the table of the provider that reported the code (Sinch's by default).
 */
export const explainReason: ExplainReason = (code, subCode, provider = 'sinch') => {
  const { failureClass, rationale } = classifyReceipt({
    provider,
    reason: { code, ...(subCode ? { subCode } : {}) },
  });
  return { failureClass, meaning: rationale };
};

const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/;

/**
 * Whether text someone typed where an id belongs is a phone number: digits with the punctuation people
 * paste, and no letters or `_` (delivery ids such as `otp_46701234567` are not numbers).
 */
export function looksLikePhoneNumber(text: string): boolean {
  const trimmed = text.trim();
  return PHONE_LIKE.test(trimmed) && trimmed.replace(/\D/g, '').length >= 7 && !/[A-Za-z_]/.test(trimmed);
}

/** One delivery's report and the links that go with it. */
export interface DeliveryStory {
  readonly report: DeliveryReport;
  /** The execution in the AWS Step Functions console; `undefined` on the local stack. */
  readonly executionConsoleUrl?: string;
}

/** Reading progress, for a status line: `events` counts history events read so far. */
export type StoryProgress = (stage: 'delivery' | 'history', events?: number) => void;

/**
 * Reads everything `inspect` shows about one delivery: the stored delivery and attempts, then the
 * workflow's execution history and status. `id` is a deliveryId or a Sinch message id.
 *
 * @returns `undefined` when neither a delivery nor a Sinch message has that id.
 */
export async function readDeliveryStory(
  services: SupportServices,
  target: Target,
  id: string,
  onProgress: StoryProgress = () => undefined,
): Promise<DeliveryStory | undefined> {
  const { deliveries, executions } = services;
  onProgress('delivery');
  let found = await deliveries.getDelivery(id);
  if (!found) {
    const deliveryId = await deliveries.findDeliveryIdByMessageId(id);
    if (deliveryId) found = await deliveries.getDelivery(deliveryId);
  }
  if (!found) return undefined;

  const { delivery, attempts } = found;
  const executionArn =
    delivery.executionArn ??
    (target.stateMachineArn ? executionArnFor(target.stateMachineArn, delivery.deliveryId) : undefined);
  let history;
  let executionStatus;
  if (executionArn) {
    history = await executions.history(executionArn, (events) => onProgress('history', events));
    if (history) executionStatus = await executions.status(executionArn);
  }
  const report = buildDeliveryReport({
    delivery,
    attempts,
    ...(history ? { history } : {}),
    ...(executionStatus ? { executionStatus } : {}),
    ...(executionArn ? { executionArn } : {}),
    explainReason,
  });
  const consoleUrl = executionArn && !target.local ? executionConsoleUrl(executionArn) : undefined;
  return consoleUrl ? { report, executionConsoleUrl: consoleUrl } : { report };
}

/**
 * Deliveries to one E.164 number, newest first, through the keyed recipient hash: the number is hashed
 * here and only the hash is sent to the table.
 */
export async function findDeliveriesTo(
  services: SupportServices,
  e164: string,
  limit: number,
): Promise<DeliveryRow[]> {
  const key = await services.readRecipientHashKey();
  const records = await services.deliveries.findByRecipientHash(hashRecipient(e164, key), limit);
  return records.map(toDeliveryRow);
}

export interface RecentDeliveries {
  /** How many deliveries matched, before the limit. */
  readonly matched: number;
  /** The newest `limit` of them. */
  readonly rows: DeliveryRow[];
}

/** Recent deliveries matching the `list` filters, newest first. */
export async function listRecentDeliveries(
  services: SupportServices,
  selection: { readonly since: Date; readonly outcome?: OutcomeFilter; readonly limit: number },
  onPage?: (progress: { scanned: number; matched: number }) => void,
): Promise<RecentDeliveries> {
  const filter = { since: selection.since, ...(selection.outcome ? { outcome: selection.outcome } : {}) };
  const records = await services.deliveries.scanRecent(filter, onPage);
  return { matched: records.length, rows: selectRecent(records, { ...filter, limit: selection.limit }) };
}

export interface ParkedReceipts {
  /** SQS's approximate count of everything parked, at least as many as were read. */
  readonly approximateTotal: number;
  readonly receipts: ParkedReceipt[];
}

/** Up to `limit` parked receipts, summarised without their raw bodies. Nothing is removed. */
export async function readParkedReceipts(
  services: SupportServices,
  limit: number,
  onPage?: (seen: number) => void,
): Promise<ParkedReceipts> {
  const queue = services.parkedReceipts;
  const total = await queue.approximateCount();
  const receipts = (await queue.peek(limit, onPage)).map(summariseParkedMessage);
  return { approximateTotal: Math.max(total, receipts.length), receipts };
}
