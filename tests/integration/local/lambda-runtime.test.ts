import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions, type HandlerBundle } from '../../../local/lambda-bundler';
import { createFunctionRuntime, sandboxScript, type FunctionRuntime } from '../../../local/lambda-runtime';
import type { FunctionDefinition, ServerlessManifest } from '../../../local/serverless-manifest';
import { CONDITION_HANG_MS, eventually } from '../../support/patience';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'local');

function definition(key: string, handler: string): FunctionDefinition {
  return {
    key,
    name: `fixture-${key}`,
    handler,
    timeoutSeconds: 1,
    memorySize: 128,
    environment: {},
    sqsEvents: [],
  };
}

describe('local Lambda runtime', () => {
  let outdir: string;
  let bundles: Record<string, HandlerBundle>;
  const runtimes: FunctionRuntime[] = [];
  let logs: string[];

  const runtime = (
    options: { timeoutSeconds?: number; maxConcurrency?: number; env?: Record<string, string> } = {},
  ) => {
    const created = createFunctionRuntime({
      key: 'probe',
      name: 'fixture-probe',
      bundle: bundles.probe!,
      sandbox: sandboxScript(ROOT),
      environment: options.env ?? { ONLY_MINE: 'yes' },
      timeoutSeconds: options.timeoutSeconds ?? 1,
      memorySize: 128,
      region: 'us-east-1',
      accountId: '000000000000',
      logSink: (key, line) => logs.push(`${key}|${line}`),
      maxConcurrency: options.maxConcurrency,
    });
    runtimes.push(created);
    return created;
  };

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'lambda-runtime-'));
    const manifest = { root: FIXTURES, esbuild: {} } as unknown as ServerlessManifest;
    bundles = await bundleFunctions(
      manifest,
      [definition('probe', 'functions/probe.handler'), definition('bad', 'functions/bad-export.handler')],
      outdir,
    );
  }, 30_000);

  beforeEach(() => {
    logs = [];
  });

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('gives the handler only its own environment, not the host process environment', async () => {
    // Act
    const result = await runtime().invoke({});

    // Assess
    expect(result).toMatchObject({ ok: true, payload: { env: { ONLY_MINE: 'yes', HOME: null } } });
    expect(process.env.ONLY_MINE).toBeUndefined();
  });

  it('passes a Lambda context whose remaining time counts down from the timeout', async () => {
    const result = await runtime({ timeoutSeconds: 3 }).invoke({});

    const remaining = (result as { payload: { remaining: number } }).payload.remaining;
    expect(remaining).toBeGreaterThan(2000);
    expect(remaining).toBeLessThanOrEqual(3000);
  });

  it('keeps module state within a warm container, like Lambda', async () => {
    // Prepare
    const probe = runtime({ maxConcurrency: 1 });

    // Act
    const first = await probe.invoke({});
    const second = await probe.invoke({});

    // Assess
    expect(first).toMatchObject({ payload: { invocations: 1 } });
    expect(second).toMatchObject({ payload: { invocations: 2 } });
    expect(probe.coldStarts).toBe(1);
  });

  it('starts more containers for concurrent invocations, up to the limit, then queues', async () => {
    // Prepare
    const probe = runtime({ maxConcurrency: 2 });

    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => probe.invoke({ action: 'sleep', ms: 50 })),
    );

    // Assess
    expect(results.every((r) => r.ok)).toBe(true);
    expect(probe.coldStarts).toBe(2);
  });

  it('captures stdout of the function line by line as its log stream', async () => {
    // Act
    const result = await runtime().invoke({ action: 'log' });

    // Assess
    expect(logs).toEqual([
      `probe|${JSON.stringify({ level: 'INFO', message: 'probe says hello', requestId: result.requestId })}`,
      'probe|line one',
      'probe|line two',
    ]);
  });

  it('reports a thrown error by its name, as Lambda reports the error type', async () => {
    const result = await runtime().invoke({ action: 'throw' });

    expect(result).toMatchObject({
      ok: false,
      error: { errorType: 'Probe.Failure', errorMessage: 'the probe failed on purpose' },
    });
  });

  it('fails an invocation that outlives the timeout with Sandbox.Timedout and replaces the container', async () => {
    // Prepare
    const probe = runtime({ timeoutSeconds: 0.1, maxConcurrency: 1 });

    // Act
    const slow = await probe.invoke({ action: 'sleep', ms: 500 });
    const next = await probe.invoke({});

    // Assess
    expect(slow).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(next.ok).toBe(true);
    expect(probe.coldStarts).toBe(2);
    expect(logs.some((line) => line.includes('Task timed out after 0.10 seconds'))).toBe(true);
  });

  it('runs the handler in its own thread, so CPU-bound work does not hold the host', async () => {
    // Prepare
    const probe = runtime({ timeoutSeconds: 5 });
    await probe.invoke({});
    let hostTicks = 0;
    const ticking = setInterval(() => (hostTicks += 1), 5);

    // Act
    const result = await probe.invoke({ action: 'spin', ms: 300 });
    clearInterval(ticking);

    // Assess
    expect(result).toMatchObject({ ok: true, payload: { spun: 300 } });
    expect(hostTicks).toBeGreaterThan(0);
  });

  it(
    'starts afresh after an uncaught error ended the sandbox, as a Lambda runtime restarts',
    async () => {
      // Prepare
      const probe = runtime({ maxConcurrency: 1 });
      const first = await probe.invoke({});

      // Act
      await probe.invoke({ action: 'crash-later' });
      await eventually(() => logs.some((line) => line.includes('Runtime exited')), 'the sandbox to exit');
      const next = await probe.invoke({});

      // Assess
      expect(first).toMatchObject({ ok: true, payload: { invocations: 1 } });
      expect(next).toMatchObject({ ok: true, payload: { invocations: 1 } });
      expect(probe.coldStarts).toBe(2);
      expect(logs.some((line) => line.includes('background work failed'))).toBe(true);
    },
    CONDITION_HANG_MS + 10_000,
  );

  it('cancels background timers of its containers when closed', async () => {
    // Prepare
    const probe = runtime();
    await probe.invoke({ action: 'schedule' });
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    await probe.close();
    const seen = logs.length;
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(seen).toBeGreaterThan(0);
    expect(logs.length).toBe(seen);
  });

  it('answers Runtime.ImportModuleError when the bundle lacks the handler export', async () => {
    // Prepare
    const bad = createFunctionRuntime({
      key: 'bad',
      name: 'fixture-bad',
      bundle: bundles.bad!,
      sandbox: sandboxScript(ROOT),
      environment: {},
      timeoutSeconds: 1,
      memorySize: 128,
      region: 'us-east-1',
      accountId: '000000000000',
      logSink: () => undefined,
    });
    runtimes.push(bad);

    // Act
    const result = await bad.invoke({});

    // Assess
    expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
  });

  it('hands the handler a copy of the event, so it cannot change the caller’s object', async () => {
    // Prepare
    const event = { action: 'mutate', nested: { value: 1 } };

    // Act
    const result = await runtime().invoke(event);

    // Assess
    expect(result).toMatchObject({ ok: true, payload: { nested: { value: 2 } } });
    expect(event.nested.value).toBe(1);
  });
});
