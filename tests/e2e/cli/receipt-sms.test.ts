import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { FailureClass } from '../../../lib/shared/errors';
import { maskPhone } from '../../../lib/shared/pii';
import { postDelivery } from '../../../local/send-api-client';
import { SCENARIOS, REASON_BY_CLASS, type Scenario } from '../../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { EXIT_CODES } from '../../../cli/exit-codes';
import { main } from '../../../cli/receipt-sms';
import type { DeliveryReport, TimelineEntry } from '../../../cli/timeline';
import { drainReceipts } from '../../support/delivery-invariants';
import { aCapturedIo } from '../../unit/cli/support/fake-cli';
import { RUN_HANG_MS, STACK_START_MS } from '../../support/patience';

/**
 * Support's view of every scenario, end to end: the local stack (`npm start --fast`, the real handlers and
 * the real ASL) runs one delivery per simulated-Sinch scenario through the send API; then `receipt-sms
 * --local` must tell each story correctly from the table and the execution history, with the recipient
 * masked and nothing of the message in clear.
 */

const TEXT = 'Your e2e code is 482913';
const FAILED_CLASS: Readonly<Record<string, FailureClass>> = {
  'failed-permanent': 'Permanent',
  'failed-transient': 'Transient',
  'failed-rate-limited': 'RateLimited',
  'failed-policy': 'Policy',
  'failed-config': 'Config',
  'failed-unknown': 'Unknown',
};

