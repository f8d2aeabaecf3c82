import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { finishedLine, waitingLine, worstCaseSeconds } from './demo-progress';
import { readDeliverySummary, type DeliverySummary } from './delivery-summary';
import { postDelivery } from './send-api-client';
import { findProjectRoot } from './serverless-manifest';
import type { StackDescription } from './stack';

/**
 * `npm run demo`: one delivery per scenario number through the running local stack's send API, then a
 * table of what happened to each. Attaches through `.local/stack.json`, so `npm start` must be running.
 */

const HELP = `Usage: npm run demo -- [options]

Sends one delivery per scenario number through the send API of the running local stack
(start it first with \`npm start\`, ideally \`npm start -- --fast\`) and prints what happened.

Options:
  --scenario <id>   only this scenario (e.g. delivered, no-report, failed-permanent)
  --timeout <s>     give up waiting after this many seconds (default: 60 with --fast, 600 without)
  --help            show this help`;

interface Row {
  readonly scenario: string;
  readonly deliveryId: string;
  readonly expected: string;
  readonly expectedOutcome: string;
  summary?: DeliverySummary;
  status?: string;
  error?: string;
}

function readStack(): StackDescription {
  const file = join(findProjectRoot(process.cwd()), '.local', 'stack.json');
  if (!existsSync(file))
    throw new Error('No local stack is running (.local/stack.json is missing). Start it with: npm start');
  return JSON.parse(readFileSync(file, 'utf8')) as StackDescription;
}

function seconds(from?: string, to?: string): string {
  if (!from || !to) return '-';
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

function table(rows: readonly Row[]): string {
  const header = ['scenario', 'deliveryId', 'outcome', 'expected', 'SMS sent', 'emails', 'time to outcome'];
  const lines = rows.map((row) => [
    row.scenario,
    row.deliveryId,
    row.error ?? row.summary?.outcome ?? row.status ?? 'RUNNING',
    row.expected,
    String(row.summary?.smsAccepted ?? '-'),
    String(row.summary?.emailAttempts ?? '-'),
    seconds(row.summary?.createdAt, row.summary?.outcomeAt) +
      (row.summary?.lateSmsDelivered ? ' (late SMS receipt recorded)' : ''),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const stack = readStack();
  const sendUrl = stack.functionUrls.send;
  const table_ = stack.resources.deliveriesTable;
  if (!sendUrl || !table_) throw new Error('The running stack has no send API or deliveries table.');
  const scenarios = stack.scenarios.filter((s) => !values.scenario || s.scenario === values.scenario);
  if (scenarios.length === 0) throw new Error(`No scenario named ${values.scenario}`);
  const timeoutSeconds = Number(values.timeout ?? (stack.fast ? 60 : 600));

  const credentials = {
    accessKeyId: stack.awsEnvironment.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: stack.awsEnvironment.AWS_SECRET_ACCESS_KEY ?? 'local',
  };
  const clientConfig = { region: stack.region, credentials };
  const sfn = new SFNClient({ ...clientConfig, endpoint: stack.endpoints.stepfunctions });
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...clientConfig, endpoint: stack.endpoints.dynamodb }),
  );

  const run = Date.now().toString(36);
  const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
  const divisor = stack.timeDivisor ?? 1;
  console.log(`Sending ${scenarios.length} deliveries to ${sendUrl} …`);
  console.log(
    `The slowest scenarios wait out every receipt window: about ${Math.ceil(worstCaseSeconds() / divisor)} s` +
      (stack.fast ? ' (--fast).' : ' (start the stack with --fast for about 11 s).'),
  );
  const started = Date.now();
  const rows: Row[] = await Promise.all(
    scenarios.map(async (scenario): Promise<Row> => {
      const deliveryId = `demo-${run}-${scenario.scenario}`;
      const row: Row = {
        scenario: scenario.scenario,
        deliveryId,
        expected: `${scenario.expected.outcome} (${scenario.expected.smsSends} SMS, ${scenario.expected.emails} email)`,
        expectedOutcome: scenario.expected.outcome,
      };
      const response = await postDelivery(
        sendUrl,
        {
          deliveryId,
          to: scenario.number,
          text: 'Your receipt-driven-sms demo code is 123456',
          email: {
            to: `demo+${scenario.scenario}@example.com`,
            subject: 'Your demo code',
            text: 'Your receipt-driven-sms demo code is 123456',
          },
          expiresAt,
        },
        { region: stack.region, credentials },
      );
      if (response.status !== 202 && response.status !== 200) row.error = `HTTP ${response.status}`;
      return row;
    }),
  );

  const deadline = Date.now() + timeoutSeconds * 1000;
  const executionArn = (deliveryId: string): string =>
    stack.resources.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${deliveryId}`;
  let lastWaitingLine = 0;
  for (;;) {
    await Promise.all(
      rows
        .filter((row) => !row.error && (row.status === undefined || row.status === 'RUNNING'))
        .map(async (row) => {
          const execution = await sfn.send(
            new DescribeExecutionCommand({ executionArn: executionArn(row.deliveryId) }),
          );
          row.status = execution.status;
          row.summary = await readDeliverySummary(documents, table_, row.deliveryId);
          if (row.status === 'RUNNING') return;
          const { summary } = row;
          console.log(
            finishedLine({
              scenario: row.scenario,
              outcome: summary.outcome ?? row.status ?? 'UNKNOWN',
              expectedOutcome: row.expectedOutcome,
              smsSent: summary.smsAccepted,
              emails: summary.emailAttempts,
              seconds:
                summary.createdAt && summary.outcomeAt
                  ? (Date.parse(summary.outcomeAt) - Date.parse(summary.createdAt)) / 1000
                  : undefined,
            }),
          );
        }),
    );
    const running = rows.filter((row) => !row.error && row.status === 'RUNNING');
    if (running.length === 0 || Date.now() > deadline) break;
    // What is left, every few seconds: enough to see it move without flooding the terminal.
    if (Date.now() - lastWaitingLine >= 5000) {
      lastWaitingLine = Date.now();
      console.log(
        waitingLine(running, { elapsedSeconds: (Date.now() - started) / 1000, timeDivisor: divisor }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log('\n');
  console.log(table(rows));
  console.log(`\nFallback emails: ${stack.endpoints.mailView}`);
  console.log('Timeline of one delivery: npx receipt-sms inspect <deliveryId> --local');
  sfn.destroy();
  documents.destroy();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
