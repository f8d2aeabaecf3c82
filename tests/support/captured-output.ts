/**
 * Captures what Powertools Logger and Metrics write. Both write through their own `Console` on
 * `process.stdout` / `process.stderr` (not the global console Jest intercepts), so spying on the two
 * streams sees every log line and every EMF metrics blob, and keeps them out of the test report.
 *
 * @example
 * const output = captureOutput();
 * await handler(event, context);
 * expect(output.logLines()).toContainEqual(expect.objectContaining({ message: 'Delivery report enqueued' }));
 * output.restore();
 */
export interface CapturedOutput {
  /** Everything written, as one string: for "this never appears anywhere" assertions. */
  text(): string;
  /** Every line that parses as a JSON object. */
  records(): Record<string, unknown>[];
  /** Structured log lines (they have a `level`). */
  logLines(): Record<string, unknown>[];
  /** CloudWatch EMF blobs (they have an `_aws` key). */
  metricBlobs(): Record<string, unknown>[];
  /** Forgets what was captured so far. */
  clear(): void;
  restore(): void;
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function captureOutput(): CapturedOutput {
  let chunks: string[] = [];
  const record = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(record),
    jest.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  const records = () =>
    chunks
      .join('')
      .split('\n')
      .map(parse)
      .filter((value): value is Record<string, unknown> => value !== undefined);

  return {
    text: () => chunks.join(''),
    records,
    logLines: () => records().filter((entry) => 'level' in entry),
    metricBlobs: () => records().filter((entry) => '_aws' in entry),
    clear: () => {
      chunks = [];
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
