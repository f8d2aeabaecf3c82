import { OUTCOME_FILTERS, type OutcomeFilter } from '../../delivery-list';
import { count } from '../../format/count';
import type { RecentDeliveries } from '../../support-queries';
import { html } from '../html';
import { deliveryRowsTable } from './delivery-rows';
import { href, type Page, type PageChrome } from './layout';

/** The filters as typed, so the form shows them again. */
export interface RecentFilters {
  readonly outcome?: OutcomeFilter;
  readonly since: string;
  readonly limit: number;
}

function filterForm(chrome: PageChrome, filters: RecentFilters) {
  return html`<form method="get" action="${href(chrome, '/deliveries')}">
    <label for="outcome"
      >Outcome
      <select id="outcome" name="outcome">
        <option value="" ${filters.outcome === undefined ? html` selected` : ''}>any</option>
        ${OUTCOME_FILTERS.map(
          (o) => html`<option value="${o}" ${filters.outcome === o ? html` selected` : ''}>${o}</option>`,
        )}
      </select>
    </label>
    <label for="since"
      >Since <small>90s, 30m, 24h, 7d or a date like 2026-03-02</small>
      <input id="since" name="since" type="text" value="${filters.since}" maxlength="40" spellcheck="false" />
    </label>
    <label for="limit"
      >At most
      <input id="limit" name="limit" type="number" min="1" max="1000" value="${String(filters.limit)}" />
    </label>
    <button type="submit">Show</button>
  </form>`;
}

/** `list`: recent deliveries, newest first, with the filters above them. */
export function deliveriesPage(
  chrome: PageChrome,
  filters: RecentFilters,
  result: { readonly since: Date; readonly recent: RecentDeliveries } | { readonly problem: string },
): Page {
  const body =
    'problem' in result
      ? html`<p class="error" role="alert">${result.problem}</p>`
      : (() => {
          const noun = filters.outcome ? `${filters.outcome} delivery` : 'delivery';
          const plural = `${filters.outcome ? `${filters.outcome} ` : ''}deliveries`;
          const matched = count(result.recent.matched, noun, plural);
          const shown =
            result.recent.rows.length < result.recent.matched
              ? `${result.recent.rows.length} newest of ${matched}`
              : matched;
          const summary = `${shown} since ${result.since.toISOString()} in ${chrome.targetLabel}.`;
          return result.recent.rows.length === 0
            ? html`<p role="status">${summary}</p>`
            : deliveryRowsTable(chrome, result.recent.rows, summary);
        })();
  return {
    title: 'Recent deliveries',
    section: 'deliveries',
    body: html`<h1>Recent deliveries</h1>
      ${filterForm(chrome, filters)} ${body}`,
  };
}
