import { GetParametersCommand, type SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { ConfigError } from '../errors';

/** Reads one SSM parameter's value, decrypted; what `ssmParameter` needs from SSM. */
export interface SsmParameterReader {
  /**
   * The parameter's value as stored (a StringList as its comma-separated text). Errors are thrown as
   * they come; the caller decides whether a cached value is served instead.
   *
   * @throws {ConfigError} when SSM answers that the parameter does not exist (or is not readable)
   */
  read(name: string): Promise<string>;
}

/**
 * Creates the reader over an SSM client class and its options. The client is built on the first read,
 * inside an invocation, so building a handler opens no connection.
 *
 * `GetParameters` (plural) with one name, as `@middy/ssm` called it: it is the action the functions' roles
 * grant, and it reports a missing parameter in `InvalidParameters` rather than as an error.
 *
 * @example
 * const reader = createSsmParameterReader(SSMClient, boundedClientOptions(2000));
 * const secrets = await reader.read('/receipt-driven-sms/prod/sinch-webhook-secrets');
 */
export function createSsmParameterReader(
  AwsClient: typeof SSMClient,
  options: SSMClientConfig,
): SsmParameterReader {
  let client: SSMClient | undefined;
  return {
    async read(name) {
      client ??= new AwsClient(options);
      const { Parameters, InvalidParameters } = await client.send(
        new GetParametersCommand({ Names: [name], WithDecryption: true }),
      );
      // One name asked for, so at most one parameter comes back.
      const value = Parameters?.[0]?.Value;
      if (InvalidParameters?.includes(name) || value === undefined) {
        throw new ConfigError(`SSM parameter ${name} does not exist or cannot be read`);
      }
      return value;
    },
  };
}
