import { html, type SafeHtml } from '../html';

/** What every page knows about where it runs. */
export interface PageChrome {
  /** `/t/<token>`: every link starts with it, so the token is on every request. */
  readonly base: string;
  /** `stage prod (eu-west-1)` or `the local stack`. */
  readonly targetLabel: string;
}

export type Section = 'search' | 'deliveries' | 'dlq';

export interface Page {
  readonly title: string;
  readonly section?: Section;
  readonly body: SafeHtml;
  /** Reload after this many seconds (a delivery still in progress); a meta refresh, no script. */
  readonly refreshSeconds?: number;
}

const SECTIONS: readonly { readonly id: Section; readonly path: string; readonly label: string }[] = [
  { id: 'search', path: '/', label: 'Search' },
  { id: 'deliveries', path: '/deliveries', label: 'Recent deliveries' },
  { id: 'dlq', path: '/dlq', label: 'Parked receipts' },
];

/** A link inside the console: the base, then `path` (already URL-encoded by the caller). */
export function href(chrome: PageChrome, path: string): string {
  return `${chrome.base}${path === '/' ? '/' : path}`;
}

/** The whole document: header with the target and navigation, the page, a footer on masking. */
export function layout(chrome: PageChrome, page: Page): SafeHtml {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <meta name="referrer" content="no-referrer" />
      ${page.refreshSeconds ? html`<meta http-equiv="refresh" content="${page.refreshSeconds}" />` : ''}
      <title>${page.title} · receipt-sms console</title>
      <link rel="stylesheet" href="${href(chrome, '/console.css')}" />
      <link rel="icon" href="${href(chrome, '/favicon.svg')}" type="image/svg+xml" />
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <p><strong>receipt-sms console</strong> · ${chrome.targetLabel} · read-only</p>
        <nav aria-label="Console">
          <ul>
            ${SECTIONS.map(
              (s) =>
                html`<li>
                  <a href="${href(chrome, s.path)}" ${page.section === s.id ? html` aria-current="page"` : ''}
                    >${s.label}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
      </header>
      <main id="main">${page.body}</main>
      <footer>
        <p>
          Phone numbers and email addresses are shown masked; message text is never read. Times are UTC. Keep
          full numbers out of tickets and chat.
        </p>
      </footer>
    </body>
  </html>`;
}
