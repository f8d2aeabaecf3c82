import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../shared/errors';

/**
 * Reads the per-stage recipient hash key (an SSM SecureString) once and keeps it: the key never changes
 * after a stage has hashed its first recipient.
 */
export interface RecipientHashKeyReader {
  /**
   * The key, decrypted. Concurrent first calls share one read; a failed read is not kept, so the next
   * call tries again.
   *
   * @throws {ConfigError} when the parameter exists but holds no value
   */
  get(): Promise<string>;
}

/**
 * Creates the reader of one SSM parameter. A long-lived caller (`DeliveryClient`) creates one and reuses
 * it: the kept key is what spares every later call a round trip to SSM.
 *
 * @example
 * const hashKey = createRecipientHashKeyReader(new SSMClient({}), '/receipt-driven-sms/prod/recipient-hash-key');
 * const key = await hashKey.get();
 */
export function createRecipientHashKeyReader(
  client: SSMClient,
  parameterName: string,
): RecipientHashKeyReader {
  let pending: Promise<string> | undefined;

  const read = async (): Promise<string> => {
    const { Parameter } = await client.send(
      new GetParameterCommand({ Name: parameterName, WithDecryption: true }),
    );
    if (!Parameter?.Value) throw new ConfigError(`SSM parameter ${parameterName} has no value`);
    return Parameter.Value;
  };

  return {
    get() {
      pending ??= read().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
  };
}
