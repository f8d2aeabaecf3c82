import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packagedDirectory } from '../tests/support/packaged-template';
import { startAwsAnswers } from './aws-answers';
import { coldStartFixture, type ColdStartCase } from './cold-start-cases';
import { median, type BenchContext, type BenchRow } from './harness';
import { startSinchAnswers } from './sinch-answers';

/**
 * The cold start of every function of serverless.yml, as the bundle `sls package --stage ci` produces (the
 * packaged zip, shared with the tests through `tests/support/packaged-template.ts`): **load plus the first
 * invocation** in a fresh Node process with `--enable-source-maps`, as deployed, so that work moved from
 * load into the first call is no gain. Each function gets an event that takes its normal success path
 * (`cold-start-cases.ts`); the AWS calls it makes are answered on 127.0.0.1 by `aws-answers.ts`, and
 * sendSms's Sinch calls by `sinch-answers.ts`, both served by this process. A sample counts only if the
 * handler answered as that path answers and made exactly the calls it makes; anything else fails the bench.
 *
 * Also, as a secondary figure, the `require()` of the handler file alone (which evaluates the bundle and
 * builds the handler with its SDK clients): how much of the cold start is load. And, for the ingress, the
 * naive handler of `naive-ingress-handler.ts` bundled with the same settings and measured the same way,
 * right after it in every round, for the ratio. Which dependency dominates each bundle comes from an
 * esbuild metafile of the same entry point built with the settings of serverless.yml.
 *
 * Every sample is its own child process; rounds run every function once (the order rotating), so a busy
 * moment on the shared machine hits all of them alike. Medians of 11 rounds, 5 in a quick run.
 */
const BENCH = 'cold-start';
const GOAL_MS = 150;

/**
 * The environment serverless.yml gives the functions (every variable a config loader of
 * lib/shared/config.ts reads, with stand-in values), with the default stage's params: log level INFO, no
 * secondary SMS provider. Extra variables are harmless: each loader reads only its own.
 */
const FUNCTION_ENV: Readonly<Record<string, string>> = {
  STAGE: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  POWERTOOLS_SERVICE_NAME: 'receipt-driven-sms',
  POWERTOOLS_METRICS_NAMESPACE: 'ReceiptDrivenSms/bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/bench/sinch-webhook-secrets',
  WEBHOOK_MAX_AGE_SECONDS: '86400',
  WEBHOOK_MAX_FUTURE_SECONDS: '300',
  ORPHANS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-orphans',
  RECEIPTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
  RECEIPTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
  RECEIPTS_ORPHAN_AFTER_RECEIVES: '4',
  DELIVERIES_TABLE: 'receipt-driven-sms-bench-deliveries',
  DELIVERY_STATE_MACHINE_ARN:
    'arn:aws:states:us-east-1:123456789012:stateMachine:receipt-driven-sms-bench-delivery',
  RECIPIENT_HASH_KEY_PARAM: '/receipt-driven-sms/bench/recipient-hash-key',
  RETENTION_DAYS: '30',
  SINCH_PROJECT_ID: '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10',
  SINCH_APP_ID: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  SINCH_REGION: 'us',
  SINCH_SMS_SENDER: '',
  SINCH_CREDENTIALS_PARAM: '/receipt-driven-sms/bench/sinch-credentials',
  SECONDARY_SMS_PROVIDER: 'none',
  EMAIL_FROM: 'no-reply@example.com',
};

/**
 * What the Lambda runtime sets for a function, as far as the code reads it: Powertools takes the first
 * invocation for a cold start (and emits the `ColdStart` metric) only with `AWS_LAMBDA_INITIALIZATION_TYPE`
 * `on-demand`; the SDK and Powertools read the function's name, version and the trace header. Node 24, which
 * Lambda runs, has no "Node < 22" warning for the SDK to give.
 */
