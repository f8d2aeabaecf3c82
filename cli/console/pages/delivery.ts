import { formatDuration } from '../../duration';
import { createStyle } from '../../format/style';
import { clockTime, describeEntry, offset } from '../../format/report-text';
import { verdict } from '../../guidance';
import type { DeliveryStory } from '../../support-queries';
import type { TimelineEntry } from '../../timeline';
import { html, type SafeHtml } from '../html';
import { type Page, type PageChrome } from './layout';
import { outcomeBadge, outcomeTone } from './outcome';

/**
 * One delivery's timeline, with what `inspect` prints: the header, every entry in the same words (from
 * the CLI's own `describeEntry`, in plain text, then escaped), late receipts and "What this means".
 */

/** While a delivery is in progress the page reloads itself this often. */
export const IN_PROGRESS_REFRESH_SECONDS = 5;

const plain = createStyle(false);

function entryTone(entry: TimelineEntry): string | undefined {
  switch (entry.kind) {
    case 'receipt':
      if (entry.status === 'FAILED') return 'bad';
      return entry.status === 'DELIVERED' || entry.status === 'READ' ? 'good' : undefined;
    case 'timeout':
      return 'warn';
    case 'step-failed':
      return 'bad';
    case 'outcome':
      return outcomeTone(entry.outcome);
    case 'execution-ended':
      return entry.status === 'SUCCEEDED' ? undefined : 'bad';
    default:
      return undefined;
  }
}

function timeline(entries: readonly TimelineEntry[]): SafeHtml {
  const first = entries[0];
  if (!first) return html`<p>No timeline entries.</p>`;
  const day = first.at.slice(0, 10);
  const startMs = Date.parse(first.at);
  return html`<h2>Timeline <small>(UTC, ${day})</small></h2>
    <ol class="timeline">
      ${entries.map((entry) => {
        const { headline, details = [] } = describeEntry(entry, plain);
        const tone = entryTone(entry);
        return html`<li class="${entry.kind}">
<span class="when"><time datetime="${entry.at}">${clockTime(entry.at, day)}</time> · ${offset(entry.at, startMs)}</span><br>
<span${tone ? html` class="${tone}"` : ''}>${headline.trim()}</span>
${details.map((d) => html`<p class="detail">${d.trim()}</p>`)}
</li>`;
      })}
    </ol>`;
}

function attemptsTable(story: DeliveryStory): SafeHtml {
  const { attempts } = story.report;
  if (attempts.length === 0) return html``;
  return html`<h2>Attempts</h2>
    <div class="table">
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Channel</th>
            <th scope="col">Sinch message</th>
            <th scope="col">Sent (UTC)</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Class</th>
            <th scope="col">Receipts</th>
          </tr>
        </thead>
        <tbody>
          ${attempts.map(
            (a) => html`<tr>
<td>${String(a.attempt)}</td>
<td>${a.channel}</td>
<td class="mono">${a.messageId ?? '-'}</td>
<td class="mono">${a.sentAt}</td>
<td${a.status === 'FAILED' ? html` class="bad"` : ''}>${a.status}</td>
<td>${a.reasonCode ?? a.reason ?? '-'}${a.meaning ? html`<br /><small>${a.meaning}</small>` : ''}</td>
<td>${a.failureClass ?? '-'}</td>
<td>${String(a.receipts)}</td>
</tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function header(story: DeliveryStory): SafeHtml {
  const { report, executionConsoleUrl } = story;
  const took = report.timeToOutcomeMs === null ? '' : ` after ${formatDuration(report.timeToOutcomeMs)}`;
  return html`<dl class="facts">
    <dt>Outcome</dt>
    <dd>
      ${outcomeBadge(report.outcome, took)}${report.lateSmsDelivered ? ' (an SMS was confirmed late)' : ''}
    </dd>
    <dt>Recipient</dt>
    <dd class="mono">${report.recipient}</dd>
    <dt>Email fallback</dt>
    <dd class="mono">${report.email ?? 'none given'}</dd>
    <dt>Created</dt>
    <dd class="mono">${report.createdAt}</dd>
    <dt>Code valid until</dt>
    <dd class="mono">${report.expiresAt}</dd>
    <dt>Execution</dt>
    <dd class="mono">
      ${report.executionArn ?? 'not recorded'}${report.executionStatus ? ` (${report.executionStatus})` : ''}
    </dd>
    ${
      executionConsoleUrl
        ? html`<dt>AWS console</dt>
            <dd>
              <a href="${executionConsoleUrl}" rel="noreferrer noopener" target="_blank"
                >Open the execution in the Step Functions console</a
              >
            </dd>`
        : ''
    }
  </dl>`;
}

/** The page for `/deliveries/<deliveryId>`. */
export function deliveryPage(_chrome: PageChrome, story: DeliveryStory): Page {
  const { report } = story;
  const running = report.outcome === 'IN_PROGRESS';
  return {
    title: `Delivery ${report.deliveryId}`,
    section: 'search',
    ...(running ? { refreshSeconds: IN_PROGRESS_REFRESH_SECONDS } : {}),
    body: html`<h1>Delivery <span class="mono">${report.deliveryId}</span></h1>
      ${running ? html`<p class="notice" role="status">Still in progress: this page reloads every ${String(IN_PROGRESS_REFRESH_SECONDS)} s.</p>` : ''}
      ${header(story)} ${timeline(report.timeline)}
      ${
        report.historyAvailable
          ? ''
          : html`<p class="notice">
              The workflow history is not available (kept 90 days; the local stack forgets it on restart).
              Timeouts, decisions and waits are missing; SMS, receipts and the outcome come from the table.
            </p>`
      }
      ${
        report.lateReceipts.length > 0
          ? html`<h2>Late receipts</h2>
              <p>They arrived after the workflow moved on; they never change the outcome.</p>
              <ul>
                ${report.lateReceipts.map(
                  (r) =>
                    html`<li>
                      attempt ${String(r.attempt)} ·
                      ${r.reasonCode ? `${r.status} ${r.reasonCode}` : r.status} · received
                      <span class="mono">${r.receivedAt}</span>
                    </li>`,
                )}
              </ul>`
          : ''
      }
      ${attemptsTable(story)}
      <h2>What this means</h2>
      <ul class="guidance">
        ${verdict(report).map((g) => html`<li>${g.meaning}<span class="action">→ ${g.action}</span></li>`)}
      </ul>`,
  };
}
