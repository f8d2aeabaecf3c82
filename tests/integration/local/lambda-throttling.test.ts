import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFaultInjector } from '../../../local/fault-injector';
import type { Faults } from '../../../local/faults';
import { bundleFunctions, type HandlerBundle } from '../../../local/lambda-bundler';
import { startLambdaHost, type LambdaHost } from '../../../local/lambda-host';
import { createFunctionRuntime, sandboxScript, type FunctionRuntime } from '../../../local/lambda-runtime';
import type { FunctionDefinition, ServerlessManifest } from '../../../local/serverless-manifest';
import { createWorkflowEngine } from '../../../local/workflow-engine';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'local');

function definition(overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    key: 'probe',
    name: 'fixture-probe',
    handler: 'functions/probe.handler',
    timeoutSeconds: 5,
    memorySize: 128,
    environment: {},
    sqsEvents: [],
    ...overrides,
  };
}

describe('Lambda throttling in the local host', () => {
  let outdir: string;
  let bundles: Record<string, HandlerBundle>;
  const runtimes: FunctionRuntime[] = [];
  const hosts: LambdaHost[] = [];

  const runtime = (reservedConcurrency?: number): FunctionRuntime => {
    const created = createFunctionRuntime({
      key: 'probe',
      name: 'fixture-probe',
      bundle: bundles.probe!,
      sandbox: sandboxScript(ROOT),
      environment: {},
      timeoutSeconds: 5,
      memorySize: 128,
      region: 'us-east-1',
      accountId: '000000000000',
      logSink: () => undefined,
      reservedConcurrency,
    });
    runtimes.push(created);
    return created;
  };

  const host = async (
    faults: Faults,
    fn: Partial<FunctionDefinition> = {},
    now?: () => number,
  ): Promise<{ host: LambdaHost; injector: ReturnType<typeof createFaultInjector>; logs: string[] }> => {
    const logs: string[] = [];
    const injector = createFaultInjector({ faults, now });
    const started = await startLambdaHost({
      functions: [definition({ url: { authType: 'NONE' }, ...fn })],
      bundles,
      root: ROOT,
      environment: { probe: {} },
      region: 'us-east-1',
      accountId: '000000000000',
      logSink: (source, line) => logs.push(`${source}|${line}`),
      maxConcurrency: 1,
      faults: injector,
      outageUrls: ['probe'],
    });
    hosts.push(started);
    return { host: started, injector, logs };
  };

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'lambda-throttling-'));
    const manifest = { root: FIXTURES, esbuild: {} } as unknown as ServerlessManifest;
    bundles = await bundleFunctions(manifest, [definition()], outdir);
  }, 30_000);

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  describe('reservedConcurrency, always enforced', () => {
    it('throttles an invocation beyond the reserved concurrency instead of queueing it', async () => {
      // Prepare
      const probe = runtime(1);

      // Act
      const [first, second] = await Promise.all([
        probe.invoke({ action: 'sleep', ms: 100 }),
        probe.invoke({ action: 'sleep', ms: 100 }),
      ]);
      const later = await probe.invoke({});

      // Assess
      expect(first).toMatchObject({ ok: true });
      expect(second).toMatchObject({
        ok: false,
        throttled: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
      });
      expect(later.ok).toBe(true);
    });

    it('runs as many invocations at once as reserved, each in its own container', async () => {
      // Prepare
      const probe = runtime(2);

      // Act
      const results = await Promise.all(
        Array.from({ length: 3 }, () => probe.invoke({ action: 'sleep', ms: 100 })),
      );

      // Assess
      expect(results.map((result) => result.ok)).toEqual([true, true, false]);
      expect(probe.coldStarts).toBe(2);
    });

    it('throttles every invocation of a function reserved at 0, which never starts a container', async () => {
      // Prepare
      const probe = runtime(0);

      // Act
      const result = await probe.invoke({});

      // Assess
      expect(result).toMatchObject({
        ok: false,
        throttled: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
      expect(probe.coldStarts).toBe(0);
    });

    it('answers a Function URL request beyond the reserved concurrency with 429 and counts it', async () => {
      // Prepare
      const { host: started, logs } = await host({}, { reservedConcurrency: 0 });

      // Act
      const response = await fetch(started.urls.probe!, { method: 'POST', body: '{}' });

      // Assess
      expect(response.status).toBe(429);
      expect(await response.json()).toEqual({
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        Type: 'User',
        message: 'Rate Exceeded.',
      });
      expect(started.throttles.probe).toEqual({ reservedConcurrency: 1, injected: 0 });
      expect(logs).toContain(
        'host|probe: invocation throttled (TooManyRequestsException): reserved concurrency 0 in use',
      );
    });
  });

  describe('lambda-throttle', () => {
    it('answers a Function URL request with 429 TooManyRequestsException at a share of 1', async () => {
      // Prepare
      const { host: started, injector } = await host({ lambdaThrottle: 1 });

      // Act
      const response = await fetch(started.urls.probe!, { method: 'POST', body: '{}' });

      // Assess
      expect(response.status).toBe(429);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
      expect(await response.json()).toEqual({
        Reason: 'ConcurrentInvocationLimitExceeded',
        Type: 'User',
        message: 'Rate Exceeded.',
      });
      expect(injector.counts()['lambda-throttle']).toBe(1);
      expect(started.throttles.probe).toEqual({ reservedConcurrency: 0, injected: 1 });
    });

    it('runs every invocation at a share of 0', async () => {
      // Prepare
      const { host: started } = await host({ lambdaThrottle: 0 });

      // Act
      const response = await fetch(started.urls.probe!, { method: 'POST', body: '{}' });

      // Assess
      expect(response.status).toBe(200);
    });

    it('fails a workflow task with Lambda.TooManyRequestsException, which the ASL Retry and Catch match', async () => {
      // Prepare
      const { host: started, injector } = await host({ lambdaThrottle: 1 });
      const engine = createWorkflowEngine({
        definition: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: { 'Fn::GetAtt': ['probe', 'Arn'] }, Payload: {} },
              Retry: [
                { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, MaxAttempts: 2 },
              ],
              Catch: [
                {
                  ErrorEquals: ['Lambda.TooManyRequestsException'],
                  ResultPath: '$.error',
                  Next: 'Throttled',
                },
              ],
              End: true,
            },
            Throttled: { Type: 'Pass', End: true },
          },
        },
        handlers: { probe: (payload) => started.invoke('probe', payload) },
        timeScale: 0.01,
      });

      // Act
      const { executionArn } = engine.startExecution({ input: {} });
      const done = await engine.waitForExecution(executionArn);
      await engine.close();

      // Assess
      expect(done.status).toBe('SUCCEEDED');
      const output = JSON.parse(done.output!) as { error: { Error: string; Cause: string } };
      expect(output.error.Error).toBe('Lambda.TooManyRequestsException');
      expect(output.error.Cause).toMatch(
        /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
      );
      // The first try and both retries.
      expect(injector.counts()['lambda-throttle']).toBe(3);
    });
  });

  describe('webhook-outage', () => {
    it('refuses connections to the Function URL during the outage and serves them after it', async () => {
      // Prepare
      let now = 5_000_000;
      const { host: started, injector } = await host({ webhookOutageSeconds: 300 }, {}, () => now);
      injector.start();

      // Act
      const during = await fetch(started.urls.probe!, { method: 'POST', body: '{}' }).then(
        (response) => response.status,
        (error: unknown) => (error as { cause?: { code?: string } }).cause?.code ?? String(error),
      );
      now += 300_000;
      const after = await fetch(started.urls.probe!, { method: 'POST', body: '{}' });
      injector.stop();

      // Assess
      expect(during).toBe('ECONNRESET');
      expect(after.status).toBe(200);
      // Nothing reached the function during the outage.
      expect(await after.json()).toMatchObject({ invocations: 1 });
      expect(injector.counts()['webhook-outage']).toBeGreaterThanOrEqual(1);
    });
  });
});