function lambdaEnv(key: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    TZ: ':UTC',
    AWS_DEFAULT_REGION: FUNCTION_ENV.AWS_REGION!,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_FUNCTION_NAME: key,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${key}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef',
    _X_AMZN_TRACE_ID: 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...FUNCTION_ENV,
  };
}

const LOAD_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'require(process.argv[1]);',
  'process.stdout.write(String(performance.now() - start));',
].join('\n');

/** Marks the line with the figure and the answer; the handler's own lines (logs, EMF) come before it. */
const RESULT_MARK = '@@cold-start ';

const FIRST_INVOCATION_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'const { handler } = require(process.argv[1]);',
  'const name = process.env.AWS_LAMBDA_FUNCTION_NAME;',
  'const context = { functionName: name, functionVersion: "$LATEST",',
  '  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`, memoryLimitInMB: "256",',
  '  awsRequestId: "cold", logGroupName: `/aws/lambda/${name}`, logStreamName: "cold",',
  '  getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: true };',
  'Promise.resolve(handler(JSON.parse(process.env.BENCH_EVENT), context)).then(',
  '  (response) => {',
  '    const ms = performance.now() - start;',
  `    process.stdout.write(${JSON.stringify(`\n${RESULT_MARK}`)} + JSON.stringify({ ms, response }) + '\\n');`,
  '    process.exit(0);',
  '  },',
  '  (error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(2); },',
  ');',
].join('\n');

interface Packaged {
  readonly key: string;
  /** `functions/send-sms.js` inside the zip. */
  readonly handlerFile: string;
  readonly file: string;
  readonly zipBytes: number;
}

function unpack(zip: string, into: string): Packaged {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zip, '-d', into]);
  const handlerFile = readdirSync(join(into, 'functions')).find((name) => name.endsWith('.js'));
  if (!handlerFile) throw new Error(`${zip} holds no functions/*.js`);
  return {
    key: zip.replace(/^.*\//, '').replace(/\.zip$/, ''),
    handlerFile: `functions/${handlerFile}`,
    file: join(into, 'functions', handlerFile),
    zipBytes: statSync(zip).size,
  };
}

const execFileAsync = promisify(execFile);
const NODE_FLAGS = ['--no-warnings', '--enable-source-maps'];

async function loadMs(key: string, file: string, cwd: string): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, [...NODE_FLAGS, '-e', LOAD_SCRIPT, file], {
    cwd,
    env: lambdaEnv(key),
    timeout: 60_000,
  });
  return Number(stdout);
}

/** One function under test: its bundle, the environment it runs with, and its case. */
interface Subject {
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
  readonly spec: ColdStartCase;
}

/** The end of what a child wrote, for an error message. */
const tails = ({ stdout, stderr }: { stdout: string; stderr: string }): string =>
  `\n--- stdout (end)\n${stdout.slice(-2000)}\n--- stderr (end)\n${stderr.slice(-4000)}`;

/** What a sample's calls were, sorted, so parallel calls (decideNext's two reads) compare in any order. */
const sorted = (calls: readonly string[]): string => [...calls].sort().join(', ');

/**
 * Load plus one invocation in a fresh process, checked: the answer must be the success path's and the
 * calls exactly the expected ones. Asynchronous, because the answers are served by this process.
 */
