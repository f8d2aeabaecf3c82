import { parseArgs } from 'node:util';
import { faultsHelp, parseFaults, type Faults } from './faults';
import { formatLogEntry } from './log-format';
import { FAST_TIME_DIVISOR } from './time-scale';
import { PORT_OFFSETS, startLocalStack, type StackDescription } from './stack';

/**
 * `npm start`: the local stack in the foreground. Prints every URL, then the logs of every function and
 * stand-in; Ctrl-C stops everything and removes the temporary files.
 */

const DEFAULT_PORT_BASE = 4600;

const HELP = `Usage: npm start -- [options]

Starts the whole system locally (no AWS account): SQS, DynamoDB, SES, SSM, Step Functions and
EventBridge stand-ins, the simulated Sinch, and the real Lambda handlers from serverless.yml.

Options:
  --fast              divide every modelled wait (Sinch latency and retries, receipt timeout,
                      resend backoff, SQS visibility timeout) by ${FAST_TIME_DIVISOR}
  --port-base <port>  first of the fixed ports (default ${DEFAULT_PORT_BASE}; 0 = any free ports)
  --chaos             simulated Sinch duplicates, reorders and drops reports and sees webhook 5xx
  --faults <list>     inject AWS-side faults, modelled on AWS's own errors (comma-separated, below)
  --seed <n>          seed of the chaos and the faults (the same seed replays the same draws)
  --failover          turn the secondary SMS provider on: an AWS End User Messaging SMS stand-in, failover, breaker
  --quiet             print only the stack's own lines, not every function log line
  --help              show this help

Faults (--faults <item>,<item>…; <share> is a decimal from 0 to 1, <seconds> a positive number of real
seconds; each injected fault is counted and printed as a "faults" line):
${faultsHelp()}
A function's reservedConcurrency in serverless.yml is always enforced: invocations beyond it are throttled.

Then, in another terminal: npm run demo`;

function banner(description: StackDescription): string {
  const { endpoints, functionUrls, resources } = description;
  const rows: [string, string][] = [
    ['Send API (Function URL, AWS_IAM)', functionUrls.send ?? '-'],
    ['Ingress (Function URL, Sinch webhook)', functionUrls.ingress ?? '-'],
    ['Mail view (emails sent by SES)', endpoints.mailView],
    ['Sinch simulator (OAuth + messages:send)', endpoints.sinch],
    ['SQS (fauxqs)', endpoints.sqs],
    ['DynamoDB (dynalite)', endpoints.dynamodb],
    ['SES (aws-ses-v2-local)', endpoints.ses],
    ['SSM stand-in', endpoints.ssm],
    ['Step Functions stand-in', endpoints.stepfunctions],
    ['EventBridge stand-in', endpoints.eventbridge],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    '',
    `receipt-driven-sms local stack (stage ${description.stage}${description.fast ? `, --fast: waits ÷${description.timeDivisor}` : ''})`,
    '',
    ...rows.map(([label, url]) => `  ${label.padEnd(width)}  ${url}`),
    '',
    `  State machine  ${resources.stateMachineArn}`,
    `  Table          ${resources.deliveriesTable ?? '-'}`,
    `  Receipts queue ${resources.receiptsQueueUrl ?? '-'}`,
    `  DLQ            ${resources.receiptsDlqUrl ?? '-'}`,
    '',
    `  Scenario numbers: ${description.scenarios.map((s) => `${s.number} ${s.scenario}`).join(', ')}`,
    ...(description.faults.length > 0 ? [`  Faults: ${description.faults.join(', ')}`] : []),
    '  Everything above is in .local/stack.json. Try `npm run demo` in another terminal; Ctrl-C stops.',
    '  Support console in the browser: `npx receipt-sms console --local --open` in another terminal.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      fast: { type: 'boolean', default: false },
      'port-base': { type: 'string' },
      chaos: { type: 'boolean', default: false },
      seed: { type: 'string' },
      faults: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      failover: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const portBase = Number(values['port-base'] ?? DEFAULT_PORT_BASE);
  if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65535 - PORT_OFFSETS.functionUrls - 10) {
    throw new Error(`--port-base must be a port number, got ${values['port-base']}`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new Error(`--seed must be a whole number, got ${values.seed}`);
  }
  const faults: Faults | undefined = values.faults === undefined ? undefined : parseFaults(values.faults);

  // A handler's stray promise rejection must not take the whole stack down (in Lambda it would end one
  // container); report it and keep running.
  process.on('unhandledRejection', (reason) => console.error('unhandled rejection:', reason));

  console.log('Starting the local stack (bundling the handlers takes a few seconds)…');
  const stack = await startLocalStack({
    fast: values.fast,
    portBase: portBase === 0 ? undefined : portBase,
    chaos: values.chaos,
    failover: values.failover,
    seed,
    faults,
    onLog: (entry) => {
      if (values.quiet && !['sinch', 'aws-sms', 'host', 'faults'].includes(entry.source)) return;
      const line = formatLogEntry(entry);
      if (line) console.log(line);
    },
  });
  console.log(banner(stack.description));

  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      console.log('Forced exit.');
      process.exit(1);
    }
    stopping = true;
    console.log('\nStopping…');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
