import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * What keeps the console private to the person who started it, on a machine other people and other web
 * pages share (docs/decisions/0012-support-console.md):
 * - it listens on 127.0.0.1 only;
 * - every request carries the per-run token in its path (`/t/<token>/…`), compared in constant time;
 * - the Host header must name the console itself, so a page on another domain that re-points its DNS
 *   name to 127.0.0.1 (DNS rebinding) is refused;
 * - a POST must come from the console's own pages (Origin and Sec-Fetch-Site), as a second line behind
 *   the token;
 * - every response forbids scripts, framing, referrers and caching.
 */

/** 32 random bytes (256 bits) from the operating system's CSPRNG, URL-safe. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `candidate` is the token. Both sides are hashed first, so the comparison takes the same time
 * whatever the candidate's length or content: neither the token's length nor a matching prefix leaks.
 */
export function tokenMatches(candidate: string, token: string): boolean {
  return timingSafeEqual(digest(candidate), digest(token));
}

/** The Host header values the console answers to: its own address, by IP or as `localhost`. */
export function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Whether the request's Host header names the console (DNS rebinding protection). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/**
 * Whether a form submission comes from the console's own pages. Browsers send `Sec-Fetch-Site` on every
 * request, and it must say `same-origin`. `Origin`, when it names a site, must be the console; under
 * `Referrer-Policy: no-referrer` browsers send `Origin: null` for the console's own forms, so `null`
 * decides nothing by itself. A client that sends neither (curl with the token) is allowed: it already
 * proved it knows the token.
 */
export function isSameOriginPost(
  headers: { readonly origin?: string; readonly 'sec-fetch-site'?: string },
  port: number,
): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = headers.origin;
  if (origin === undefined || origin === 'null') return true;
  return allowedHosts(port).some((host) => origin.toLowerCase() === `http://${host}`);
}

/**
 * `default-src 'none'` forbids everything not listed: no script at all (not even inline), styles and the
 * icon from the console itself, forms posting only back to it, and no framing by any page.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers on every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Pages hold delivery details: keep them out of the browser's disk cache.
  'cache-control': 'no-store',
};
