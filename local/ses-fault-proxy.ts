import { queryProtocolError, type HttpAnswer } from './aws-error-responses';
import type { FaultInjector } from './fault-injector';
import { startServiceProxy, type Interceptor, type ProxiedRequest, type ServiceProxy } from './service-proxy';

/**
 * A proxy in front of aws-ses-v2-local for the SES v1 API the functions call (`@aws-sdk/client-ses`: the
 * Query protocol, form-encoded POSTs with `Action=SendEmail` / `SendRawEmail`), injecting:
 *
 * - `ses-throttle=<share>`: that share of sends answer `Throttling` ("Maximum sending rate exceeded."),
 *   SES's answer when the account's sending rate is exceeded (retryable);
 * - `ses-sandbox`: SES's sandbox, where every address a message names must be a verified identity; only
 *   the sender's own address is verified here, so any other recipient gets `MessageRejected`, as AWS
 *   words it (the address appears in the error body, as on AWS, but never in the stack's log lines).
 *
 * A refused send never reaches the emulator, so the mail view shows only what SES would have sent.
 */

export const SES_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
export const SES_THROTTLING_MESSAGE = 'Maximum sending rate exceeded.';

const SEND_ACTIONS = new Set(['SendEmail', 'SendRawEmail']);

/** `Jane <jane@example.com>` → `jane@example.com`; a bare address as it is. */
export function addressOf(mailbox: string): string {
  const angle = /<([^>]*)>/.exec(mailbox);
  return (angle ? angle[1]! : mailbox).trim();
}

/** The addresses in a header value such as `a@x.com, "B, C" <b@y.com>` (commas in quotes or <> kept). */
function addressesInHeader(value: string): string[] {
  const mailboxes: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;
  for (const char of value) {
    if (char === '"' && !angled) quoted = !quoted;
    else if (char === '<' && !quoted) angled = true;
    else if (char === '>' && !quoted) angled = false;
    if (char === ',' && !quoted && !angled) {
      mailboxes.push(current);
      current = '';
    } else current += char;
  }
  mailboxes.push(current);
  return mailboxes.map(addressOf).filter(Boolean);
}

/** The header fields of a raw MIME message (unfolded, names lower-case). */
function mimeHeaders(raw: string): Map<string, string[]> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const fields = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

function membersOf(form: URLSearchParams, pattern: RegExp): string[] {
  return [...form.entries()].filter(([key]) => pattern.test(key)).map(([, value]) => addressOf(value));
}

/** The sender and every recipient of a SendEmail or SendRawEmail request, as SES reads them. */
export function sendIdentities(form: URLSearchParams): { source?: string; recipients: string[] } {
  const action = form.get('Action');
  if (action === 'SendEmail') {
    const source = form.get('Source');
    return {
      source: source ? addressOf(source) : undefined,
      recipients: membersOf(form, /^Destination\.(To|Cc|Bcc)Addresses\.member\.\d+$/),
    };
  }
  // SendRawEmail: Destinations, else the message's own To, Cc and Bcc; Source, else its From.
  const headers = mimeHeaders(Buffer.from(form.get('RawMessage.Data') ?? '', 'base64').toString('utf8'));
  const destinations = membersOf(form, /^Destinations\.member\.\d+$/);
  const recipients =
    destinations.length > 0
      ? destinations
      : ['to', 'cc', 'bcc'].flatMap((name) => (headers.get(name) ?? []).flatMap(addressesInHeader));
  const source = form.get('Source') ?? headers.get('from')?.[0];
  return { source: source ? addressOf(source) : undefined, recipients };
}

/** The identities of a send that a sandboxed account has not verified, sender first, each once. */
export function unverifiedIdentities(form: URLSearchParams, verified: readonly string[]): string[] {
  const known = new Set(verified.map((address) => address.toLowerCase()));
  const { source, recipients } = sendIdentities(form);
  const failed: string[] = [];
  for (const address of [...(source ? [source] : []), ...recipients]) {
    const lower = address.toLowerCase();
    if (!known.has(lower) && !failed.some((seen) => seen.toLowerCase() === lower)) failed.push(address);
  }
  return failed;
}

export function sesThrottlingAnswer(): HttpAnswer {
  return queryProtocolError({
    status: 400,
    type: 'Sender',
    code: 'Throttling',
    message: SES_THROTTLING_MESSAGE,
    xmlns: SES_XMLNS,
  });
}

export function sesMessageRejectedAnswer(unverified: readonly string[], region: string): HttpAnswer {
  return queryProtocolError({
    status: 400,
    type: 'Sender',
    code: 'MessageRejected',
    message:
      'Email address is not verified. The following identities failed the check in region ' +
      `${region.toUpperCase()}: ${unverified.join(', ')}`,
    xmlns: SES_XMLNS,
  });
}

function formOf(request: ProxiedRequest): URLSearchParams | undefined {
  const type = String(request.headers['content-type'] ?? '');
  if (request.method !== 'POST' || !type.startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(request.body.toString('utf8'));
}

export interface SesFaultOptions {
  readonly injector: FaultInjector;
  /** The identities a sandboxed account has verified: the sender's address (`EMAIL_FROM`). */
  readonly verifiedIdentities: readonly string[];
  /** Named in the sandbox's message, upper-case, as SES does. */
  readonly region: string;
}

export function sesFaults(options: SesFaultOptions): Interceptor {
  const { injector } = options;
  return (request) => {
    const form = formOf(request);
    const action = form?.get('Action');
    if (!form || !action || !SEND_ACTIONS.has(action)) return undefined;
    if (injector.strikes('ses-throttle', action, `Throttling (400) to SES ${action}`)) {
      return sesThrottlingAnswer();
    }
    if (injector.isOn('ses-sandbox')) {
      const unverified = unverifiedIdentities(form, options.verifiedIdentities);
      if (unverified.length > 0) {
        // The count only: the addresses are personal data.
        injector.record(
          'ses-sandbox',
          `MessageRejected (400) to SES ${action}: ${unverified.length} unverified ${unverified.length === 1 ? 'identity' : 'identities'}`,
        );
        return sesMessageRejectedAnswer(unverified, options.region);
      }
    }
    return undefined;
  };
}

export function startSesFaultProxy(
  options: SesFaultOptions & { readonly target: string; readonly port?: number },
): Promise<ServiceProxy> {
  return startServiceProxy({ target: options.target, intercept: sesFaults(options), port: options.port });
}
