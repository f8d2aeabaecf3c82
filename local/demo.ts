import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  console.log(`Sending ${scenarios.length} deliveries to ${sendUrl} …`);
  const rows: Row[] = await Promise.all(
    scenarios.map(async (scenario): Promise<Row> => {
      const deliveryId = `demo-${run}-${scenario.scenario}`;
      const row: Row = {
        scenario: scenario.scenario,
        deliveryId,
        expected: `${scenario.expected.outcome} (${scenario.expected.smsSends} SMS, ${scenario.expected.emails} email)`,
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
  for (;;) {
    await Promise.all(
      rows
        .filter((row) => !row.error && (row.status === undefined || row.status === 'RUNNING'))
        .map(async (row) => {
          const execution = await sfn.send(
            new DescribeExecutionCommand({ executionArn: executionArn(row.deliveryId) }),
          );
          row.status = execution.status;
          if (row.status !== 'RUNNING')
            row.summary = await readDeliverySummary(documents, table_, row.deliveryId);
        }),
    );
    const running = rows.filter((row) => !row.error && row.status === 'RUNNING').length;
    if (running === 0 || Date.now() > deadline) break;
    if (process.stdout.isTTY)
      process.stdout.write(`\r${rows.length - running}/${rows.length} deliveries have an outcome …`);
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
