import dynalite from 'dynalite';
import { serve } from './http-server';

/** dynalite, the DynamoDB emulator (real DynamoDB API), in memory on 127.0.0.1; tables are ACTIVE at once. */
export interface DynamoDbEmulator {
  /** For `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoDbEmulator(options: { port?: number } = {}): Promise<DynamoDbEmulator> {
  const running = await serve(
    dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
    options.port,
  );
  return { endpoint: running.url, stop: running.stop };
}
