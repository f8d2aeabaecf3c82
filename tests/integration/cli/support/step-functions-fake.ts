import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowEvent } from '../../../../cli/timeline';

/**
 * A small Step Functions endpoint for the CLI's integration tests: DescribeExecution and paged
 * GetExecutionHistory over the real JSON 1.0 protocol, serving histories the test registers. The local
 * stack's stand-in runs real executions; this one only answers reads, so a test can state exactly which
 * history it expects the CLI to render.
 */
export interface StepFunctionsFake {
  readonly endpoint: string;
  setExecution(executionArn: string, status: string, events: readonly WorkflowEvent[]): void;
  /** How many GetExecutionHistory pages were served, to assert on paging. */
  readonly pagesServed: number;
  stop(): Promise<void>;
}

interface Execution {
  readonly status: string;
  readonly events: readonly WorkflowEvent[];
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function epochSeconds(timestamp: Date | string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  return new Date(timestamp).getTime() / 1000;
}

/** Starts the fake on 127.0.0.1 and a free port. `pageSize` caps every page, to exercise paging. */
export async function startStepFunctionsFake(
  options: { pageSize?: number } = {},
): Promise<StepFunctionsFake> {
  const executions = new Map<string, Execution>();
  let pagesServed = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const input = await readBody(req);
      const execution = executions.get(String(input.executionArn));
      if (!execution) {
        return send(res, 400, {
          __type: 'ExecutionDoesNotExist',
          message: `Execution Does Not Exist: '${String(input.executionArn)}'`,
        });
      }
      if (action === 'DescribeExecution') {
        return send(res, 200, {
          executionArn: input.executionArn,
          status: execution.status,
          startDate: epochSeconds(execution.events[0]?.timestamp),
        });
      }
      if (action === 'GetExecutionHistory') {
        const start = Number(input.nextToken ?? 0);
        const size = Math.min(Number(input.maxResults ?? 100), options.pageSize ?? Infinity);
        const page = execution.events.slice(start, start + size);
        const next = start + size < execution.events.length ? String(start + size) : undefined;
        pagesServed += 1;
        return send(res, 200, {
          events: page.map((e) => ({ ...e, timestamp: epochSeconds(e.timestamp) })),
          ...(next ? { nextToken: next } : {}),
        });
      }
      return send(res, 400, { __type: 'UnknownOperationException', message: action });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setExecution(executionArn, status, events) {
      executions.set(executionArn, { status, events });
    },
    get pagesServed() {
      return pagesServed;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
