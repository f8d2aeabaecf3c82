import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { TargetError } from '../errors';

/**
 * Reads a stack's outputs. A stage that was never deployed (or was removed) in the region answers
 * `ValidationError: Stack with id … does not exist`; that becomes a message naming the stage and region.
 */
export async function readStackOutputs(
  client: CloudFormationClient,
  stackName: string,
  stage: string,
): Promise<Record<string, string>> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/i.test(error.message)) {
      const region = await client.config.region();
      throw new TargetError(
        `Stage "${stage}" is not deployed in ${region}: there is no CloudFormation stack ${stackName}.`,
        'Check the stage name, and pass --region if it is deployed in another region.',
        { cause: error },
      );
    }
    throw error;
  }
  const outputs: Record<string, string> = {};
  for (const output of stacks?.[0]?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}
