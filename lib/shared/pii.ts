import { createHmac } from 'node:crypto';

/**
 * Helpers for showing people and machines only what they need of a phone number or email address.
 * Everything that logs, indexes or prints a recipient goes through here.
 */

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Masks an E.164 number, keeping the country prefix and the last four digits.
 *
 * @example
 * maskPhone('+447700903456'); // '+44******3456'
 */
export function maskPhone(e164: string): string {
  if (!E164.test(e164)) return '***';
  const digits = e164.slice(1);
  const keepStart = Math.min(2, digits.length - 4);
  const keepEnd = 4;
  const hidden = digits.length - keepStart - keepEnd;
  return `+${digits.slice(0, keepStart)}${'*'.repeat(hidden)}${digits.slice(-keepEnd)}`;
}

/**
 * Masks an email address, keeping the first character of the local part and the domain.
 *
 * @example
 * maskEmail('alice@example.com'); // 'a****@example.com'
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  const local = address.slice(0, at);
  return `${local[0]}${'*'.repeat(Math.max(local.length - 1, 3))}${address.slice(at)}`;
}

/**
 * Keyed fingerprint of a phone number for the `byRecipient` index. A plain SHA-256 of a phone number can
 * be reversed by enumerating the number space, so the hash is an HMAC under a per-stage secret key.
 */
export function hashRecipient(e164: string, key: string): string {
  return createHmac('sha256', key).update(e164, 'utf8').digest('base64url');
}
