import { encodeEnvelope } from '../../../../lib/receipts/receipt-envelope';
import { hashRecipient } from '../../../../lib/shared/pii';
import { BodyTooLargeError, createConsoleHandler, type ConsoleRequest } from '../../../../cli/console/router';
import type { Target } from '../../../../cli/target';
import {
  aDeliveryRecord,
  aHistory,
  aReceipt,
  anSmsAttempt,
  at,
  step,
} from '../../../builders/delivery-history';
import { aFakeTarget, type FakeTargetState } from '../support/fake-cli';

const PORT = 8123;
const HOST = `127.0.0.1:${PORT}`;
const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
const PHONE = '+46701234567';
const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';

const TARGET: Target = {
  label: 'stage prod (eu-west-1)',
  local: false,
  region: 'eu-west-1',
  deliveriesTable: 'deliveries',
  receiptsQueueUrl: 'https://sqs/receipts',
  receiptsDlqUrl: 'https://sqs/dlq',
  stateMachineArn: undefined,
  recipientHashKeyParam: '/key',
};

function aTarget(overrides: Partial<FakeTargetState> = {}) {
  const delivery = aDeliveryRecord({ outcome: 'UNDELIVERABLE', outcomeAt: at(70), attempts: 1 });
  return aFakeTarget({
    deliveries: [
      {
        delivery,
        attempts: [
          anSmsAttempt(1, 0.3, [
            aReceipt('FAILED', 2.9, { reasonCode: 'RECIPIENT_NOT_REACHABLE', description: XSS }),
          ]),
        ],
        toHash: hashRecipient(PHONE, 'test-hash-key'),
      },
    ],
    histories: {
      [delivery.executionArn!]: aHistory([
        step.started(0),
        step.entered(0.1, 'SendSms'),
        step.executionSucceeded(71),
      ]),
    },
    ...overrides,
  });
}

function handlerFor(fake = aTarget()) {
  return createConsoleHandler({
    services: fake.services,
    target: TARGET,
    token: TOKEN,
    port: PORT,
    now: () => new Date(at(3600)),
    redriveCommand: 'receipt-sms dlq redrive --stage prod',
  });
}

function request(overrides: Partial<ConsoleRequest> & { body?: string } = {}): ConsoleRequest {
  const { body = '', ...rest } = overrides;
  return {
    method: 'GET',
    target: `/t/${TOKEN}/`,
    headers: { host: HOST },
    readBody: async () => body,
    ...rest,
  };
}

