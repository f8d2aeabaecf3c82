/**
 * The body of every message on the receipts queue and its DLQ: the webhook exactly as Sinch signed it,
 * plus when we received it. The processor parses `rawBody` itself, so nothing that was verified is
 * re-serialised on the way, and a message parked in the DLQ can be redriven to the queue unchanged.
 */
export interface ReceiptEnvelope {
  /** Envelope version, so the format can evolve without breaking messages already queued. */
  readonly v: 1;
  /** ISO-8601 time the ingress accepted the webhook. */
  readonly receivedAt: string;
  /** The verified request body, byte for byte (as a UTF-8 string). */
  readonly rawBody: string;
}

/** SQS message attribute names set by the ingress and by whoever parks a message in the DLQ. */
export const RECEIPT_ATTRIBUTES = {
  eventType: 'eventType',
  messageId: 'messageId',
  status: 'status',
  /** Why a message was parked in the DLQ (DLQ messages only). */
  parkedReason: 'parkedReason',
  /** Which function parked it: `ingress` or `processor`. */
  parkedBy: 'parkedBy',
} as const;

// Characters outside the Basic Multilingual Plane (emoji, for instance) are legal in SQS but rejected by
// some SQS emulators. Writing them as JSON surrogate escapes keeps the body valid JSON that parses back
// to exactly the same string, so the signed bytes survive the trip everywhere.
const ASTRAL = /[\u{10000}-\u{10FFFF}]/gu;

function escapeAstral(char: string): string {
  const high = char.charCodeAt(0).toString(16).padStart(4, '0');
  const low = char.charCodeAt(1).toString(16).padStart(4, '0');
  return `\\u${high}\\u${low}`;
}

/** Serialises an envelope as an SQS message body. */
export function encodeEnvelope(envelope: ReceiptEnvelope): string {
  return JSON.stringify(envelope).replace(ASTRAL, escapeAstral);
}

/**
 * Parses an SQS message body back into an envelope, or returns `undefined` when the body is not one
 * (the caller parks it with a reason instead of throwing).
 */
export function decodeEnvelope(body: string): ReceiptEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { v, receivedAt, rawBody } = parsed as Record<string, unknown>;
  if (v !== 1 || typeof receivedAt !== 'string' || typeof rawBody !== 'string') return undefined;
  return { v, receivedAt, rawBody };
}
