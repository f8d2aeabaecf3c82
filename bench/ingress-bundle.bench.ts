import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { median, type BenchContext, type BenchRow } from './harness';

/**
 * Decision record 0002 in numbers: the ingress bundle with the AWS SDK bundled (tree-shaken, minified)
 * versus `exclude: ['@aws-sdk/*']` (the SDK required at run time, as from the Lambda runtime's copy), with
 * the esbuild settings of serverless.yml. For each: bundle size, and the time to `require` it (which
 * also builds the handler and its SDK clients) in a fresh Node process, median of many.
 */
const BENCH = 'ingress-bundle';

interface Variant {
  readonly name: string;
  readonly external: string[];
  /** Node flags of the measuring process; serverless.yml deploys with `--enable-source-maps`. */
  readonly nodeOptions: string[];
}

const VARIANTS: readonly Variant[] = [
  { name: 'AWS SDK bundled', external: [], nodeOptions: [] },
  {
    name: 'AWS SDK bundled, --enable-source-maps (as deployed)',
    external: [],
    nodeOptions: ['--enable-source-maps'],
  },
  { name: 'AWS SDK from the runtime', external: ['@aws-sdk/*'], nodeOptions: [] },
  {
    name: 'AWS SDK from the runtime, --enable-source-maps',
    external: ['@aws-sdk/*'],
    nodeOptions: ['--enable-source-maps'],
  },
];

const LOAD_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'require(process.argv[1]);',
  'process.stdout.write(String(performance.now() - start));',
].join('\n');

async function bundle(root: string, outDir: string, variant: Variant): Promise<string> {
  // Inside the repository, so a runtime `require('@aws-sdk/…')` resolves from node_modules as it would
  // from /var/runtime/node_modules on Lambda.
  const dir = join(outDir, 'ingress-bundle', variant.external.length ? 'sdk-external' : 'sdk-bundled');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'ingress.js');
  await build({
    entryPoints: [join(root, 'functions', 'ingress.ts')],
    bundle: true,
    minify: true,
    keepNames: true,
    treeShaking: true,
    sourcemap: 'linked',
    sourcesContent: false,
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: variant.external,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

function loadMs(file: string, root: string, nodeOptions: string[]): number {
  const env = {
    ...process.env,
    STAGE: 'bench',
    AWS_REGION: 'us-east-1',
    WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/bench/sinch-webhook-secrets',
    RECEIPTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
    RECEIPTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
  };
  const out = execFileSync(process.execPath, ['--no-warnings', ...nodeOptions, '-e', LOAD_SCRIPT, file], {
    cwd: root,
    env,
  });
  return Number(out.toString());
}

export default async function run(context: BenchContext): Promise<BenchRow[]> {
  // One build per bundle; the source-map variants load the same files.
  const builds = new Map<string, string>();
  for (const variant of VARIANTS) {
    const key = variant.external.join(',');
    if (!builds.has(key)) builds.set(key, await bundle(context.root, context.outDir, variant));
  }
  const fileOf = (variant: Variant) => builds.get(variant.external.join(','))!;

  const samples: number[][] = VARIANTS.map(() => []);
  const runs = context.quick ? 5 : 21;
  for (let i = 0; i < runs; i += 1) {
    // Interleaved, so a busy moment on the machine hits every variant alike.
    VARIANTS.forEach((variant, v) =>
      samples[v]!.push(loadMs(fileOf(variant), context.root, variant.nodeOptions)),
    );
  }

  const sizes = [...builds.entries()].flatMap(([external, file]): BenchRow[] => {
    const code = readFileSync(file);
    const name = external ? 'AWS SDK from the runtime' : 'AWS SDK bundled';
    return [
      { bench: BENCH, case: `${name}: bundle size (minified)`, value: code.length / 1024, unit: 'KiB' },
      { bench: BENCH, case: `${name}: bundle size (gzip)`, value: gzipSync(code).length / 1024, unit: 'KiB' },
    ];
  });
  const loads = VARIANTS.map((variant, v): BenchRow => ({
    bench: BENCH,
    case: `${variant.name}: require() in a fresh process, median of ${runs}`,
    value: median(samples[v]!),
    unit: 'ms',
  }));
  return [...sizes, ...loads];
}
