import type { DeliveryRow } from '../../delivery-list';
import { formatDuration } from '../../duration';
import { html, type SafeHtml } from '../html';
import { href, type PageChrome } from './layout';
import { outcomeBadge, shortTime } from './outcome';

/** The link to one delivery's timeline. */
export function deliveryHref(chrome: PageChrome, deliveryId: string): string {
  return href(chrome, `/deliveries/${encodeURIComponent(deliveryId)}`);
}

/** The table `list` and `find` print, with each delivery linked to its timeline. */
export function deliveryRowsTable(
  chrome: PageChrome,
  rows: readonly DeliveryRow[],
  caption: string,
): SafeHtml {
  return html`<div class="table">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">Created (UTC)</th>
          <th scope="col">Delivery</th>
          <th scope="col">Recipient</th>
          <th scope="col">Outcome</th>
          <th scope="col">Took</th>
          <th scope="col">SMS</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr>
              <td class="mono">${shortTime(row.createdAt)}</td>
              <td><a class="mono" href="${deliveryHref(chrome, row.deliveryId)}">${row.deliveryId}</a></td>
              <td class="mono">${row.recipient}</td>
              <td>${outcomeBadge(row.outcome, row.lateSmsDelivered ? ' (+late SMS)' : '')}</td>
              <td>${row.timeToOutcomeMs === null ? '-' : formatDuration(row.timeToOutcomeMs)}</td>
              <td>${row.smsAttempts === null ? '-' : String(row.smsAttempts)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
