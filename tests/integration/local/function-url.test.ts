import { request } from 'node:http';
import { startFunctionUrl, type FunctionUrl } from '../../../local/function-url';
import type { FunctionRuntime, InvokeResult } from '../../../local/lambda-runtime';

/** A runtime that records the events it gets and answers what the test says. */
function fakeRuntime(answer: (event: Record<string, unknown>) => InvokeResult) {
  const events: Record<string, unknown>[] = [];
  const runtime: FunctionRuntime = {
    key: 'ingress',
    name: 'fixture-ingress',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-ingress',
    invoke: async (event) => {
      events.push(event as Record<string, unknown>);
      return answer(event as Record<string, unknown>);
    },
    warm: () => undefined,
    coldStarts: 0,
    close: async () => undefined,
  };
  return { runtime, events };
}

const ok = (payload: unknown): InvokeResult => ({ ok: true, payload, requestId: 'r-1' });

describe('local Function URL', () => {
  const servers: FunctionUrl[] = [];
  const start = async (
    answer: (event: Record<string, unknown>) => InvokeResult,
    authType: 'NONE' | 'AWS_IAM' = 'NONE',
  ) => {
    const fake = fakeRuntime(answer);
    const server = await startFunctionUrl(fake.runtime, {
      authType,
      region: 'us-east-1',
      accountId: '000000000000',
    });
    servers.push(server);
    return { ...fake, url: server.url };
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('turns a request into a payload-format 2.0 event with the raw body and lower-case headers', async () => {
    // Prepare
    const { url, events } = await start(() => ok({ statusCode: 200 }));
    const body = '{"a": 1}\n';

    // Act
    await fetch(`${url}/hook?x=1&x=2&y=3`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Sinch-Webhook-Signature': 'sig' },
      body,
    });

    // Assess
    const event = events[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/hook',
      rawQueryString: 'x=1&x=2&y=3',
      queryStringParameters: { x: '1,2', y: '3' },
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/hook' }, accountId: 'anonymous', stage: '$default' },
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-sinch-webhook-signature': 'sig',
      host: 'localingress.lambda-url.us-east-1.on.aws',
    });
  });

  it.each(['//', '//x//y?a=1', '/%zz', '/a/../b'])(
    'passes the path %s to the function as it came, as a real Function URL does',
    async (path) => {
      // Prepare
      const { url, events } = await start(() => ok({ statusCode: 204 }));
      const { port } = new URL(url);

      // Act: node:http, because fetch would normalise the path.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end('{}');
      });

      // Assess
      expect(status).toBe(204);
      const [rawPath, rawQueryString = ''] = path.split('?');
      expect(events[0]).toMatchObject({ rawPath, rawQueryString });
    },
  );

  it('base64-encodes a body that is not text', async () => {
    const { url, events } = await start(() => ok({ statusCode: 204 }));

    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0x00, 0x01]),
    });

    expect(events[0]).toMatchObject({
      body: Buffer.from([0xff, 0x00, 0x01]).toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('answers with the structured result: status, headers, cookies and a base64 body decoded', async () => {
    // Prepare
    const { url } = await start(() =>
      ok({
        statusCode: 401,
        headers: { 'content-type': 'application/json', 'x-extra': 'yes' },
        cookies: ['a=1'],
        body: Buffer.from('{"error":"Unauthorized"}').toString('base64'),
        isBase64Encoded: true,
      }),
    );

    // Act
    const response = await fetch(url, { method: 'POST', body: '{}' });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('a=1');
    expect(await response.json()).toEqual({ error: 'Unauthorized' });
  });

  it('treats any other result as the JSON body of a 200, as Lambda does', async () => {
    const { url } = await start(() => ok({ hello: 'world' }));

    const response = await fetch(url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('answers 502 when the function fails', async () => {
    const { url } = await start(() => ({
      ok: false,
      requestId: 'r',
      error: { errorType: 'Error', errorMessage: 'boom', trace: [] },
    }));

    const response = await fetch(url, { method: 'POST', body: '{}' });

    expect(response.status).toBe(502);
  });

  it('refuses an unsigned request to an AWS_IAM URL with 403, without invoking the function', async () => {
    const { url, events } = await start(() => ok({ statusCode: 202 }), 'AWS_IAM');

    const response = await fetch(url, { method: 'POST', body: '{}' });

    expect(response.status).toBe(403);
    expect(events).toHaveLength(0);
  });

  it('passes the SigV4 caller of an AWS_IAM URL in requestContext.authorizer.iam', async () => {
    const { url, events } = await start(() => ok({ statusCode: 202 }), 'AWS_IAM');

    await fetch(url, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '{}',
    });

    expect(events[0]).toMatchObject({
      requestContext: {
        accountId: '000000000000',
        authorizer: { iam: { accessKey: 'AKIDLOCAL', accountId: '000000000000' } },
      },
    });
  });
});
