import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for SSM Parameter Store that speaks the real JSON protocol (`X-Amz-Target:
 * AmazonSSM.<Action>`), so the ordinary `@aws-sdk/client-ssm` (and the functions' SSM parameter middleware) talk to it
 * through `AWS_ENDPOINT_URL_SSM`. It implements what this project uses: GetParameter, GetParameters and
 * PutParameter. Values are kept in memory.
 */
export interface StoredParameter {
  readonly value: string;
  readonly type?: 'String' | 'SecureString' | 'StringList';
}

export interface SsmStandIn {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SSM` or a client's `endpoint`. */
  readonly endpoint: string;
  setParameter(name: string, parameter: StoredParameter): void;
  /** How many GetParameter(s) calls were served, to assert on caching. */
  readonly reads: number;
  stop(): Promise<void>;
}

interface Entry extends Required<StoredParameter> {
  version: number;
  modifiedAt: Date;
}

class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(name: string, entry: Entry, region: string) {
  return {
    Name: name,
    Type: entry.type,
    Value: entry.value,
    Version: entry.version,
    DataType: 'text',
    LastModifiedDate: entry.modifiedAt.getTime() / 1000,
    ARN: `arn:aws:ssm:${region}:000000000000:parameter${name.startsWith('/') ? '' : '/'}${name}`,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the stand-in on 127.0.0.1.
 *
 * @example
 * const ssm = await startSsmStandIn({ parameters: { '/app/secret': { value: 's3cret', type: 'SecureString' } } });
 * const client = new SSMClient({ endpoint: ssm.endpoint, region: 'us-east-1' });
 */
export async function startSsmStandIn(
  options: { parameters?: Record<string, StoredParameter>; port?: number; region?: string } = {},
): Promise<SsmStandIn> {
  const region = options.region ?? 'us-east-1';
  const store = new Map<string, Entry>();
  let reads = 0;

  const put = (name: string, parameter: StoredParameter): void => {
    const previous = store.get(name);
    store.set(name, {
      value: parameter.value,
      type: parameter.type ?? 'SecureString',
      version: (previous?.version ?? 0) + 1,
      modifiedAt: new Date(),
    });
  };
  for (const [name, parameter] of Object.entries(options.parameters ?? {})) put(name, parameter);

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetParameter: (input) => {
      reads += 1;
      const name = String(input.Name);
      const entry = store.get(name);
      if (!entry) throw new SsmError('ParameterNotFound', `Parameter ${name} not found.`);
      return { Parameter: describe(name, entry, region) };
    },
    GetParameters: (input) => {
      reads += 1;
      const names = Array.isArray(input.Names) ? input.Names.map(String) : [];
      const found = names.filter((name) => store.has(name));
      return {
        Parameters: found.map((name) => describe(name, store.get(name)!, region)),
        InvalidParameters: names.filter((name) => !store.has(name)),
      };
    },
    PutParameter: (input) => {
      const name = String(input.Name);
      if (store.has(name) && input.Overwrite !== true) {
        throw new SsmError('ParameterAlreadyExists', `Parameter ${name} already exists.`);
      }
      const type = input.Type === 'String' || input.Type === 'StringList' ? input.Type : 'SecureString';
      put(name, { value: String(input.Value), type });
      return { Version: store.get(name)!.version, Tier: 'Standard' };
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = actions[target.replace(/^AmazonSSM\./, '')];
      if (req.method !== 'POST' || !action) {
        send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported: ${target}` });
        return;
      }
      try {
        const input = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
        send(res, 200, action(input));
      } catch (error) {
        if (error instanceof SsmError) send(res, 400, { __type: error.type, message: error.message });
        else send(res, 500, { __type: 'InternalServerError', message: String(error) });
      }
    })();
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setParameter: put,
    get reads() {
      return reads;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
