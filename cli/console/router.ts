import { maskPhone } from '../../lib/shared/pii';
import { DELIVERY_ID_PATTERN } from '../../lib/table/delivery-model';
import type { SupportServices } from '../adapters/connect';
import { toCliError } from '../aws-error';
import { parseLimit, parsePhone } from '../command-line';
import { parseOutcomeFilter, type OutcomeFilter } from '../delivery-list';
import { parseSince } from '../duration';
import { CliError, UsageError } from '../errors';
import { redactNumbers } from '../redact';
import {
  findDeliveriesTo,
  listRecentDeliveries,
  looksLikePhoneNumber,
  readDeliveryStory,
  readParkedReceipts,
} from '../support-queries';
import type { Target } from '../target';
import { toDocument } from './html';
import { deliveriesPage, type RecentFilters } from './pages/deliveries';
import { deliveryPage } from './pages/delivery';
import { deliveryHref } from './pages/delivery-rows';
import { layout, type Page, type PageChrome } from './pages/layout';
import { parkedPage } from './pages/parked';
import { problemPage } from './pages/problem';
import { recipientPage, searchPage } from './pages/search';
import { isAllowedHost, isSameOriginPost, SECURITY_HEADERS, tokenMatches } from './security';
import { CONSOLE_CSS, FAVICON_SVG } from './styles';

/**
 * The console's request handling, independent of the socket: security checks first (host, token,
 * method, origin), then one route per page. Every page reads through {@link ../support-queries}, the
 * same functions the CLI commands use.
 */

export interface ConsoleRequest {
  readonly method: string;
  /** The request target: path and query, e.g. `/t/<token>/deliveries?outcome=EXPIRED`. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body as text; rejects with {@link BodyTooLargeError} past the limit. Read only for a POST. */
  readBody(): Promise<string>;
}

export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ConsoleOptions {
  readonly services: SupportServices;
  readonly target: Target;
  readonly token: string;
  /** The port the console listens on; the Host and Origin checks need it. */
  readonly port: number;
  readonly now: () => Date;
  /** The `receipt-sms dlq redrive …` command line for this target, shown on the parked-receipts page. */
  readonly redriveCommand: string;
}

/** The request body exceeded what a search form can send. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** A search form posts a few dozen bytes; anything near this is not one. */
export const MAX_BODY_BYTES = 4096;

const PHONE_SEARCH_LIMIT = 20;
const DEFAULT_SINCE = '24h';
const DEFAULT_LIST_LIMIT = 50;
const DEFAULT_PARKED_LIMIT = 50;

function respond(status: number, contentType: string, body: string, extra: Record<string, string> = {}) {
  return { status, headers: { ...SECURITY_HEADERS, 'content-type': contentType, ...extra }, body };
}

/** Refusals carry no page chrome and no data: just the status and a sentence. */
function refuse(status: number, message: string, extra: Record<string, string> = {}): ConsoleResponse {
  return respond(status, 'text/plain; charset=utf-8', `${message}\n`, extra);
}

function page(status: number, chrome: PageChrome, content: Page): ConsoleResponse {
  return respond(status, 'text/html; charset=utf-8', toDocument(layout(chrome, content)));
}

function redirect(location: string): ConsoleResponse {
  return respond(303, 'text/plain; charset=utf-8', `See ${location}\n`, { location });
}

type Route = (request: ConsoleRequest, url: URL, rest: string) => Promise<ConsoleResponse> | ConsoleResponse;

/**
 * Creates the handler for one console run.
 *
 * @example
 * const handle = createConsoleHandler({ services, target, token, port, now: () => new Date(), redriveCommand });
 * const response = await handle({ method: 'GET', target: `/t/${token}/`, headers: { host }, readBody });
 */
