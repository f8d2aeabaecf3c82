import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../shared/errors';

/**
 * Reads the per-stage recipient hash key (an SSM SecureString) once and keeps it: the key never changes
 * after a stage has hashed its first recipient. Concurrent first calls share one read; a failed read is
 * not kept, so the next call tries again.
 *
 * @example
 * const hashKey = new RecipientHashKeySource(new SSMClient({}), '/receipt-driven-sms/prod/recipient-hash-key');
 * const key = await hashKey.get();
 */
export class RecipientHashKeySource {
  private pending: Promise<string> | undefined;

  constructor(
    private readonly client: SSMClient,
    private readonly parameterName: string,
  ) {}

  get(): Promise<string> {
    this.pending ??= this.read().catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  private async read(): Promise<string> {
    const { Parameter } = await this.client.send(
      new GetParameterCommand({ Name: this.parameterName, WithDecryption: true }),
    );
    if (!Parameter?.Value) throw new ConfigError(`SSM parameter ${this.parameterName} has no value`);
    return Parameter.Value;
  }
}
