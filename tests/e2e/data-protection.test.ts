import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { retentionTtl } from '../../lib/delivery/meta-item';
import { postDelivery } from '../../local/send-api-client';
import { signWebhook } from '../../lib/ingress/webhook-signature';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { METRIC_CATALOGUE } from '../support/metric-catalogue';
import {
  documentClient,
  sendDelivery,
  storedSecrets,
  waitForOutcomes,
  type DeliveryRequestForTest,
} from '../support/local-stack-deliveries';
import { RUN_HANG_MS, SETUP_HANG_MS } from '../support/patience';

/**
 * Personal data and retention, end to end. Representative traffic goes through the real functions on the
 * local stack: deliveries on every path (delivered, resent, emailed after a permanent failure, after a
 * Sinch refusal and after a configuration failure, undeliverable), a repeated and a conflicting request,
 * invalid requests that carry numbers and addresses in odd places, forged and unusable webhooks. Then
 * everything the stack captured is scanned for the full numbers (with and without `+`), the addresses, the
 * texts and codes, and the stage's secrets: every function log line, every EMF metrics blob, every
 * execution's name, input, output and history, and every EventBridge event. Finally every item in the table
 * must carry its TTL.
 */

const RETENTION_DAYS = 30; // params.default.retentionDays: the local stage sets none of its own.
const NAMESPACE = 'ReceiptDrivenSms/local';
const FUNCTIONS = ['ingress', 'processor', 'send', 'sendSms', 'decideNext', 'sendEmail', 'recordOutcome'];
/** The keys of a `DeliveryOutcome` event's detail (lib/workflow/task-contract.ts): none of them personal. */
const OUTCOME_DETAIL_KEYS = [
  'createdAt',
  'deliveryId',
  'emailSent',
  'expiresAt',
  'failureClasses',
  'lastSmsFailure',
  'outcome',
  'outcomeAt',
  'secondsToOutcome',
  'smsAttempts',
  'smsProviders',
  'stage',
];

interface Traffic {
  readonly request: DeliveryRequestForTest;
  readonly code: string;
}

/** One delivery to a scenario number of the simulated Sinch, with its own code and address. */
function delivery(id: string, number: string, code: string, withEmail = true): Traffic {
  const text = `Your data-protection ${id} code is ${code}`;
  return {
    code,
    request: {
      deliveryId: `dp-${id}`,
      to: number,
      text,
      ...(withEmail && {
        email: { to: `dp.${id}@example.com`, subject: 'Your code', text: `${text}. It expires soon.` },
      }),
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    },
  };
}

const DELIVERIES: readonly Traffic[] = [
  delivery('delivered', '+46701740610', '73914628'),
  delivery('resent', '+46701740613', '58203917'),
  delivery('permanent', '+46701740620', '41862035'),
  delivery('refused', '+46701740632', '96027341'),
  delivery('config', '+46701740624', '30718452'),
  delivery('undeliverable', '+46701740620', '82640193', false),
];

/** Reuses the first delivery's id for another recipient, address and code: a 409. */
const CONFLICTING = {
  ...DELIVERIES[0]!.request,
  to: '+46701740691',
  text: 'Your conflicting code is 61950284',
  email: {
    to: 'conflict.other@example.com',
    subject: 'Your code',
    text: 'Your conflicting code is 61950284',
  },
};

/** Invalid requests that carry personal data where validation fails, or where no field is expected. */
const INVALID_REQUESTS: readonly unknown[] = [
  { to: '+467017406920000000', text: 'Your code is 27048159', expiresAt: DELIVERIES[0]!.request.expiresAt },
  {
    to: '+46701740693',
    text: 'Your code is 27048159',
    email: { to: 'mailto:bob.invalid@example.org', subject: 'Your code', text: 'Your code is 27048159' },
    expiresAt: DELIVERIES[0]!.request.expiresAt,
  },
  { 'carol@example.net': '+46701740694', to: '+46701740694', text: 'x', expiresAt: 'tomorrow' },
  'to=+46701740695&text=Your code is 27048159',
];