export function createConsoleHandler(
  options: ConsoleOptions,
): (request: ConsoleRequest) => Promise<ConsoleResponse> {
  const { services, target, token, port } = options;
  const chrome: PageChrome = { base: `/t/${token}`, targetLabel: target.label };

  const failure = (error: unknown, doing: string): ConsoleResponse => {
    const cliError: CliError = toCliError(error, { doing, target: target.label, local: target.local });
    const status = cliError instanceof UsageError ? 400 : 502;
    const title = status === 400 ? 'Cannot read that' : 'Could not read the target';
    return page(
      status,
      chrome,
      problemPage(chrome, {
        title,
        message: cliError.message,
        ...(cliError.hint ? { hint: cliError.hint } : {}),
      }),
    );
  };

  const notFound = (message: string, hint?: string): ConsoleResponse =>
    page(404, chrome, problemPage(chrome, { title: 'Not found', message, ...(hint ? { hint } : {}) }));

  const searchProblem = (message: string, value?: string): ConsoleResponse =>
    page(400, chrome, searchPage(chrome, { message, ...(value !== undefined ? { value } : {}) }));

  async function search(request: ConsoleRequest): Promise<ConsoleResponse> {
    if (!isSameOriginPost(request.headers, port)) {
      return refuse(403, 'Refused: the search form posts only from the console itself.');
    }
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return refuse(415, 'The search expects a form (application/x-www-form-urlencoded).');
    }
    let body: string;
    try {
      body = await request.readBody();
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuse(413, 'The search form sends far less than that.');
      throw error;
    }
    const query = (new URLSearchParams(body).get('q') ?? '').trim();
    if (query === '') return searchProblem('Type a delivery id, a Sinch message id or a phone number.');

    if (looksLikePhoneNumber(query)) {
      let phone: string;
      try {
        phone = parsePhone(query);
      } catch {
        // Never echo the number back, not even into the search box.
        return searchProblem(
          'A phone number must be international: + then the country code and the number, e.g. +447700900123.',
        );
      }
      const masked = maskPhone(phone);
      try {
        const rows = await findDeliveriesTo(services, phone, PHONE_SEARCH_LIMIT);
        if (rows.length === 0) {
          return notFound(
            `No deliveries to ${masked} in ${target.label}.`,
            'Check the number (with country code) and the stage; deliveries are kept for the retention period (30 days by default).',
          );
        }
        return page(200, chrome, recipientPage(chrome, masked, rows));
      } catch (error) {
        return failure(error, 'looking up the phone number');
      }
    }

    if (!DELIVERY_ID_PATTERN.test(query)) {
      return searchProblem(
        'A delivery id or Sinch message id is 1 to 80 letters, digits, "_" or "-".',
        redactNumbers(query),
      );
    }
    return showDelivery(query, { canonical: false });
  }

  /**
   * `/deliveries/<id>`, or the answer to a search for an id: found, it redirects to the delivery's own
   * address unless already there (a search, or a Sinch message id), so it can be bookmarked and shared.
   */
  async function showDelivery(id: string, at: { canonical: boolean }): Promise<ConsoleResponse> {
    let story;
    try {
      story = await readDeliveryStory(services, target, id);
    } catch (error) {
      return failure(error, 'reading the delivery');
    }
    if (!story) {
      return notFound(
        `No delivery and no Sinch message with id ${redactNumbers(id)} in ${target.label}.`,
        "Check the id and the stage. Deliveries are kept for the stage's retention period (30 days by default).",
      );
    }
    if (!at.canonical || story.report.deliveryId !== id) {
      return redirect(deliveryHref(chrome, story.report.deliveryId));
    }
    return page(200, chrome, deliveryPage(chrome, story));
  }

  async function recent(url: URL): Promise<ConsoleResponse> {
    const params = url.searchParams;
    const sinceText = params.get('since')?.trim() || DEFAULT_SINCE;
    let outcome: OutcomeFilter | undefined;
    let since: Date;
    let limit: number;
    const typed: RecentFilters = { since: sinceText, limit: DEFAULT_LIST_LIMIT };
    try {
      outcome = parseOutcomeFilter(params.get('outcome') || undefined);
      since = parseSince(sinceText, options.now());
      limit = parseLimit(params.get('limit') || undefined, DEFAULT_LIST_LIMIT, 1000);
    } catch (error) {
      const message = error instanceof UsageError ? error.message.replace(/--(\w+)/g, '$1') : String(error);
      return page(400, chrome, deliveriesPage(chrome, typed, { problem: message }));
    }
    const filters: RecentFilters = { ...(outcome ? { outcome } : {}), since: sinceText, limit };
    try {
      const result = await listRecentDeliveries(services, { since, ...(outcome ? { outcome } : {}), limit });
      return page(200, chrome, deliveriesPage(chrome, filters, { since, recent: result }));
    } catch (error) {
      return failure(error, 'listing deliveries');
    }
  }

  async function parked(url: URL): Promise<ConsoleResponse> {
    let limit: number;
    try {
      limit = parseLimit(url.searchParams.get('limit') || undefined, DEFAULT_PARKED_LIMIT, 1000);
    } catch (error) {
      return failure(error, 'reading the receipts DLQ');
    }
    try {
      return page(
        200,
        chrome,
        parkedPage(chrome, await readParkedReceipts(services, limit), options.redriveCommand),
      );
    } catch (error) {
      return failure(error, 'reading the receipts DLQ');
    }
  }

  const GET_ROUTES: Readonly<Record<string, Route>> = {
    '/': () => page(200, chrome, searchPage(chrome)),
    '/deliveries': (_request, url) => recent(url),
    '/dlq': (_request, url) => parked(url),
    '/console.css': () => respond(200, 'text/css; charset=utf-8', CONSOLE_CSS),
    '/favicon.svg': () => respond(200, 'image/svg+xml', FAVICON_SVG),
  };

  return async function handle(request) {
    if (!isAllowedHost(request.headers.host, port)) {
      return refuse(403, `Refused: this console answers only at http://127.0.0.1:${port}/.`);
    }
    let url: URL;
    try {
      url = new URL(request.target, `http://127.0.0.1:${port}`);
    } catch {
      return refuse(400, 'Bad request.');
    }
    const match = /^\/t\/([^/]*)(\/.*)?$/.exec(url.pathname);
    if (!match) {
      return refuse(
        401,
        'Open the full address that `receipt-sms console` printed; it holds the access token.',
      );
    }
    if (!tokenMatches(match[1]!, token)) {
      return refuse(
        403,
        'Wrong access token: open the address that this run of `receipt-sms console` printed.',
      );
    }
    const rest = match[2] ?? '/';

    if (request.method === 'POST') {
      if (rest === '/search') return search(request);
      return refuse(405, 'Only the search form posts.', { allow: 'GET, HEAD' });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refuse(405, 'The console is read-only.', { allow: rest === '/search' ? 'POST' : 'GET, HEAD' });
    }
    const route = GET_ROUTES[rest];
    if (route) return route(request, url, rest);
    const delivery = /^\/deliveries\/([^/]+)$/.exec(rest);
    if (delivery) {
      let id: string;
      try {
        id = decodeURIComponent(delivery[1]!);
      } catch {
        return notFound('That address does not name a delivery.');
      }
      if (!DELIVERY_ID_PATTERN.test(id))
        return notFound(`There is no delivery with id ${redactNumbers(id)}.`);
      return showDelivery(id, { canonical: true });
    }
    if (rest === '/search') return refuse(405, 'Search with the form.', { allow: 'POST' });
    return notFound('There is no such page in the console.');
  };
}
