import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { TargetError } from '../errors';

/**
 * Reads the stage's recipient hash key (an SSM SecureString). It is a secret: it lives in memory for the
 * one lookup and is never printed or logged.
 */
export async function readRecipientHashKey(client: SSMClient, parameterName: string): Promise<string> {
  try {
    const { Parameter } = await client.send(
      new GetParameterCommand({ Name: parameterName, WithDecryption: true }),
    );
    if (!Parameter?.Value) throw new TargetError(`SSM parameter ${parameterName} is empty.`);
    return Parameter.Value;
  } catch (error) {
    if (error instanceof Error && error.name === 'ParameterNotFound') {
      throw new TargetError(
        `The recipient hash key ${parameterName} does not exist, so phone numbers cannot be looked up.`,
        'Engineering creates it before the first deploy (see README, "Deploy").',
        { cause: error },
      );
    }
    throw error;
  }
}
