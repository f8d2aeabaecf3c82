import { SMS_PROVIDER_NAMES } from '../../lib/shared/sms-providers';
import { formatDuration } from '../duration';
import { verdict } from '../guidance';
import type { DeliveryReport, ReceiptView, TimelineEntry } from '../timeline';
import { columns, type Style } from './style';

/**
 * The human form of `inspect`: a header, the merged timeline with each step in plain words, late
 * receipts, and what support should conclude. All times are UTC, because support and engineering may be
 * in different time zones and the execution history is in UTC too.
 */

const SUCCESS_OUTCOMES = new Set(['DELIVERED', 'DELIVERED_AFTER_RESEND']);

/** Task errors other than `Sms.*` (which show as receipts), in plain words. */
const TASK_ERROR_WORDS: Readonly<Record<string, string>> = {
  'Sinch.Unavailable': 'Sinch could not take the request; retried automatically',
  'Sinch.Rejected': 'Sinch refused the send request',
  'Delivery.Expired': 'the code had expired, so nothing was sent',
  'Email.Unavailable': 'SES was unavailable; retried automatically',
  'Email.Rejected': 'SES refused the email',
  'States.TaskFailed': 'the step failed',
};

function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** `10:15:30.120`, with the date in front when it differs from the timeline's first day. */
export function clockTime(iso: string, day: string): string {
  const time = iso.slice(11, 23);
  return dateOf(iso) === day ? time : `${dateOf(iso)} ${time}`;
}

