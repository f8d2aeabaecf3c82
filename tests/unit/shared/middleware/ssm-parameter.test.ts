import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { clearCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../../../lib/shared/errors';
import { ssmParameter, type SsmParameterSpec } from '../../../../lib/shared/middleware/ssm-parameter';
import { aLambdaContext } from '../../../builders/function-url-event';

const ssmMock = mockClient(SSMClient);
const NAME = '/receipt-driven-sms/test/some-secret';

function parameterValue(value: string) {
  return { Parameters: [{ Name: NAME, Value: value, Type: 'SecureString' as const }], InvalidParameters: [] };
}

/** A handler that answers with the parsed value of one parameter. */
function handlerFor<T>(spec: SsmParameterSpec<T>) {
  const parameter = ssmParameter(spec, { awsClientOptions: { region: 'us-east-1' } });
  return middy<unknown, T>()
    .use(parameter.middleware)
    .handler(async (_event: unknown, context: Context) => parameter.value(context));
}

describe('ssmParameter', () => {
  beforeEach(() => {
    ssmMock.reset();
    ssmMock.on(GetParametersCommand).resolves(parameterValue('a\nb'));
  });

  afterEach(() => {
    // @middy/ssm caches per process; every test starts cold.
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
});
