import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { signWebhook } from '../../lib/ingress/webhook-signature';
import { routeWebhook } from '../../lib/ingress/webhook-routing';
import { deliveryPk, META_SK } from '../../lib/table/delivery-model';
import { signRequest } from '../../local/sigv4';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { drainReceipts, keptReportBodies } from '../support/delivery-invariants';
import { documentClient } from '../support/local-stack-deliveries';
import { RUN_HANG_MS, SETUP_HANG_MS } from '../support/patience';

/**
 * A careless or hostile client against both Function URLs of the local stack: seeded, bounded mutations of
 * send requests and of webhooks. The contract under bad input: never a 5xx for something the client sent,
 * nothing stored for a refused send request, and every validly signed webhook the ingress accepted either
 * applied, kept with a reason, or (for Sinch events other than delivery reports) acknowledged.
 *
 * Replay a failure with the seed in the test names: FUZZ_SEED=<seed> npm run test:e2e -- -t fuzz
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const SEND_REQUESTS = 150;
const WEBHOOKS = 150;

interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Sends exactly these bytes to this path (fetch would normalise both). */
function send(url: string, request: RawRequest): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: request.path, method: request.method, headers: request.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

const validSendRequest = (id: string) => ({
  deliveryId: id,
  to: '+46701740610',
  text: 'Your fuzz code is 112358',
  email: { to: 'fuzz@example.com', subject: 'Your code', text: 'Your fuzz code is 112358' },
  expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
});

/** A send request as a careless client might write it: the id stays, so what was stored can be checked. */
function sendRequestArbitrary(
  index: number,
): fc.Arbitrary<{ id: string; body: string; contentType?: string; method: string; path: string }> {
  const id = `fuzz-send-${index}`;
  const base = validSendRequest(id);
  const mutated = fc.oneof(
    fc.constant(base),
    fc.constantFrom('to', 'text', 'email', 'expiresAt').map((drop) => {
      const copy: Record<string, unknown> = { ...base };
      delete copy[drop];
      return copy;
    }),
    fc
      .tuple(fc.constantFrom('to', 'text', 'email', 'expiresAt', 'policy'), fc.jsonValue())
      .map(([field, value]) => ({
        ...base,
        [field]: value,
      })),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }).map((extra) => ({
      ...extra,
      ...base,
    })),
    fc.constant({ ...base, text: 'x'.repeat(70 * 1024) }),
  );
  return fc.record({
    id: fc.constant(id),
    body: fc.oneof(
      { weight: 6, arbitrary: mutated.map((value) => JSON.stringify(value)) },
      {
        weight: 1,
        arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => `{"deliveryId":"${id}",${s}`),
      },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-8', '', undefined),
      },
    ),
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE') },
    ),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant('/') },
      { weight: 1, arbitrary: fc.constantFrom('//', '/x/../y', '/?a=1&a=2') },
    ),
  });
}

/** A webhook: a delivery report mutated field by field, or anything at all; signed, mostly. */
const webhookArbitrary = fc.record({
  body: fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record(
          {
            message_id: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue()),
            status: fc.oneof(
              fc.constantFrom('DELIVERED', 'FAILED', 'QUEUED_ON_CHANNEL', 'READ'),
              fc.string({ maxLength: 10 }),
            ),
            metadata: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('d-missing#1')),
            reason: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((report) =>
          JSON.stringify({ app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH', message_delivery_report: report }),
        ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"message_delivery_report":{"message_id":"m\\u0000","status":"DELIVERED\\uFFFE"}}',
        '\uFFFE\uFFFF'.repeat(64),
      ),
    },
  ),
  signing: fc.oneof(
    { weight: 8, arbitrary: fc.constant('valid' as const) },
    { weight: 1, arbitrary: fc.constantFrom('none' as const, 'other-secret' as const) },
  ),
});

describe(`HTTP fuzz of both Function URLs (seed ${SEED})`, () => {
  let stack: LocalStack;
  const sendAnswers: { id: string; status: number; text: string }[] = [];
  const webhookAnswers: { body: string; signing: string; status: number; text: string }[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ fast: true, seed: SEED, stackFile: false });
    const sendUrl = stack.description.functionUrls.send!;
    const ingressUrl = stack.description.functionUrls.ingress!;

    const requests = Array.from(
      { length: SEND_REQUESTS },
      (_, i) => fc.sample(sendRequestArbitrary(i), { seed: SEED + i, numRuns: 1 })[0]!,
    );
    for (const r of requests) {
      const headers: Record<string, string> = r.contentType ? { 'content-type': r.contentType } : {};
      const signed = signRequest(
        { method: r.method, url: `${sendUrl.replace(/\/$/, '')}${r.path}`, headers, body: r.body },
        { region: stack.clientConfig.region, service: 'lambda', credentials: stack.clientConfig.credentials },
      );
      const answer = await send(sendUrl, { method: r.method, path: r.path, headers: signed, body: r.body });
      sendAnswers.push({ id: r.id, ...answer });
    }

    const webhooks = fc.sample(webhookArbitrary, { seed: SEED, numRuns: WEBHOOKS });
    for (const w of webhooks) {
      const headers =
        w.signing === 'none'
          ? {}
          : signWebhook(w.body, w.signing === 'valid' ? stack.description.webhookSecret : 'not-the-secret');
      const answer = await send(ingressUrl, {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json', ...headers },
        body: w.body,
      });
      webhookAnswers.push({ body: w.body, signing: w.signing, ...answer });
    }
    await drainReceipts(stack, RUN_HANG_MS);
  }, SETUP_HANG_MS);

  afterAll(async () => {
    await stack?.stop();
  });

  it(`never answers a send request with a 5xx (seed ${SEED})`, () => {
    expect(sendAnswers.filter((a) => a.status >= 500).map((a) => `${a.id}: ${a.status} ${a.text}`)).toEqual(
      [],
    );
  });

  it(`stores nothing for a refused send request (seed ${SEED})`, async () => {
    const documents = documentClient(stack);
    const stored: string[] = [];
    for (const answer of sendAnswers.filter((a) => a.status >= 400)) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: stack.description.resources.deliveriesTable!,
          Key: { PK: deliveryPk(answer.id), SK: META_SK },
        }),
      );
      if (Item) stored.push(`${answer.id}: ${answer.status}`);
    }
    documents.destroy();

    expect(sendAnswers.filter((a) => a.status >= 400).length).toBeGreaterThan(0);
    expect(stored).toEqual([]);
  });

  it(`never answers a webhook with a 5xx, and refuses every one not validly signed (seed ${SEED})`, () => {
    expect(
      webhookAnswers
        .filter((a) => a.status >= 500)
        .map((a) => `${a.status} ${a.text} ${a.body.slice(0, 80)}`),
    ).toEqual([]);
    expect(webhookAnswers.filter((a) => a.signing !== 'valid' && a.status !== 401)).toEqual([]);
  });

  it(`applies or keeps, with a reason, every validly signed webhook it accepted (seed ${SEED})`, async () => {
    const kept = await keptReportBodies(stack);
    const accepted = webhookAnswers.filter((a) => a.signing === 'valid');
    const lost = accepted
      .filter((a) => a.status !== 200 || (routeWebhook(a.body).action !== 'ignore' && !kept.get(a.body)))
      .map((a) => `${a.status} ${a.body.slice(0, 120)}`);

    expect(accepted.length).toBeGreaterThan(WEBHOOKS / 2);
    expect(lost).toEqual([]);
  });
});
