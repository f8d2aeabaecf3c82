import { createHmac, timingSafeEqual } from 'node:crypto';
import { SQSClient, SendMessageCommand, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The baseline the ingress is measured against: a Sinch webhook handler as a typical article writes it.
 * The secret from SSM `GetParameter`, cached in the container; one HMAC-SHA256 check of the signature;
 * `JSON.parse` of the body; `SendMessage` of the raw body to SQS; `console.error` only on failure. No
 * middleware, no structured logging, no metrics, no timestamp check, no secret rotation, no routing.
 *
 * It is bench code only, never deployed: it is what our handler must beat while doing all of that.
 */

export interface NaiveIngressOptions {
  readonly secretParam: string;
  readonly queueUrl: string;
  readonly sqs: SQSClientConfig;
  readonly ssm: SSMClientConfig;
}

export function createNaiveIngressHandler(options: NaiveIngressOptions) {
  const sqs = new SQSClient(options.sqs);
  const ssm = new SSMClient(options.ssm);
  let secret: string | undefined;

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      if (secret === undefined) {
        const answer = await ssm.send(
          new GetParameterCommand({ Name: options.secretParam, WithDecryption: true }),
        );
        secret = answer.Parameter?.Value ?? '';
      }
      const body = event.body ?? '';
      const nonce = event.headers['x-sinch-webhook-signature-nonce'] ?? '';
      const timestamp = event.headers['x-sinch-webhook-signature-timestamp'] ?? '';
      const signature = Buffer.from(event.headers['x-sinch-webhook-signature'] ?? '');
      const expected = Buffer.from(
        createHmac('sha256', secret).update(`${body}.${nonce}.${timestamp}`).digest('base64'),
      );
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        return { statusCode: 401 };
      }
      JSON.parse(body);
      await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }));
      return { statusCode: 200 };
    } catch (error) {
      console.error(error);
      return { statusCode: 500 };
    }
  };
}
