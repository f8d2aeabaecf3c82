import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { clearCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../../../lib/shared/errors';
import {
  REFRESH_RETRY_BASE_MS,
  ssmParameter,
  type SsmClientSettings,
  type SsmParameterSpec,
} from '../../../../lib/shared/middleware/ssm-parameter';
import { aLambdaContext } from '../../../builders/function-url-event';
import { captureOutput, type CapturedOutput } from '../../../support/captured-output';

const ssmMock = mockClient(SSMClient);
const NAME = '/receipt-driven-sms/test/some-secret';
const LIFETIME_MS = 300_000;

function parameterValue(value: string) {
  return { Parameters: [{ Name: NAME, Value: value, Type: 'SecureString' as const }], InvalidParameters: [] };
}

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 2, 2, 10, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A handler that answers with the parsed value of one parameter, with the logger and metrics it counts on. */
function handlerFor<T>(spec: SsmParameterSpec<T>, settings: Partial<SsmClientSettings> = {}) {
  const telemetry = {
    logger: new Logger({ serviceName: 'ssm-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'ssm-unit' }),
  };
  const parameter = ssmParameter(spec, { awsClientOptions: { region: 'us-east-1' }, ...settings }, telemetry);
  return middy<unknown, T>()
    .use(logMetrics(telemetry.metrics))
    .use(parameter.middleware)
    .handler(async (_event: unknown, context: Context) => parameter.value(context));
}

function refreshFailures(output: CapturedOutput): unknown[] {
  return output.metricBlobs().filter((blob) => 'SsmRefreshFailures' in blob);
}

describe('ssmParameter', () => {
  let output: CapturedOutput;

  beforeEach(() => {
    ssmMock.reset();
    ssmMock.on(GetParametersCommand).resolves(parameterValue('a\nb'));
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    // The read values live in @middy/util's process cache; every test starts cold.
    clearCache();
  });

  it('reads the parameter decrypted and hands the handler its parsed value', async () => {
    // Prepare
    const handler = handlerFor({
      name: NAME,
      cacheExpiryMs: -1,
      parse: (value) => String(value).split('\n'),
    });

    // Act
    const value = await handler({}, aLambdaContext());

    // Assess
    expect(value).toEqual(['a', 'b']);
    expect(ssmMock.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({
      Names: [NAME],
      WithDecryption: true,
    });
  });

  it('reads once while the value is cached and parses it once', async () => {
    // Prepare
    const parse = jest.fn((value: unknown) => String(value));
    const handler = handlerFor({ name: NAME, cacheExpiryMs: -1, parse });

    // Act
    await handler({}, aLambdaContext());
    await handler({}, aLambdaContext());
    await handler({}, aLambdaContext());

    // Assess
    expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('serves every handler that declares the same parameter from the one cached read', async () => {
    // Prepare
    const first = handlerFor({ name: NAME, cacheExpiryMs: -1, parse: (value) => `first:${String(value)}` });
    const second = handlerFor({ name: NAME, cacheExpiryMs: -1, parse: (value) => `second:${String(value)}` });

    // Act
    const values = [await first({}, aLambdaContext()), await second({}, aLambdaContext())];

    // Assess
    expect(values).toEqual(['first:a\nb', 'second:a\nb']);
    expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(1);
  });

  it('fails the invocation before the handler body when the value cannot be parsed', async () => {
    // Prepare
    const body = jest.fn();
    const parameter = ssmParameter(
      {
        name: NAME,
        cacheExpiryMs: -1,
        parse: () => {
          throw new ConfigError(`SSM parameter ${NAME} is unusable`);
        },
      },
      { awsClientOptions: { region: 'us-east-1' } },
      {
        logger: new Logger({ logLevel: 'SILENT' }),
        metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest' }),
      },
    );
    const handler = middy().use(parameter.middleware).handler(body);

    // Act
    const invocation = handler({}, aLambdaContext());

    // Assess
    await expect(invocation).rejects.toThrow(ConfigError);
    expect(body).not.toHaveBeenCalled();
  });

  it('does not cache a failed read: the next invocation reads again', async () => {
    // Prepare
    ssmMock
      .on(GetParametersCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .resolves(parameterValue('after'));
    const handler = handlerFor({ name: NAME, cacheExpiryMs: -1, parse: String });

    // Act
    const failed = handler({}, aLambdaContext());
    await expect(failed).rejects.toThrow();
    const value = await handler({}, aLambdaContext());

    // Assess
    expect(value).toBe('after');
    expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it('reads nothing at init: the first read happens inside the first invocation', () => {
    // Act
    handlerFor({ name: NAME, cacheExpiryMs: -1, parse: String });

    // Assess
    expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(0);
  });
  it('reads an unusable first value again on the next invocation, so a fix in SSM is picked up', async () => {
    // Prepare
    ssmMock.on(GetParametersCommand).resolvesOnce(parameterValue('')).resolves(parameterValue('fixed'));
    const handler = handlerFor({
      name: NAME,
      cacheExpiryMs: -1,
      parse: (value) => {
        if (value === '') throw new ConfigError(`SSM parameter ${NAME} is empty`);
        return String(value);
      },
    });

    // Act
    const first = handler({}, aLambdaContext());
    await expect(first).rejects.toThrow(ConfigError);
    const second = await handler({}, aLambdaContext());

    // Assess
    expect(second).toBe('fixed');
  });

  it('hands the stored text to the parser as it is, even when it looks like JSON', async () => {
    // Prepare
    ssmMock.on(GetParametersCommand).resolves(parameterValue('{"keyId":"k"}'));
    const handler = handlerFor({ name: NAME, cacheExpiryMs: -1, parse: (value) => value });

    // Act
    const value = await handler({}, aLambdaContext());

    // Assess
    expect(value).toBe('{"keyId":"k"}');
  });

  it('leaves no timer behind: nothing reads SSM between invocations, so nothing can fail there', async () => {
    // Prepare
    jest.useFakeTimers();
    try {
      const handler = handlerFor({ name: NAME, cacheExpiryMs: LIFETIME_MS, parse: String });

      // Act
      await handler({}, aLambdaContext());

      // Assess
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('after the cache lifetime', () => {
    it('reads the parameter again within the invocation and serves the new value', async () => {
      // Prepare
      const clock = manualClock();
      const handler = handlerFor(
        { name: NAME, cacheExpiryMs: LIFETIME_MS, parse: String },
        { now: clock.now },
      );
      await handler({}, aLambdaContext());
      ssmMock.on(GetParametersCommand).resolves(parameterValue('rotated'));

      // Act
      const before = await handler({}, aLambdaContext());
      clock.advance(LIFETIME_MS);
      const after = await handler({}, aLambdaContext());

      // Assess
      expect([before, after]).toEqual(['a\nb', 'rotated']);
      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(2);
    });

    it('serves the old value when the re-read fails, logs and counts it, and picks up the new value later', async () => {
      // Prepare
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const clock = manualClock();
      const handler = handlerFor(
        { name: NAME, cacheExpiryMs: LIFETIME_MS, parse: String },
        { now: clock.now },
      );
      try {
        await handler({}, aLambdaContext());
        let reReads = 0;
        ssmMock.on(GetParametersCommand).callsFake(async () => {
          reReads += 1;
          if (reReads === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
          return parameterValue('rotated');
        });

        // Act
        clock.advance(LIFETIME_MS);
        const duringOutage = await handler({}, aLambdaContext());
        const duringBackOff = await handler({}, aLambdaContext());
        clock.advance(REFRESH_RETRY_BASE_MS);
        const afterBackOff = await handler({}, aLambdaContext());
        // Give any stray promise the chance to reject unhandled before looking.
        await new Promise((resolve) => setImmediate(resolve));

        // Assess
        expect([duringOutage, duringBackOff, afterBackOff]).toEqual(['a\nb', 'a\nb', 'rotated']);
        expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(3);
        expect(output.logLines()).toContainEqual(
          expect.objectContaining({
            level: 'WARN',
            message: 'Could not refresh an SSM parameter; serving the value read earlier',
            parameter: NAME,
            retryInMs: REFRESH_RETRY_BASE_MS,
            error: expect.objectContaining({ name: 'ThrottlingException' }),
          }),
        );
        expect(refreshFailures(output)).toEqual([expect.objectContaining({ SsmRefreshFailures: 1 })]);
        expect(output.text()).not.toContain('a\\nb');
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('backs off further while the re-reads keep failing, without failing an invocation', async () => {
      // Prepare
      const clock = manualClock();
      const handler = handlerFor(
        { name: NAME, cacheExpiryMs: LIFETIME_MS, parse: String },
        { now: clock.now },
      );
      await handler({}, aLambdaContext());
      ssmMock.on(GetParametersCommand).rejects(new Error('SSM unavailable'));

      // Act
      clock.advance(LIFETIME_MS);
      const values = [await handler({}, aLambdaContext())];
      clock.advance(REFRESH_RETRY_BASE_MS);
      values.push(await handler({}, aLambdaContext()));
      clock.advance(REFRESH_RETRY_BASE_MS);
      values.push(await handler({}, aLambdaContext()));

      // Assess: the second retry waits twice as long, so the third invocation reads nothing.
      expect(values).toEqual(['a\nb', 'a\nb', 'a\nb']);
      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(3);
      expect(
        output
          .logLines()
          .filter(
            (line) => line.message === 'Could not refresh an SSM parameter; serving the value read earlier',
          )
          .map((line) => line.retryInMs),
      ).toEqual([REFRESH_RETRY_BASE_MS, 2 * REFRESH_RETRY_BASE_MS]);
    });

    it('keeps the last usable value when the re-read brings one that does not parse', async () => {
      // Prepare
      const clock = manualClock();
      const parse = (value: unknown) => {
        if (value === '') throw new ConfigError(`SSM parameter ${NAME} is empty`);
        return String(value);
      };
      const handler = handlerFor({ name: NAME, cacheExpiryMs: LIFETIME_MS, parse }, { now: clock.now });
      await handler({}, aLambdaContext());
      ssmMock.on(GetParametersCommand).resolves(parameterValue(''));

      // Act
      clock.advance(LIFETIME_MS);
      const values = [await handler({}, aLambdaContext()), await handler({}, aLambdaContext())];

      // Assess
      expect(values).toEqual(['a\nb', 'a\nb']);
      expect(refreshFailures(output)).toHaveLength(1);
    });

    it('still fails the invocation when the very first read fails: there is nothing to serve', async () => {
      // Prepare
      ssmMock.on(GetParametersCommand).rejects(new Error('SSM unavailable'));
      const handler = handlerFor({ name: NAME, cacheExpiryMs: LIFETIME_MS, parse: String });

      // Act
      const invocation = handler({}, aLambdaContext());

      // Assess
      await expect(invocation).rejects.toThrow('SSM unavailable');
      expect(refreshFailures(output)).toEqual([]);
    });
  });
});