async function firstInvocationMs(subject: Subject, cwd: string, takeCalls: () => string[]): Promise<number> {
  const { key } = subject.spec;
  let output: { stdout: string; stderr: string };
  let calls: string[];
  try {
    output = await execFileAsync(
      process.execPath,
      [...NODE_FLAGS, '-e', FIRST_INVOCATION_SCRIPT, subject.file],
      {
        cwd,
        env: {
          ...lambdaEnv(key),
          ...subject.env,
          BENCH_EVENT: JSON.stringify(subject.spec.event),
        },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${key}: the first invocation failed (${String(error)})${tails({ stdout, stderr })}`);
  } finally {
    calls = takeCalls();
  }
  const line = output.stdout.split('\n').find((text) => text.startsWith(RESULT_MARK));
  if (!line) throw new Error(`${key}: no result line in its output${tails(output)}`);
  const { ms, response } = JSON.parse(line.slice(RESULT_MARK.length)) as { ms: number; response: unknown };
  const problem = subject.spec.check(response);
  if (problem) throw new Error(`${key}: not the success path: ${problem}${tails(output)}`);
  if (sorted(calls) !== sorted(subject.spec.calls)) {
    throw new Error(`${key}: made the calls ${sorted(calls)}, expected ${sorted(subject.spec.calls)}`);
  }
  return ms;
}

/** The naive handler, bundled as serverless.yml bundles the functions. */
async function bundleNaive(root: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'cold-start', 'naive-ingress', 'handler.js');
  await build({
    entryPoints: [join(root, 'bench', 'naive-ingress-entry.ts')],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    keepNames: true,
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    treeShaking: true,
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return outfile;
}

/** The package an input file belongs to, with the SDK's and Powertools' scopes each counted as one. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (!match) return 'this project';
  const name = match[1]!;
  if (name.startsWith('@aws-sdk/') || name.startsWith('@smithy/') || name.startsWith('@aws-crypto/'))
    return 'AWS SDK (@aws-sdk, @smithy, @aws-crypto)';
  if (name.startsWith('@aws-lambda-powertools/')) return '@aws-lambda-powertools/*';
  if (name.startsWith('@middy/')) return '@middy/*';
  return name;
}

/** Bytes in the minified output per package, largest first. */
async function composition(root: string, entry: string): Promise<[string, number][]> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    keepNames: true,
    treeShaking: true,
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()].sort((a, b) => b[1] - a[1]);
}

export default async function run(context: BenchContext): Promise<BenchRow[]> {
  const dir = await packagedDirectory('ci');
  const unpacked = readdirSync(dir)
    .filter((name) => name.endsWith('.zip'))
    .sort()
    .map((zip) => unpack(join(dir, zip), join(context.outDir, 'cold-start', zip.replace(/\.zip$/, ''))));
  const naiveFile = await bundleNaive(context.root, context.outDir);

  const fixture = coldStartFixture({
    WEBHOOK_SECRETS_PARAM: FUNCTION_ENV.WEBHOOK_SECRETS_PARAM!,
    RECIPIENT_HASH_KEY_PARAM: FUNCTION_ENV.RECIPIENT_HASH_KEY_PARAM!,
    SINCH_CREDENTIALS_PARAM: FUNCTION_ENV.SINCH_CREDENTIALS_PARAM!,
    DELIVERY_STATE_MACHINE_ARN: FUNCTION_ENV.DELIVERY_STATE_MACHINE_ARN!,
  });
  const packagedKeys = unpacked.map((fn) => fn.key).sort();
  const caseKeys = fixture.cases.map((spec) => spec.key).sort();
  if (packagedKeys.join() !== caseKeys.join()) {
    throw new Error(
      `The packaged functions (${packagedKeys.join(', ')}) and the cases (${caseKeys.join(', ')}) differ`,
    );
  }

  const aws = await startAwsAnswers({ parameters: fixture.parameters, items: fixture.items });
  const sinch = await startSinchAnswers();
  try {
    const answered = {
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SESSION_TOKEN: 'bench',
      AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_ENDPOINT_URL_SES: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
      AWS_ENDPOINT_URL_SQS: aws.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      SINCH_API_URL: sinch.endpoint,
      SINCH_AUTH_URL: sinch.endpoint,
    };
    // On a queue URL of its own host the naive client (useQueueUrlAsEndpoint) goes there: the stand-in.
    const webhookEnv = { ...answered, RECEIPTS_QUEUE_URL: `${aws.endpoint}/123456789012/receipts` };
    const subjects = fixture.cases.map((spec): Subject => ({
      file: unpacked.find((fn) => fn.key === spec.key)!.file,
      env: spec.key === 'ingress' ? webhookEnv : answered,
      spec,
    }));
    const naive: Subject = { file: naiveFile, env: webhookEnv, spec: fixture.naive };
    const takeCalls = () => [...aws.takeCalls(), ...sinch.takeCalls()];

    const runs = context.quick ? 5 : 11;
    const loads = new Map<string, number[]>(subjects.map(({ spec }) => [spec.key, []]));
    const firsts = new Map<string, number[]>([...subjects, naive].map(({ spec }) => [spec.key, []]));
    for (let round = 0; round < runs; round += 1) {
      // Interleaved, so a busy moment on the shared machine hits every function alike; the order rotates.
      for (let k = 0; k < subjects.length; k += 1) {
        const subject = subjects[(round + k) % subjects.length]!;
        const { key } = subject.spec;
        loads.get(key)!.push(await loadMs(key, subject.file, context.root));
        firsts.get(key)!.push(await firstInvocationMs(subject, context.root, takeCalls));
        // The naive handler right after the ingress, so each ratio is of two neighbouring samples.
        if (key === 'ingress')
          firsts.get('naive')!.push(await firstInvocationMs(naive, context.root, takeCalls));
      }
    }

    const rows: BenchRow[] = [];
    const firstRow = (key: string): BenchRow => ({
      bench: BENCH,
      case: `${key}: load + first invocation (--enable-source-maps), median of ${runs}`,
      value: median(firsts.get(key)!),
      unit: 'ms',
      goal: { max: GOAL_MS },
    });
    for (const { spec } of subjects) {
      rows.push(firstRow(spec.key));
      if (spec.key === 'ingress') rows.push(...naiveRows(firsts.get('ingress')!, firsts.get('naive')!, runs));
    }
    for (const { spec } of subjects) {
      const fn = unpacked.find((candidate) => candidate.key === spec.key)!;
      rows.push(...(await bundleRows(context, fn, loads.get(fn.key)!, runs)));
    }
    return rows;
  } finally {
    await Promise.all([aws.close(), sinch.close()]);
  }
}

/** The ingress against the naive handler: the pair and the median of the ratios within each round. */
function naiveRows(ours: readonly number[], theirs: readonly number[], runs: number): BenchRow[] {
  const ratios = ours.map((value, i) => value / theirs[i]!);
  return [
    {
      bench: BENCH,
      case: `naive handler, same bundling: load + first invocation, median of ${runs}`,
      value: median(theirs),
      unit: 'ms',
    },
    {
      bench: BENCH,
      case: 'ingress vs naive handler, load + first invocation (median of interleaved pairs)',
      value: median(ratios),
      unit: '×',
      goal: { max: 0.85 },
    },
  ];
}

/** The require-only figure (how much of the cold start is load) and the bundle's and zip's sizes. */
async function bundleRows(
  context: BenchContext,
  fn: Packaged,
  loads: readonly number[],
  runs: number,
): Promise<BenchRow[]> {
  const size = readFileSync(fn.file).length;
  const parts = await composition(context.root, fn.handlerFile.replace(/\.js$/, '.ts'));
  const total = parts.reduce((sum, [, bytes]) => sum + bytes, 0);
  const [first, second] = parts;
  const share = (part: [string, number] | undefined) =>
    part ? `${part[0]} ${Math.round((100 * part[1]) / total)}%` : '';
  return [
    {
      bench: BENCH,
      case: `${fn.key}: load only (require() in a fresh process, --enable-source-maps), median of ${runs}`,
      value: median(loads),
      unit: 'ms',
    },
    {
      bench: BENCH,
      case: `${fn.key}: bundle (minified; largest: ${share(first)}, then ${share(second)})`,
      value: size / 1024,
      unit: 'KiB',
    },
    {
      bench: BENCH,
      case: `${fn.key}: packaged zip (with source map)`,
      value: fn.zipBytes / 1024,
      unit: 'KiB',
    },
  ];
}
