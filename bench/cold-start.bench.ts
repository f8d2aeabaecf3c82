import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packagedDirectory } from '../tests/support/packaged-template';
import { median, type BenchContext, type BenchRow } from './harness';

/**
 * Issue 8, item 3: for every function of serverless.yml, the bundle `sls package --stage ci` produces (the
 * packaged zip, shared with the tests through `tests/support/packaged-template.ts`), and the time to load
 * it in a fresh Node process with `--enable-source-maps` as deployed: `require()` of the handler file,
 * which evaluates the bundle and builds the handler with its SDK clients, median of many, interleaved
 * across functions. Which dependency dominates each bundle comes from an esbuild metafile of the same
 * entry point built with the settings of serverless.yml.
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