const searchFor = (q: string, headers: Record<string, string> = {}) =>
  request({
    method: 'POST',
    target: `/t/${TOKEN}/search`,
    headers: {
      host: HOST,
      origin: 'null',
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams({ q }).toString(),
  });

describe('console router', () => {
  describe('security', () => {
    it('answers 401 without the token and 403 with a wrong one, showing no data', async () => {
      // Prepare
      const handle = handlerFor();

      // Act
      const missing = await handle(request({ target: '/deliveries/d-otp-1' }));
      const wrong = await handle(request({ target: `/t/${TOKEN.slice(0, -1)}x/deliveries/d-otp-1` }));

      // Assess
      expect(missing.status).toBe(401);
      expect(wrong.status).toBe(403);
      for (const response of [missing, wrong]) {
        expect(response.body).not.toContain('d-otp-1');
        expect(response.body).not.toContain('+46');
        expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      }
    });

    it('refuses a request whose Host is not the console (DNS rebinding)', async () => {
      const response = await handlerFor()(request({ headers: { host: `attacker.example:${PORT}` } }));

      expect(response.status).toBe(403);
      expect(response.body).not.toContain('Search');
    });

    it('allows only GET and HEAD, and POST for the search', async () => {
      const handle = handlerFor();

      const put = await handle(request({ method: 'PUT' }));
      const post = await handle(request({ method: 'POST', target: `/t/${TOKEN}/deliveries` }));

      expect(put.status).toBe(405);
      expect(put.headers.allow).toBe('GET, HEAD');
      expect(post.status).toBe(405);
    });

    it('refuses a search posted from another origin, and one that is not a form', async () => {
      const handle = handlerFor();

      const crossSite = await handle(searchFor('d-otp-1', { origin: 'https://attacker.example' }));
      const json = await handle(searchFor('d-otp-1', { 'content-type': 'application/json' }));

      expect(crossSite.status).toBe(403);
      expect(json.status).toBe(415);
    });

    it('refuses a search body larger than a form sends', async () => {
      const tooLarge = {
        ...searchFor('d-otp-1'),
        readBody: () => Promise.reject(new BodyTooLargeError('more than 4096 bytes')),
      };

      const response = await handlerFor()(tooLarge);

      expect(response.status).toBe(413);
    });

    it('sends the security headers on every page', async () => {
      const response = await handlerFor()(request());

      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'content-type': 'text/html; charset=utf-8',
      });
    });

    it('puts the token in every link of a page, and no inline script or style', async () => {
      const response = await handlerFor()(request({ target: `/t/${TOKEN}/deliveries/d-otp-1` }));

      const links = [...response.body.matchAll(/(?:href|action)="([^"]+)"/g)].map((m) => m[1]!);
      expect(links.length).toBeGreaterThan(3);
      for (const link of links) {
        if (link !== '#main' && !link.startsWith('https://'))
          expect(link.startsWith(`/t/${TOKEN}/`)).toBe(true);
      }
      expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
    });
  });

  describe('pages', () => {
    it('shows the timeline with the masked recipient, reason explained, and the AWS console link', async () => {
      const response = await handlerFor()(request({ target: `/t/${TOKEN}/deliveries/d-otp-1` }));

      expect(response.status).toBe(200);
      expect(response.body).toContain('+46*****4567');
      expect(response.body).toContain('RECIPIENT_NOT_REACHABLE');
      expect(response.body).toContain('What this means');
      expect(response.body).toMatch(
        /href="https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=us-east-1#\/v2\/executions\/details\/arn%3Aaws/,
      );
    });

    it('escapes a script in a field it did not write', async () => {
      const response = await handlerFor()(request({ target: `/t/${TOKEN}/deliveries/d-otp-1` }));

      expect(response.body).not.toContain('<script>alert');
      expect(response.body).not.toContain('<img src=x');
      expect(response.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    });

    it('reloads the page of a delivery still in progress, and only that', async () => {
      // Prepare
      const fake = aTarget();
      fake.state.deliveries.push({ delivery: aDeliveryRecord({ deliveryId: 'd-running' }), attempts: [] });
      const handle = handlerFor(fake);

      // Act
      const running = await handle(request({ target: `/t/${TOKEN}/deliveries/d-running` }));
      const ended = await handle(request({ target: `/t/${TOKEN}/deliveries/d-otp-1` }));

      // Assess
      expect(running.body).toMatch(/<meta http-equiv="refresh" content="5"/);
      expect(running.body).toContain('Still in progress');
      expect(ended.body).not.toContain('http-equiv="refresh"');
    });

    it('answers 404 with a clear message for an unknown id', async () => {
      const response = await handlerFor()(request({ target: `/t/${TOKEN}/deliveries/no-such-delivery` }));

      expect(response.status).toBe(404);
      expect(response.body).toContain('Not found');
      expect(response.body).toContain('No delivery and no Sinch message with id no-such-delivery');
    });

    it('redirects a search by delivery id or Sinch message id to the delivery', async () => {
      const handle = handlerFor();

      const byId = await handle(searchFor('d-otp-1'));
      const byMessage = await handle(searchFor('01HZX4R2K8M3P6Q9S1T4V7W0Y1'));

      expect(byId).toMatchObject({ status: 303, headers: { location: `/t/${TOKEN}/deliveries/d-otp-1` } });
      expect(byMessage).toMatchObject({
        status: 303,
        headers: { location: `/t/${TOKEN}/deliveries/d-otp-1` },
      });
    });

    it('finds deliveries by phone number, showing it only masked', async () => {
      const response = await handlerFor()(searchFor('+46 70 123 45 67'));

      expect(response.status).toBe(200);
      expect(response.body).toContain('Deliveries to <span class="mono">+46*****4567</span>');
      expect(response.body).toContain(`/t/${TOKEN}/deliveries/d-otp-1`);
      expect(response.body.replace(/\D/g, '')).not.toContain('46701234567');
    });

    it('never echoes an unusable phone number', async () => {
      const response = await handlerFor()(searchFor('0701234567'));

      expect(response.status).toBe(400);
      expect(response.body).toContain('must be international');
      expect(response.body).not.toContain('0701234567');
    });

    it('lists recent deliveries with the outcome filter, and says what is wrong with a filter', async () => {
      const handle = handlerFor();

      const listed = await handle(
        request({ target: `/t/${TOKEN}/deliveries?outcome=undeliverable&since=7d` }),
      );
      const bad = await handle(request({ target: `/t/${TOKEN}/deliveries?since=yesterday` }));

      expect(listed.status).toBe(200);
      expect(listed.body).toContain('1 UNDELIVERABLE delivery since');
      expect(listed.body).toMatch(/<option value="UNDELIVERABLE"\s+selected>/);
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('since expects a duration');
    });

    it('shows parked receipts with their reasons, masked, and leaves redrive to the CLI', async () => {
      // Prepare
      const fake = aTarget({
        parked: [
          {
            sqsMessageId: 'sqs-1',
            body: encodeEnvelope({
              receivedAt: at(1),
              rawBody: '{"message_delivery_report":{"channel_identity":{"identity":"46701234567"}}}',
            }),
            attributes: { parkedReason: 'unknown event type', parkedBy: 'processor' },
          },
        ],
      });

      // Act
      const response = await handlerFor(fake)(request({ target: `/t/${TOKEN}/dlq` }));

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toContain('unknown event type');
      expect(response.body).toContain('+46*****4567');
      expect(response.body).not.toContain('46701234567');
      expect(response.body).toContain('receipt-sms dlq redrive --stage prod');
      expect(fake.state.parked).toHaveLength(1);
    });

    it('words an AWS failure with its hint, as a 502, without a stack', async () => {
      const fake = aTarget({
        failWith: Object.assign(new Error('expired'), { name: 'ExpiredTokenException' }),
      });

      const response = await handlerFor(fake)(request({ target: `/t/${TOKEN}/deliveries` }));

      expect(response.status).toBe(502);
      expect(response.body).toContain('your AWS session has expired');
      expect(response.body).not.toContain('at ');
    });
  });
});
