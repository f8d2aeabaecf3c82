import type { Outcome } from '../../../lib/table/delivery-model';
import { html, type SafeHtml } from '../html';

const SUCCESS: ReadonlySet<string> = new Set(['DELIVERED', 'DELIVERED_AFTER_RESEND']);

/** The CSS class the CLI's colours map to: good, bad, or warn for a delivery still in progress. */
export function outcomeTone(outcome: Outcome | 'IN_PROGRESS'): 'good' | 'bad' | 'warn' {
  if (outcome === 'IN_PROGRESS') return 'warn';
  return SUCCESS.has(outcome) ? 'good' : 'bad';
}

/** An outcome as the CLI prints it, with its tone. */
export function outcomeBadge(outcome: Outcome | 'IN_PROGRESS', suffix = ''): SafeHtml {
  return html`<span class="${outcomeTone(outcome)}">${outcome}</span>${suffix}`;
}

/** `2026-03-02 10:15:30`, as the CLI's tables show times. */
export function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').slice(0, 19);
}
