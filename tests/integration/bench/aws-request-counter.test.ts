import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countAwsRequests, type AwsRequestCounter } from '../../../bench/aws-request-counter';
import { bundleFunctions, type HandlerBundle } from '../../../local/lambda-bundler';
import { createFunctionRuntime, sandboxScript, type FunctionRuntime } from '../../../local/lambda-runtime';
import type { FunctionDefinition, ServerlessManifest } from '../../../local/serverless-manifest';
import { CONDITION_HANG_MS, eventually } from '../../support/patience';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'local');

describe('AWS request counter', () => {
  let outdir: string;
  let bundle: HandlerBundle;
  let server: Server;
  let endpoint: string;
  let runtime: FunctionRuntime | undefined;
  let counter: AwsRequestCounter | undefined;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'aws-request-counter-'));
    const manifest = { root: FIXTURES, esbuild: {} } as unknown as ServerlessManifest;
    const probe = { key: 'probe', name: 'fixture-probe', handler: 'functions/probe.handler' };
    bundle = (await bundleFunctions(manifest, [probe as unknown as FunctionDefinition], outdir)).probe!;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);

  afterEach(async () => {
    counter?.stop();
    await runtime?.close();
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(outdir, { recursive: true, force: true });
  });

  it(
    "counts the requests a function makes in its sandbox thread, by the stand-in's service and operation",
    async () => {
      // Prepare: the counter watches before the sandbox exists, so the sandbox has to ask to be watched.
      counter = countAwsRequests({ dynamodb: endpoint });
      runtime = createFunctionRuntime({
        key: 'probe',
        name: 'fixture-probe',
        bundle,
        sandbox: sandboxScript(ROOT),
        environment: {},
        timeoutSeconds: 5,
        memorySize: 128,
        region: 'us-east-1',
        accountId: '000000000000',
        logSink: () => undefined,
      });
      const request = (target: string) => runtime!.invoke({ action: 'request', url: endpoint, target });

      // Act
      const results = [
        await request('DynamoDB_20120810.GetItem'),
        await request('DynamoDB_20120810.GetItem'),
        await request('DynamoDB_20120810.UpdateItem'),
      ];
      await eventually(() => counter!.total('dynamodb') === 3, 'three requests counted');

      // Assess
      expect(results.every((result) => result.ok)).toBe(true);
      expect(counter.counts()).toEqual({ dynamodb: { GetItem: 2, UpdateItem: 1 } });
    },
    CONDITION_HANG_MS + 10_000,
  );
});