describe('receipt-sms against the local stack after every scenario', () => {
  let stack: LocalStack;
  let dir: string;
  let stackFile: string;
  const run = Date.now().toString(36);
  const deliveryIdOf = (scenario: Scenario) => `cli-${run}-${scenario.id}`;
  const emailOf = (scenario: Scenario) => `e2e+${scenario.id}@example.com`;
  const reports = new Map<string, DeliveryReport>();

  async function receiptSms(...argv: string[]) {
    const io = aCapturedIo({ now: new Date().toISOString() });
    const code = await main([...argv, '--local', '--stack-file', stackFile], io);
    return { code, out: io.out(), err: io.err() };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'receipt-sms-e2e-'));
    stackFile = join(dir, 'stack.json');
    stack = await startLocalStack({ fast: true, stackFile, root: process.cwd() });
  }, STACK_START_MS);

  beforeAll(async () => {
    const { description, clientConfig } = stack;
    const sendUrl = description.functionUrls.send!;
    const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
    for (const scenario of SCENARIOS) {
      const response = await postDelivery(
        sendUrl,
        {
          deliveryId: deliveryIdOf(scenario),
          to: scenario.number,
          text: TEXT,
          email: { to: emailOf(scenario), subject: 'Your code', text: TEXT },
          expiresAt,
        },
        clientConfig,
      );
      expect(response.status).toBe(202);
    }

    // Wait until every execution has ended: the CLI is asked about finished stories only.
    const sfn = new SFNClient({ ...clientConfig, endpoint: description.endpoints.stepfunctions });
    const deadline = Date.now() + RUN_HANG_MS - 10_000;
    try {
      for (const scenario of SCENARIOS) {
        const executionArn = `${description.resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${deliveryIdOf(scenario)}`;
        for (;;) {
          const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          if (status !== 'RUNNING') break;
          if (Date.now() > deadline) throw new Error(`${scenario.id} still RUNNING`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      sfn.destroy();
    }
    // A late report arrives after the workflow moved on: wait until Sinch has sent every report and the
    // receipts queue is empty, so each one has been recorded, however slow the machine is.
    await drainReceipts(stack, deadline - Date.now());

    for (const scenario of SCENARIOS) {
      const { code, out, err } = await receiptSms('inspect', deliveryIdOf(scenario), '--json');
      expect({ scenario: scenario.id, code, err }).toEqual({
        scenario: scenario.id,
        code: EXIT_CODES.ok,
        err: '',
      });
      reports.set(scenario.id, JSON.parse(out) as DeliveryReport);
    }
  }, RUN_HANG_MS);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const entries = <K extends TimelineEntry['kind']>(report: DeliveryReport, kind: K) =>
    report.timeline.filter((e): e is Extract<TimelineEntry, { kind: K }> => e.kind === kind);

  describe.each(SCENARIOS.map((s) => [s.id, s] as const))('scenario %s', (_id, scenario) => {
    it('shows the expected outcome, SMS sends and emails, masked', () => {
      // Prepare
      const report = reports.get(scenario.id)!;

      // Assess
      expect(report).toMatchObject({
        deliveryId: deliveryIdOf(scenario),
        recipient: maskPhone(scenario.number),
        outcome: scenario.expected.outcome,
        executionStatus: 'SUCCEEDED',
        historyAvailable: true,
        lateSmsDelivered: scenario.expected.lateSmsDelivered ?? false,
      });
      expect(report.timeToOutcomeMs).toBeGreaterThan(0);
      expect(entries(report, 'sms-sent').filter((e) => e.messageId !== undefined)).toHaveLength(
        scenario.expected.smsSends,
      );
      expect(entries(report, 'email-sent')).toHaveLength(scenario.expected.emails);
      expect(entries(report, 'outcome')).toEqual([
        expect.objectContaining({ outcome: scenario.expected.outcome }),
      ]);
    });

    it('never shows the number, the email address or the code in clear', () => {
      const json = JSON.stringify(reports.get(scenario.id));

      expect(json).not.toContain(scenario.number.slice(1));
      expect(json).not.toContain(emailOf(scenario));
      expect(json).not.toContain(TEXT);
    });
  });

  it.each(Object.entries(FAILED_CLASS))(
    'explains the reason code of %s with its class',
    (id, failureClass) => {
      const report = reports.get(id)!;

      const failed = entries(report, 'receipt').filter((r) => r.status === 'FAILED');

      expect(failed.length).toBeGreaterThan(0);
      for (const receipt of failed) {
        expect(receipt).toMatchObject({ reasonCode: REASON_BY_CLASS[failureClass].code, failureClass });
        expect(receipt.meaning).toEqual(expect.any(String));
      }
      expect(entries(report, 'decision').at(-1)).toMatchObject({ action: 'EMAIL' });
    },
  );

  it('shows a resend after a transient failure, with the wait before it', () => {
    const report = reports.get('fails-then-delivers')!;

    expect(entries(report, 'decision')).toEqual([expect.objectContaining({ action: 'RESEND' })]);
    expect(entries(report, 'wait')).toHaveLength(1);
    expect(entries(report, 'sms-sent').map((e) => e.resend)).toEqual([false, true]);
  });

  it('shows each receipt timeout of a delivery Sinch never reports on', () => {
    const report = reports.get('no-report')!;

    expect(entries(report, 'timeout')).toEqual([
      expect.objectContaining({ attempt: 1, afterSeconds: 60 }),
      expect.objectContaining({ attempt: 2, afterSeconds: 60 }),
      expect.objectContaining({ attempt: 3, afterSeconds: 60 }),
    ]);
    expect(entries(report, 'receipt').filter((r) => r.status === 'DELIVERED')).toEqual([]);
  });

  it('lists the late receipts of a delivery confirmed after the email went out', () => {
    const report = reports.get('late')!;

    expect(report.lateReceipts.length).toBeGreaterThan(0);
    expect(report.lateReceipts.every((r) => r.late)).toBe(true);
  });

  it('shows a send Sinch refused as a failed step, not as a receipt', () => {
    const report = reports.get('send-400')!;

    expect(entries(report, 'step-failed')).toEqual([
      expect.objectContaining({ state: 'SendSms', error: 'Sinch.Rejected' }),
    ]);
    expect(entries(report, 'receipt')).toEqual([]);
  });

  it('lists every scenario delivery, and finds one by its number', async () => {
    // Act
    const listed = await receiptSms('list', '--limit', '1000', '--json');
    const found = await receiptSms('find', '--phone', SCENARIOS[0]!.number, '--json');

    // Assess
    expect(listed.code).toBe(EXIT_CODES.ok);
    const ids = (JSON.parse(listed.out) as { deliveries: { deliveryId: string }[] }).deliveries.map(
      (d) => d.deliveryId,
    );
    expect(ids).toEqual(expect.arrayContaining(SCENARIOS.map(deliveryIdOf)));
    expect(found.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(found.out)).toMatchObject({
      recipient: maskPhone(SCENARIOS[0]!.number),
      deliveries: [{ deliveryId: deliveryIdOf(SCENARIOS[0]!) }],
    });
  });

  it('prints the masked human timeline of a permanent failure', async () => {
    // Act
    const { code, out } = await receiptSms(
      'inspect',
      deliveryIdOf(SCENARIOS.find((s) => s.id === 'failed-permanent')!),
    );

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(normalise(out, run)).toMatchSnapshot();
  });
});

const TIMELINE_ROW = /^ {2}\d{2}:\d{2}:\d{2}\.\d{3} {2}(\+\S+)(.*)$/;
const TIME_COLUMN = '  HH:MM:SS.mmm  '.length;

/**
 * Replaces what differs between runs (clock times, offsets, durations, ids, the run) so the snapshot
 * holds the layout, the words and the masking of the timeline. The offset column's width depends on the
 * longest offset, so rows and their detail lines are re-aligned to a fixed `<+offset>` column.
 */
function normalise(text: string, run: string): string {
  const lines = text.split('\n');
  const width = Math.max(...lines.map((line) => TIMELINE_ROW.exec(line)?.[1]?.length ?? 0));
  const placeholder = '<+offset>';
  return lines
    .map((line) => {
      const row = TIMELINE_ROW.exec(line);
      if (row) return `  <time>  ${placeholder}${row[2]!.slice(width - row[1]!.length)}`;
      // A detail line under a row: blank time and offset columns, then the detail's own indent.
      if (line.startsWith(' '.repeat(TIME_COLUMN + width + 2))) {
        return ' '.repeat('  <time>  '.length + placeholder.length + 2) + line.slice(TIME_COLUMN + width + 2);
      }
      return line;
    })
    .join('\n')
    .replaceAll(run, '<run>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<iso>')
    .replace(/\(UTC, \d{4}-\d{2}-\d{2}\)/, '(UTC, <date>)')
    .replace(/Sinch message [0-9A-Z]{26}/g, 'Sinch message <id>')
    .replace(/after [\dmsh. ]+?(\)|\n)/g, 'after <duration>$1')
    .replace(/\([\dmsh. ]+ after the request\)/g, '(<duration> after the request)')
    .replace(/valid for [\dmsh ]+\)/, 'valid for <duration>)');
}