/** `+2m 14s`: how long after the timeline's first entry. */
export function offset(iso: string, startMs: number): string {
  const ms = Date.parse(iso) - startMs;
  return ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms)}`;
}

function outcomeText(report: DeliveryReport, style: Style): string {
  if (report.outcome === 'IN_PROGRESS') return style.warn('IN_PROGRESS');
  const painted = SUCCESS_OUTCOMES.has(report.outcome)
    ? style.good(report.outcome)
    : style.bad(report.outcome);
  return report.timeToOutcomeMs === null
    ? painted
    : `${painted} after ${formatDuration(report.timeToOutcomeMs)}`;
}

function receiptHeadline(receipt: ReceiptView, style: Style): string {
  const status =
    receipt.status === 'FAILED'
      ? style.bad(receipt.status)
      : receipt.status === 'DELIVERED' || receipt.status === 'READ'
        ? style.good(receipt.status)
        : receipt.status;
  const parts = [`Receipt ${status}`];
  if (receipt.reasonCode) parts.push(receipt.reasonCode);
  if (receipt.failureClass) parts.push(`class ${style.bold(receipt.failureClass)}`);
  const line = parts.join(' · ');
  return receipt.late ? `${line} ${style.warn('(late)')}` : line;
}

/** One timeline entry in plain words: the headline and, for receipts, what the reason code means. */
export function describeEntry(entry: TimelineEntry, style: Style): { headline: string; details?: string[] } {
  switch (entry.kind) {
    case 'requested':
      return {
        headline: `Delivery requested (code valid for ${formatDuration(Date.parse(entry.expiresAt) - Date.parse(entry.at))})`,
      };
    case 'started': {
      const policy = entry.policy;
      if (!policy) return { headline: 'Workflow started' };
      const backoff =
        policy.resendBackoffSeconds.length > 0
          ? `, resend after ${policy.resendBackoffSeconds.map((s) => `${s}s`).join('/')}`
          : '';
      return {
        headline: `Workflow started (up to ${policy.maxSmsAttempts} SMS, receipt timeout ${policy.receiptTimeoutSeconds}s${backoff})`,
      };
    }
    case 'sms-sent': {
      const through = entry.provider === 'sinch' ? '' : ` through ${SMS_PROVIDER_NAMES[entry.provider]}`;
      const what = `SMS attempt ${entry.attempt} sent${through}${entry.resend ? ' (resend)' : ''}`;
      const name = SMS_PROVIDER_NAMES[entry.provider];
      const id = entry.messageId
        ? `${name} message ${style.accent(entry.messageId)}`
        : `no ${name} message id`;
      return { headline: `${style.bold(what)} · ${id}` };
    }
    case 'receipt': {
      const details = [
        ...(entry.meaning ? [`    ${style.dim(entry.meaning)}`] : []),
        ...(entry.description
          ? [`    ${style.dim(`${SMS_PROVIDER_NAMES[entry.provider]}: ${entry.description}`)}`]
          : []),
      ];
      return { headline: `  ${receiptHeadline(entry, style)}`, ...(details.length > 0 ? { details } : {}) };
    }
    case 'timeout':
      return {
        headline: style.warn(
          entry.attempt === undefined
            ? 'A workflow step timed out'
            : `No final receipt for attempt ${entry.attempt}${entry.afterSeconds === undefined ? '' : ` within ${entry.afterSeconds}s`} (timeout)`,
        ),
      };
    case 'step-failed': {
      const words = TASK_ERROR_WORDS[entry.error];
      return {
        headline: style.bad(`${entry.state} failed: ${entry.error}${words ? ` (${words})` : ''}`),
        ...(entry.detail ? { details: [`    ${style.dim(entry.detail)}`] } : {}),
      };
    }
    case 'decision': {
      const wait = entry.waitSeconds ? ` in ${entry.waitSeconds}s` : '';
      return {
        headline: `Decision: ${style.bold(entry.action)}${wait}${entry.reason ? ` · ${entry.reason}` : ''}`,
      };
    }
    case 'wait':
      return {
        headline:
          entry.seconds === undefined
            ? 'Waiting before resending'
            : `Waiting ${entry.seconds}s before resending`,
      };
    case 'email-sent':
      return { headline: style.bold(`Email sent${entry.to ? ` to ${entry.to}` : ''}`) };
    case 'outcome': {
      const painted = SUCCESS_OUTCOMES.has(entry.outcome)
        ? style.good(entry.outcome)
        : style.bad(entry.outcome);
      return {
        headline: `Outcome ${painted}${entry.afterMs === undefined ? '' : ` (${formatDuration(entry.afterMs)} after the request)`}`,
      };
    }
    case 'execution-ended': {
      const status = entry.status === 'SUCCEEDED' ? entry.status : style.bad(entry.status);
      const error = entry.error ? `: ${entry.error}` : '';
      return {
        headline: `Workflow ended ${status}${error}`,
        ...(entry.detail ? { details: [`    ${style.dim(entry.detail)}`] } : {}),
      };
    }
  }
}

/** Renders an `inspect` report for a terminal or a ticket, with the execution's AWS console page if known. */
export function renderDeliveryReport(
  report: DeliveryReport,
  style: Style,
  links: { readonly executionConsoleUrl?: string } = {},
): string {
  const lines: string[] = [];
  const header: string[][] = [
    [style.dim('Delivery'), style.bold(report.deliveryId)],
    [style.dim('Outcome'), outcomeText(report, style)],
    [
      style.dim('Recipient'),
      report.email
        ? `${report.recipient} · email ${report.email}`
        : `${report.recipient} · no email fallback`,
    ],
    [style.dim('Created'), `${report.createdAt} · code valid until ${report.expiresAt}`],
    [
      style.dim('Execution'),
      report.executionArn
        ? `${report.executionArn}${report.executionStatus ? ` (${report.executionStatus})` : ''}`
        : 'not recorded',
    ],
    ...(links.executionConsoleUrl ? [[style.dim('Console'), links.executionConsoleUrl]] : []),
  ];
  lines.push(columns(header), '');

  const first = report.timeline[0];
  if (first) {
    const day = dateOf(first.at);
    const startMs = Date.parse(first.at);
    lines.push(style.bold(`Timeline (UTC, ${day})`));
    const rows: string[][] = [];
    for (const entry of report.timeline) {
      const { headline, details = [] } = describeEntry(entry, style);
      rows.push([`  ${clockTime(entry.at, day)}`, style.dim(offset(entry.at, startMs)), headline]);
      for (const detail of details) rows.push(['', '', detail]);
    }
    lines.push(columns(rows));
  }
  if (!report.historyAvailable) {
    lines.push(
      '',
      style.warn(
        'The workflow history is not available (kept 90 days; the local stack forgets it on restart).',
      ),
      style.warn(
        'Timeouts, decisions and waits are missing; SMS, receipts and the outcome come from the table.',
      ),
    );
  }

  if (report.lateReceipts.length > 0) {
    lines.push(
      '',
      style.bold('Late receipts') +
        style.dim(' (arrived after the workflow moved on; they never change the outcome)'),
    );
    lines.push(
      columns(
        report.lateReceipts.map((r) => [
          `  attempt ${r.attempt}`,
          r.reasonCode ? `${r.status} ${r.reasonCode}` : r.status,
          `received ${r.receivedAt}`,
        ]),
      ),
    );
  }

  lines.push('', style.bold('What this means'));
  for (const guidance of verdict(report)) {
    lines.push(`  ${guidance.meaning}`, `  ${style.accent('→')} ${guidance.action}`);
  }
  return `${lines.join('\n')}\n`;
}