/** Signed bodies the processor cannot use, and a forged one: each quotes a number. */
const UNUSABLE_REPORT = JSON.stringify({
  app_id: 'app',
  message_delivery_report: {
    status: 'DELIVERED',
    channel_identity: { channel: 'SMS', identity: '46701740696' },
  },
});
const NOT_JSON = 'recipient 46701740697 was unreachable';
const FORGED_REPORT = JSON.stringify({
  message_delivery_report: {
    message_id: '01HZZFORGEDMESSAGE0000000',
    status: 'DELIVERED',
    channel_identity: { channel: 'SMS', identity: '46701740698' },
  },
});

/** Every personal string the traffic carried. */
function personalData(): string[] {
  const numbers = [
    ...DELIVERIES.map(({ request }) => request.to),
    CONFLICTING.to,
    '+467017406920000000',
    '+46701740692',
    '+46701740693',
    '+46701740694',
    '+46701740695',
    '+46701740696',
    '+46701740697',
    '+46701740698',
  ];
  return [
    ...numbers,
    ...numbers.map((number) => number.slice(1)),
    ...DELIVERIES.flatMap(({ request, code }) => [
      request.text,
      code,
      request.email?.to ?? '',
      request.email?.text ?? '',
    ]),
    CONFLICTING.text,
    CONFLICTING.email.to,
    '61950284',
    '27048159',
    'bob.invalid@example.org',
    'carol@example.net',
  ].filter((value) => value.length > 0);
}

