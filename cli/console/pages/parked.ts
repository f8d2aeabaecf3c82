import { count } from '../../format/count';
import { countByReason } from '../../parked-receipt';
import type { ParkedReceipts } from '../../support-queries';
import { html } from '../html';
import { deliveryHref } from './delivery-rows';
import { type Page, type PageChrome } from './layout';
import { shortTime } from './outcome';

/** `dlq list`: parked receipts and why, read and put straight back. Redrive stays in the CLI. */
export function parkedPage(chrome: PageChrome, parked: ParkedReceipts, redriveCommand: string): Page {
  const { receipts, approximateTotal } = parked;
  const body =
    receipts.length === 0
      ? html`<p role="status">No parked receipts in ${chrome.targetLabel}.</p>`
      : html`<p role="status">
            ${receipts.length} shown of about ${count(approximateTotal, 'parked receipt')} in
            ${chrome.targetLabel}. Nothing was removed.
          </p>
          <h2>Reasons</h2>
          <ul>
            ${countByReason(receipts).map(({ reason, count: n }) => html`<li><strong>${String(n)}</strong> × ${reason}</li>`)}
          </ul>
          <h2>Receipts</h2>
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Parked (UTC)</th>
                  <th scope="col">By</th>
                  <th scope="col">Delivery # attempt</th>
                  <th scope="col">Sinch message</th>
                  <th scope="col">Status</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                ${receipts.map(
                  (r) =>
                    html`<tr>
                      <td class="mono">${shortTime(r.parkedAt)}</td>
                      <td>${r.parkedBy}</td>
                      <td>
                        ${r.deliveryId === null ? '-' : html`<a class="mono" href="${deliveryHref(chrome, r.deliveryId)}">${r.deliveryId}</a>#${r.attempt === null ? '?' : String(r.attempt)}`}
                      </td>
                      <td class="mono">${r.sinchMessageId ?? '-'}</td>
                      <td>${[r.status, r.reasonCode].filter((p) => p !== null).join(' ') || '-'}</td>
                      <td class="mono">${r.recipient ?? '-'}</td>
                      <td class="warn">${r.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <h2>After the cause is fixed</h2>
          <p>
            Moving parked receipts back is done in the terminal, which shows what it will move and asks first:
          </p>
          <p><code>${redriveCommand}</code></p>`;
  return {
    title: 'Parked receipts',
    section: 'dlq',
    body: html`<h1>Delivery reports parked in the dead-letter queue</h1>
      ${body}`,
  };
}
