import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { signWebhook } from '../lib/ingress/webhook-signature';
import { packagedDirectory } from '../tests/support/packaged-template';
import { startAwsAnswers } from './aws-answers';
import { median, type BenchContext, type BenchRow } from './harness';

/**
 * For every function of serverless.yml, the bundle `sls package --stage ci` produces (the packaged zip,
 * shared with the tests through `tests/support/packaged-template.ts`), and the time to load it in a fresh
 * Node process with `--enable-source-maps` as deployed: `require()` of the handler file, which evaluates
 * the bundle and builds the handler with its SDK clients, median of many, interleaved across functions.
 * Which dependency dominates each bundle comes from an esbuild metafile of the same entry point built with
 * the settings of serverless.yml.
 *
 * For the ingress, also load plus the first invocation (a signed delivery report, SSM and SQS answered by
 * `aws-answers.ts` on 127.0.0.1), against the naive handler of `naive-ingress-handler.ts` bundled with the
 * same settings and measured the same way, interleaved: work moved from load into the first call is no
 * gain there.
 */
const BENCH = 'cold-start';
const GOAL_MS = 150;

/** Every variable a config loader of lib/shared/config.ts requires, with stand-in values. */
const FUNCTION_ENV: Readonly<Record<string, string>> = {
  STAGE: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  POWERTOOLS_SERVICE_NAME: 'receipt-driven-sms',
  POWERTOOLS_METRICS_NAMESPACE: 'ReceiptDrivenSms',
  WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/bench/sinch-webhook-secrets',
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
  EMAIL_FROM: 'no-reply@example.com',
};

const LOAD_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'require(process.argv[1]);',
  'process.stdout.write(String(performance.now() - start));',
].join('\n');

const FIRST_INVOCATION_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'const { handler } = require(process.argv[1]);',
  'const context = { functionName: "ingress", functionVersion: "$LATEST", invokedFunctionArn:',
  '  "arn:aws:lambda:us-east-1:123456789012:function:ingress", memoryLimitInMB: "256",',
  '  awsRequestId: "cold", logGroupName: "/aws/lambda/ingress", logStreamName: "cold",',
  '  getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: true };',
  'Promise.resolve(handler(JSON.parse(process.env.BENCH_EVENT), context)).then((response) => {',
  '  const elapsed = performance.now() - start;',
  '  if (response.statusCode !== 200) { process.stderr.write(JSON.stringify(response)); process.exit(2); }',
  '  process.stdout.write(String(elapsed));',
  '  process.exit(0);',
  '});',
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

function loadMs(file: string, cwd: string): number {
  const out = execFileSync(
    process.execPath,
    ['--no-warnings', '--enable-source-maps', '-e', LOAD_SCRIPT, file],
    { cwd, env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV } },
  );
  return Number(out.toString());
}

/**
 * Load plus one invocation in a fresh process. Asynchronous, because the AWS answers are served by this
 * process. The handler's own lines (log, EMF) come first on stdout; the figure is the last thing written.
 */
async function firstInvocationMs(file: string, cwd: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--no-warnings', '--enable-source-maps', '-e', FIRST_INVOCATION_SCRIPT, file],
    { cwd, env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, ...env } },
  );
  return Number(/([\d.]+)$/.exec(stdout)?.[1] ?? NaN);
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

  const runs = context.quick ? 5 : 11;
  const samples = new Map<string, number[]>(unpacked.map((fn) => [fn.key, []]));
  for (let i = 0; i < runs; i += 1) {
    // Interleaved, so a busy moment on the shared machine hits every function alike.
    for (const fn of unpacked) samples.get(fn.key)!.push(loadMs(fn.file, context.root));
  }

  const rows: BenchRow[] = [];
  rows.push(...(await ingressAgainstNaive(context, unpacked, runs)));
  for (const fn of unpacked) {
    const size = readFileSync(fn.file).length;
    const parts = await composition(context.root, fn.handlerFile.replace(/\.js$/, '.ts'));
    const total = parts.reduce((sum, [, bytes]) => sum + bytes, 0);
    const [first, second] = parts;
    const share = (part: [string, number] | undefined) =>
      part ? `${part[0]} ${Math.round((100 * part[1]) / total)}%` : '';
    rows.push(
      {
        bench: BENCH,
        case: `${fn.key}: load in a fresh process (--enable-source-maps), median of ${runs}`,
        value: median(samples.get(fn.key)!),
        unit: 'ms',
        goal: { max: GOAL_MS },
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
    );
  }
  return rows;
}

/** Load plus the first invocation: the ingress as packaged, and the naive handler, interleaved. */
async function ingressAgainstNaive(
  context: BenchContext,
  unpacked: readonly Packaged[],
  runs: number,
): Promise<BenchRow[]> {
  const ingress = unpacked.find((fn) => fn.key === 'ingress');
  if (!ingress) throw new Error('the packaged functions have no ingress');
  const naive = await bundleNaive(context.root, context.outDir);
  const secret = 'bench-webhook-secret-0123456789abcdef';
  const aws = await startAwsAnswers({ parameters: { [FUNCTION_ENV.WEBHOOK_SECRETS_PARAM!]: secret } });
  try {
    const body = JSON.stringify({
      app_id: FUNCTION_ENV.SINCH_APP_ID,
      accepted_time: new Date().toISOString(),
      event_time: new Date().toISOString(),
      project_id: FUNCTION_ENV.SINCH_PROJECT_ID,
      message_delivery_report: {
        message_id: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
        status: 'DELIVERED',
        channel_identity: { channel: 'SMS', identity: '46701234567', app_id: '' },
        metadata: 'd-01JBENCH#1',
        processing_mode: 'DISPATCH',
      },
    });
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', ...signWebhook(body, secret) },
      requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10' } },
      isBase64Encoded: false,
      body,
    };
    const env = {
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SQS: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_LAMBDA_FUNCTION_NAME: 'ingress',
      // On a queue URL of its own host the naive client (useQueueUrlAsEndpoint) goes there: the stand-in.
      RECEIPTS_QUEUE_URL: `${aws.endpoint}/123456789012/receipts`,
      BENCH_EVENT: JSON.stringify(event),
    };
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      ours.push(await firstInvocationMs(ingress.file, context.root, env));
      theirs.push(await firstInvocationMs(naive, context.root, env));
    }
    const ratios = ours.map((value, i) => value / theirs[i]!);
    return [
      {
        bench: BENCH,
        case: `ingress: load + first invocation (--enable-source-maps), median of ${runs}`,
        value: median(ours),
        unit: 'ms',
        goal: { max: GOAL_MS },
      },
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
  } finally {
    await aws.close();
  }
}
