import { join } from 'node:path';
import { startChildServer } from './child-process';

/**
 * dynalite, the DynamoDB emulator (real DynamoDB API), in memory on 127.0.0.1 in a child process (see
 * `dynalite-process.mjs` for why); tables are ACTIVE as soon as they are created.
 */
export interface DynamoDbEmulator {
  /** For `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  readonly endpoint: string;
  /** The CPU time dynalite has used so far. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

export async function startDynamoDbEmulator(options: {
  port?: number;
  root: string;
}): Promise<DynamoDbEmulator> {
  return startChildServer(join(options.root, 'local', 'dynalite-process.mjs'), {
    port: options.port,
    cwd: options.root,
    name: 'dynalite',
  });
}