function findings(text: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => text.includes(needle));
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('data protection on the local stack', () => {
  let stack: LocalStack;
  let needles: string[];
  const answers: Record<string, number[]> = { repeated: [], conflicting: [], invalid: [], webhooks: [] };

  const functionLines = () => stack.logs.filter((entry) => FUNCTIONS.includes(entry.source));
  const emfBlobs = () =>
    functionLines()
      .map((entry) => {
        try {
          return JSON.parse(entry.line) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .filter((blob): blob is Record<string, unknown> => blob !== undefined && '_aws' in blob);

  const postWebhook = async (body: string, headers: Record<string, string>): Promise<number> => {
    const response = await fetch(stack.description.functionUrls.ingress!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return response.status;
  };

  beforeAll(async () => {
    stack = await startLocalStack({ fast: true, stackFile: false });
    const send = (request: unknown) =>
      postDelivery(stack.description.functionUrls.send!, request, {
        region: stack.clientConfig.region,
        credentials: stack.clientConfig.credentials,
      });

    const started = await Promise.all(DELIVERIES.map(({ request }) => sendDelivery(stack, request)));
    expect(started.map((response) => response.status)).toEqual(DELIVERIES.map(() => 202));

    answers.repeated!.push((await sendDelivery(stack, DELIVERIES[0]!.request)).status);
    answers.conflicting!.push((await send(CONFLICTING)).status);
    for (const request of INVALID_REQUESTS) answers.invalid!.push((await send(request)).status);

    const secret = stack.description.webhookSecret;
    answers.webhooks!.push(
      await postWebhook(FORGED_REPORT, signWebhook(FORGED_REPORT, 'not-the-webhook-secret')),
      await postWebhook(UNUSABLE_REPORT, signWebhook(UNUSABLE_REPORT, secret)),
      await postWebhook(NOT_JSON, signWebhook(NOT_JSON, secret)),
    );

    await waitForOutcomes(
      stack,
      DELIVERIES.map(({ request }) => request.deliveryId),
      RUN_HANG_MS,
    );
    // The processor parks the unusable report after the ingress queued it.
    await waitUntil(
      async () =>
        ((await stack.sqs.inspect(stack.queues.ReceiptsDlq!.name))?.messages.ready.length ?? 0) >= 2,
      'both unusable webhooks to be parked',
      RUN_HANG_MS,
    );
    needles = [...personalData(), stack.description.webhookSecret, ...(await storedSecrets(stack))];
  }, SETUP_HANG_MS + RUN_HANG_MS);

  afterAll(async () => {
    await stack?.stop();
  });

  it('answered the traffic as the API promises', () => {
    expect(answers).toEqual({
      repeated: [200],
      conflicting: [409],
      invalid: [400, 400, 400, 400],
      webhooks: [401, 200, 200],
    });
  });

  it('keeps personal data and secrets out of every function log line', () => {
    const lines = functionLines();

    expect(lines.length).toBeGreaterThan(50);
    expect(
      lines
        .filter((entry) => findings(entry.line, needles).length > 0)
        .map(
          (entry) =>
            `${entry.source}: ${findings(entry.line, needles).join(', ')}: ${entry.line.slice(0, 160)}`,
        ),
    ).toEqual([]);
  });

  it('names the stage on every structured log line of every function', () => {
    const structured = functionLines()
      .map((entry) => ({
        source: entry.source,
        record: JSON.parse(entry.line.startsWith('{') ? entry.line : '{}'),
      }))
      .filter(({ record }) => typeof record === 'object' && 'level' in record && 'service' in record);

    expect(new Set(structured.map(({ source }) => source))).toEqual(new Set(FUNCTIONS));
    expect(
      structured
        .filter(({ record }) => record.stage !== 'local')
        .map(({ source, record }) => `${source}: ${record.message}`),
    ).toEqual([]);
  });

  it('publishes only catalogued metrics, with catalogued dimensions whose values are never personal', () => {
    const blobs = emfBlobs();
    const problems: string[] = [];

    expect(blobs.length).toBeGreaterThan(20);
    for (const blob of blobs) {
      const directives = (
        blob._aws as {
          CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
        }
      ).CloudWatchMetrics;
      for (const { Namespace, Dimensions, Metrics } of directives) {
        if (Namespace !== NAMESPACE) problems.push(`namespace ${Namespace}`);
        for (const { Name } of Metrics) {
          const spec = METRIC_CATALOGUE[Name];
          if (!spec) problems.push(`uncatalogued metric ${Name}`);
          for (const keys of Dimensions) {
            const expected = ['service', ...(spec?.dimensions ?? [])].sort().join(',');
            if ([...keys].sort().join(',') !== expected)
              problems.push(`${Name} with dimensions ${keys.join(',')}`);
            for (const key of keys) {
              const value = String(blob[key]);
              if (
                !/^[A-Za-z0-9_.-]{1,64}$/.test(value) ||
                /\d{7}/.test(value) ||
                findings(value, needles).length > 0
              ) {
                problems.push(`${Name} dimension ${key}=${value}`);
              }
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps personal data and secrets out of every execution name, input, output and history', () => {
    const executions = stack.engine.listExecutions();
    const everything = JSON.stringify(
      executions.map(({ executionArn }) => ({
        description: stack.engine.describeExecution(executionArn!),
        history: stack.engine.getExecutionHistory(executionArn!),
      })),
    );

    expect(executions.map(({ name }) => name).sort()).toEqual(
      DELIVERIES.map(({ request }) => request.deliveryId).sort(),
    );
    expect(findings(everything, needles)).toEqual([]);
  });

  it('keeps personal data and secrets out of every EventBridge event, whose detail holds only outcome fields', () => {
    const events = stack.events.events;

    expect(events).toHaveLength(DELIVERIES.length);
    expect(findings(JSON.stringify(events), needles)).toEqual([]);
    for (const event of events)
      expect(Object.keys(event.detail as object).sort()).toEqual(OUTCOME_DETAIL_KEYS);
  });

  it('writes every item of every delivery with its TTL: the code expiry plus the retention days', async () => {
    const documents = documentClient(stack);
    const { Items = [] } = await documents.send(
      new ScanCommand({ TableName: stack.description.resources.deliveriesTable! }),
    );
    documents.destroy();
    const expiresAt = new Map(
      Items.filter((item) => item.SK === 'META').map((item) => [item.PK as string, item.expiresAt as string]),
    );

    expect(new Set(Items.map((item) => item.PK))).toEqual(
      new Set(DELIVERIES.map(({ request }) => `D#${request.deliveryId}`)),
    );
    expect(Items.filter((item) => item.SK !== 'META').length).toBeGreaterThanOrEqual(DELIVERIES.length + 3);
    for (const item of Items) {
      expect({ key: `${item.PK} ${item.SK}`, ttl: item.ttl }).toEqual({
        key: `${item.PK} ${item.SK}`,
        ttl: retentionTtl(expiresAt.get(item.PK as string)!, RETENTION_DAYS),
      });
    }
  });
});
