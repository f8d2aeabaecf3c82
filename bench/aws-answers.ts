import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in on 127.0.0.1 for the two AWS JSON APIs a webhook handler's first invocation calls: SSM
 * `GetParameter`/`GetParameters` (one SecureString) and SQS `SendMessage` (with the MD5 of the body the
 * SDK checks by default). For cold-start measurements, where the handler runs in a fresh process and
 * reaches AWS through `AWS_ENDPOINT_URL_SSM` / `_SQS`; nothing here leaves the machine.
 */
export interface AwsAnswers {
  readonly endpoint: string;
  readonly close: () => Promise<void>;
}

export async function startAwsAnswers(parameter: { name: string; value: string }): Promise<AwsAnswers> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const stored = { Name: parameter.name, Type: 'SecureString', Value: parameter.value, Version: 1 };
      let answer: unknown;
      if (target === 'AmazonSSM.GetParameter') answer = { Parameter: stored };
      else if (target === 'AmazonSSM.GetParameters') answer = { Parameters: [stored], InvalidParameters: [] };
      else if (target === 'AmazonSQS.SendMessage') {
        answer = {
          MessageId: '00000000-0000-4000-8000-000000000000',
          MD5OfMessageBody: createHash('md5')
            .update(String(input.MessageBody ?? ''))
            .digest('hex'),
        };
      } else {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
