import type { DeliveryRow } from '../../delivery-list';
import { count } from '../../format/count';
import { html, type SafeHtml } from '../html';
import { deliveryRowsTable } from './delivery-rows';
import { href, type Page, type PageChrome } from './layout';

/**
 * The search form. It posts, so a phone number typed here travels in the request body only: never in a
 * URL, the browser history or a server log. `value` refills the box after an unusable query, and only
 * ever with an id, never with a number.
 */
export function searchForm(chrome: PageChrome, value = ''): SafeHtml {
  return html`<form method="post" action="${href(chrome, '/search')}" role="search">
    <label for="q"
      >Delivery id, Sinch message id or phone number
      <small
        >A number needs + and the country code, e.g. +447700900123. It is hashed on this computer and never
        shown.</small
      >
      <input
        id="q"
        name="q"
        type="search"
        required
        maxlength="100"
        autocomplete="off"
        spellcheck="false"
        value="${value}"
        autofocus
      />
    </label>
    <button type="submit">Search</button>
  </form>`;
}

/** The start page: the search form and what else the console shows. */
export function searchPage(chrome: PageChrome, problem?: { message: string; value?: string }): Page {
  return {
    title: 'Search',
    section: 'search',
    body: html`<h1>What happened to this message?</h1>
      ${problem ? html`<p class="error" role="alert">${problem.message}</p>` : ''}
      ${searchForm(chrome, problem?.value)}
      <p>
        Or see the <a href="${href(chrome, '/deliveries')}">recent deliveries</a> (filter by outcome and
        time), or the <a href="${href(chrome, '/dlq')}">delivery reports parked in the dead-letter queue</a>.
      </p>`,
  };
}

/** Deliveries to one number: the number appears only masked. */
export function recipientPage(chrome: PageChrome, masked: string, rows: readonly DeliveryRow[]): Page {
  const summary = `${count(rows.length, 'delivery', 'deliveries')} to ${masked}, newest first.`;
  return {
    title: `Deliveries to ${masked}`,
    section: 'search',
    body: html`<h1>Deliveries to <span class="mono">${masked}</span></h1>
      ${deliveryRowsTable(chrome, rows, summary)}
      <h2>Search again</h2>
      ${searchForm(chrome)}`,
  };
}
