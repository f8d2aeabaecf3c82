import { createHash } from 'node:crypto';

/**
 * The body of every message on the receipts queue, its DLQ and the orphans queue: the webhook exactly as
 * Sinch signed it, plus when we received it. The processor parses the raw body itself, so nothing that was
 * verified is re-serialised on the way, and a parked message can be redriven to the queue unchanged.
 *
 * On the wire (version 2) the raw body travels as base64 of its UTF-8 bytes with their SHA-256:
 * - SQS accepts only #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD and #x10000–#x10FFFF in a message body, and
 *   a signed body may hold anything else (U+FFFE, control characters); base64 is plain ASCII, so every
 *   body the ingress accepts can be carried;
 * - the size is bounded: the ingress accepts at most 256 KiB of body, whose base64 is 349,528 characters,
 *   far inside the queues' 1 MiB, where JSON escaping of control characters could grow a body sixfold;
 * - the digest lets the processor prove that what it parses is byte for byte what was verified.
 * Version 1 (the raw body as a JSON string) is still read, for messages queued before version 2.
 */
export interface ReceiptEnvelope {
  /** ISO-8601 time the ingress accepted the webhook. */
  readonly receivedAt: string;
  /** The verified request body, as the UTF-8 string that was verified. */
  readonly rawBody: string;
}

/** Why a message body could not be read as an envelope; becomes its `parkedReason`. */
export type EnvelopeProblem = 'not_an_envelope' | 'body_digest_mismatch';

export type ReadEnvelope =
  | { readonly envelope: ReceiptEnvelope; readonly problem?: undefined }
  | { readonly envelope?: undefined; readonly problem: EnvelopeProblem };

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

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Serialises an envelope as an SQS message body: ASCII only, whatever the raw body holds.
 *
 * @example
 * encodeEnvelope({ receivedAt: '2026-03-02T10:15:35.000Z', rawBody: '{"a":"\uFFFE"}' });
 * // '{"v":2,"receivedAt":"2026-03-02T10:15:35.000Z","body":"eyJhIjoi77++In0=","sha256":"…"}'
 */
export function encodeEnvelope(envelope: ReceiptEnvelope): string {
  const bytes = Buffer.from(envelope.rawBody, 'utf8');
  return JSON.stringify({
    v: 2,
    receivedAt: envelope.receivedAt,
    body: bytes.toString('base64'),
    sha256: sha256Hex(bytes),
  });
}

/**
 * Reads an SQS message body back into an envelope, checking its digest; or says why it cannot (the caller
 * parks the message with that reason instead of throwing).
 */
export function readEnvelope(messageBody: string): ReadEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(messageBody);
  } catch {
    return { problem: 'not_an_envelope' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { problem: 'not_an_envelope' };
  const { v, receivedAt, rawBody, body, sha256 } = parsed as Record<string, unknown>;
  if (typeof receivedAt !== 'string') return { problem: 'not_an_envelope' };
  if (v === 1 && typeof rawBody === 'string') return { envelope: { receivedAt, rawBody } };
  if (v !== 2 || typeof body !== 'string' || typeof sha256 !== 'string' || !BASE64.test(body)) {
    return { problem: 'not_an_envelope' };
  }
  const bytes = Buffer.from(body, 'base64');
  if (sha256Hex(bytes) !== sha256) return { problem: 'body_digest_mismatch' };
  return { envelope: { receivedAt, rawBody: bytes.toString('utf8') } };
}

/** {@link readEnvelope} for readers that only need the envelope, or `undefined` when there is none. */
export function decodeEnvelope(messageBody: string): ReceiptEnvelope | undefined {
  return readEnvelope(messageBody).envelope;
}
