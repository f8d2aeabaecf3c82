import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { signWebhook } from '../../../lib/ingress/webhook-signature';
import { maskPhone } from '../../../lib/shared/pii';
import type { Outcome } from '../../../lib/table/delivery-model';
import { SCENARIOS } from '../../../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { EXIT_CODES } from '../../../cli/exit-codes';
import { main } from '../../../cli/receipt-sms';
import { launchHeadlessChromium, type HeadlessBrowser } from '../../support/headless-chromium';
import {
  sendDelivery,
  waitForMessageId,
  waitForOutcomes,
  type DeliveryRequestForTest,
} from '../../support/local-stack-deliveries';
import { aCapturedIo } from '../../unit/cli/support/fake-cli';

/**
 * The support console in a real browser (headless Chromium) against the local stack: one delivery of
 * each outcome goes through the send API, a webhook is parked in the DLQ, then `receipt-sms console
 * --local` serves them and the tests use the pages as a support person would, keyboard included. The
 * number, the email address and the text must never reach a page; the token, the Host check and the CSP
 * must hold.
 *
 * `UPDATE_SCREENSHOTS=1 npx jest tests/e2e/console` also writes docs/images/console-timeline.png.
 */

const TEXT = 'Your console code is 551207';
const STACK_START_MS = 240_000;
const DELIVERIES_MS = 180_000;
const PAGE_MS = 60_000;

const scenario = (id: string) => SCENARIOS.find((s) => s.id === id)!;

describe('the support console in a browser, against the local stack', () => {
  let stack: LocalStack;
  let dir: string;
  let browser: HeadlessBrowser;
  let consoleUrl: string;
  const stop = new AbortController();
  let served: Promise<number>;
  const cspViolations: string[] = [];
  const run = Date.now().toString(36);

  const permanent = scenario('failed-permanent');
  const emailOf = (name: string) => `console+${name}@example.com`;
  const cases: readonly {
    name: string;
    outcome: Outcome;
    validSeconds: number;
    request: Omit<DeliveryRequestForTest, 'expiresAt'>;
  }[] = [
    ['delivered', 'DELIVERED', scenario('delivered'), true, 15 * 60],
    ['resent', 'DELIVERED_AFTER_RESEND', scenario('fails-then-delivers'), true, 15 * 60],
    ['emailed', 'EMAIL_SENT', permanent, true, 15 * 60],
    ['undeliverable', 'UNDELIVERABLE', permanent, false, 15 * 60],
    // Sinch never reports and the code expires before the first receipt timeout ends.
    ['expired', 'EXPIRED', scenario('no-report'), true, 3],
  ].map(([name, outcome, s, withEmail, validSeconds]) => ({
    name: name as string,
    outcome: outcome as Outcome,
    validSeconds: validSeconds as number,
    request: {
      deliveryId: `con-${run}-${name as string}`,
      to: (s as (typeof SCENARIOS)[number]).number,
      text: TEXT,
      ...(withEmail ? { email: { to: emailOf(name as string), subject: 'Your code', text: TEXT } } : {}),
    },
  }));
  const caseNamed = (name: string) => cases.find((c) => c.name === name)!;

  /** Every personal value sent: none may appear in any page. */
  const personal = [
    ...new Set(cases.flatMap((c) => [c.request.to.slice(1), c.request.email?.to ?? TEXT, TEXT])),
  ];

  async function openPage(path: string | null = ''): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    if (path !== null) await page.goto(`${consoleUrl}${path}`);
    return page;
  }

  function expectNothingPersonal(html: string): void {
    for (const value of personal) expect(html).not.toContain(value);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'receipt-sms-console-e2e-'));
    const stackFile = join(dir, 'stack.json');
    stack = await startLocalStack({ fast: true, stackFile, root: process.cwd() });

    for (const { request, validSeconds } of cases) {
      const expiresAt = new Date(Date.now() + validSeconds * 1000).toISOString();
      const response = await sendDelivery(stack, { ...request, expiresAt });
      expect({ deliveryId: request.deliveryId, status: response.status }).toEqual({
        deliveryId: request.deliveryId,
        status: 202,
      });
    }
    // A signed webhook the processor cannot use: it ends in the DLQ with its reason.
    const unusable = JSON.stringify({
      app_id: 'app',
      message_delivery_report: {
        status: 'DELIVERED',
        channel_identity: { channel: 'SMS', identity: '46701740696' },
      },
    });
    const parked = await fetch(stack.description.functionUrls.ingress!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook(unusable, stack.description.webhookSecret),
      },
      body: unusable,
    });
    expect(parked.status).toBe(200);
    personal.push('46701740696');

    const ended = await waitForOutcomes(
      stack,
      cases.map((c) => c.request.deliveryId),
      DELIVERIES_MS - 20_000,
    );
    expect([...ended.values()].map((e) => e.status)).toEqual(cases.map(() => 'SUCCEEDED'));
    for (;;) {
      const dlq = await stack.sqs.inspect(stack.queues.ReceiptsDlq!.name);
      if ((dlq?.messages.ready.length ?? 0) >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const io = { ...aCapturedIo(), signal: stop.signal };
    served = main(['console', '--local', '--stack-file', stackFile], io);
    for (;;) {
      const printed = /http:\/\/127\.0\.0\.1:\d+\/t\/[\w-]+\//.exec(io.out())?.[0];
      if (printed) {
        consoleUrl = printed;
        break;
      }
      if (io.err()) throw new Error(io.err());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    browser = await launchHeadlessChromium();
  }, STACK_START_MS + DELIVERIES_MS);

  afterAll(async () => {
    stop.abort();
    if (served) expect(await served).toBe(EXIT_CODES.ok);
    await browser?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'finds a delivery by its id from the search form, by keyboard alone',
    async () => {
      // Prepare
      const page = await openPage();
      const { deliveryId } = caseNamed('delivered').request;

      // Act
      // The search box has the focus on arrival; typing and Enter are all it takes.
      await expect(page.evaluate<string>('document.activeElement.id')).resolves.toBe('q');
      await page.keyboard.type(deliveryId);
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/deliveries/${deliveryId}`);

      // Assess
      await expect(page.locator('h1').textContent()).resolves.toContain(deliveryId);
      await expect(page.locator('dl.facts').textContent()).resolves.toContain('DELIVERED');
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'finds a delivery by its Sinch message id',
    async () => {
      // Prepare
      const { deliveryId } = caseNamed('resent').request;
      const messageId = await waitForMessageId(stack, deliveryId);
      const page = await openPage();

      // Act
      await page.fill('#q', messageId);
      await page.click('button[type=submit]');
      await page.waitForURL(`**/deliveries/${deliveryId}`);

      // Assess
      await expect(page.locator('h1').textContent()).resolves.toContain(deliveryId);
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'finds the deliveries to a phone number, with the number only masked and never in the URL',
    async () => {
      // Prepare
      const page = await openPage();

      // Act
      await page.fill('#q', permanent.number);
      await page.press('#q', 'Enter');
      await page.waitForSelector('table');

      // Assess
      expect(page.url()).not.toContain(permanent.number.slice(1));
      const html = await page.content();
      expectNothingPersonal(html);
      await expect(page.locator('h1').textContent()).resolves.toContain(maskPhone(permanent.number));
      const ids = await page.locator('tbody a').allTextContents();
      expect(ids.sort()).toEqual(
        [caseNamed('emailed').request.deliveryId, caseNamed('undeliverable').request.deliveryId].sort(),
      );
      await expect(page.locator('#q').inputValue()).resolves.toBe('');
      await page.close();
    },
    PAGE_MS,
  );

  it.each(['delivered', 'resent', 'emailed', 'undeliverable', 'expired'])(
    'shows the timeline of the %s delivery, with masked values only',
    async (name) => {
      // Prepare
      const { request, outcome } = caseNamed(name);

      // Act
      const page = await openPage(`deliveries/${request.deliveryId}`);

      // Assess
      const facts = await page.locator('dl.facts').innerText();
      expect(facts).toContain(outcome);
      expect(facts).toContain(maskPhone(request.to));
      const steps = await page.locator('ol.timeline li').allInnerTexts();
      expect(steps.join('\n')).toContain('Delivery requested');
      expect(steps.join('\n')).toContain(`Outcome ${outcome}`);
      await expect(page.locator('h2', { hasText: 'What this means' }).count()).resolves.toBe(1);
      expectNothingPersonal(await page.content());
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'explains the reason code of a permanent failure and shows the email fallback masked',
    async () => {
      const page = await openPage(`deliveries/${caseNamed('emailed').request.deliveryId}`);

      const timeline = await page.locator('ol.timeline').innerText();

      expect(timeline).toMatch(/Receipt FAILED · \w+ · class Permanent/);
      expect(timeline).toContain('Email sent to c');
      expect(timeline).toContain('@example.com');
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'filters recent deliveries by outcome',
    async () => {
      // Prepare
      const page = await openPage('deliveries');

      // Act
      await page.selectOption('#outcome', 'UNDELIVERABLE');
      await page.click('form button');
      await page.waitForURL('**/deliveries?outcome=UNDELIVERABLE*');

      // Assess
      const ids = await page.locator('tbody a').allTextContents();
      expect(ids).toContain(caseNamed('undeliverable').request.deliveryId);
      expect(ids).not.toContain(caseNamed('delivered').request.deliveryId);
      const outcomes = await page.locator('tbody td:nth-child(4)').allTextContents();
      expect(new Set(outcomes)).toEqual(new Set(['UNDELIVERABLE']));
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'shows the parked receipts with their reasons, masked, and points to the CLI for a redrive',
    async () => {
      const page = await openPage('dlq');

      const text = await page.locator('main').innerText();

      expect(text).toContain('Nothing was removed');
      expect(text).toContain(maskPhone('+46701740696'));
      expect(text).toContain('receipt-sms dlq redrive --local');
      expectNothingPersonal(await page.content());
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'shows a clear "not found" for an unknown id',
    async () => {
      // Act
      const page = await openPage(null);
      const response = await page.goto(`${consoleUrl}deliveries/con-${run}-no-such-delivery`);

      // Assess
      expect(response?.status()).toBe(404);
      await expect(page.locator('h1').textContent()).resolves.toBe('Not found');
      await expect(page.locator('[role=alert]').textContent()).resolves.toContain(
        'No delivery and no Sinch message',
      );
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'sends a strict Content-Security-Policy, and the pages need nothing it forbids',
    async () => {
      const page = await openPage(null);
      const response = await page.goto(`${consoleUrl}deliveries/${caseNamed('resent').request.deliveryId}`);

      const headers = response!.headers();

      expect(headers['content-security-policy']).toContain("default-src 'none'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['x-content-type-options']).toBe('nosniff');
      // The stylesheet loaded under the CSP: the page is styled.
      const font = await page.evaluate<string>('getComputedStyle(document.body).fontFamily');
      expect(font).toContain('system-ui');
      expect(cspViolations).toEqual([]);
      await page.close();
    },
    PAGE_MS,
  );

  it(
    'stays readable at 200 % zoom, and follows the dark colour scheme',
    async () => {
      // Prepare: 640 CSS pixels wide is a 1280-pixel window at 200 %.
      const page = await openPage(null);
      await page.setViewportSize({ width: 640, height: 900 });
      const path = `deliveries/${caseNamed('emailed').request.deliveryId}`;

      // Act
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${consoleUrl}${path}`);
      const light = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');

      // Assess
      expect(overflow).toBeLessThanOrEqual(0);
      expect(light).toBe('rgb(255, 255, 255)');
      expect(dark).not.toBe(light);
      await page.close();
    },
    PAGE_MS,
  );

  describe('access', () => {
    const get = (path: string, host?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(path, consoleUrl);
        const req = httpRequest(
          { host: '127.0.0.1', port: url.port, path: url.pathname, headers: host ? { host } : {} },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    it('answers 401 without the token and 403 with a wrong one, with no data', async () => {
      const { deliveryId } = caseNamed('delivered').request;
      const token = new URL(consoleUrl).pathname.split('/')[2]!;

      const missing = await get(`/deliveries/${deliveryId}`);
      const wrong = await get(`/t/${token.slice(0, -2)}xx/deliveries/${deliveryId}`);

      expect(missing.status).toBe(401);
      expect(wrong.status).toBe(403);
      for (const { body } of [missing, wrong]) {
        expect(body).not.toContain(deliveryId);
        expect(body).not.toContain('+46');
      }
    });

    it('refuses a request for another host name, as DNS rebinding would send', async () => {
      const port = new URL(consoleUrl).port;

      const rebound = await get(
        `${new URL(consoleUrl).pathname}deliveries/${caseNamed('delivered').request.deliveryId}`,
        `rebind.example:${port}`,
      );

      expect(rebound.status).toBe(403);
      expect(rebound.body).not.toContain('con-');
    });
  });

  it(
    'takes the screenshot of a timeline for the runbook when asked to',
    async () => {
      if (process.env.UPDATE_SCREENSHOTS !== '1') return;
      const page = await openPage(null);
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(`${consoleUrl}deliveries/${caseNamed('resent').request.deliveryId}`);
      await page.screenshot({
        path: join(process.cwd(), 'docs', 'images', 'console-timeline.png'),
        fullPage: true,
      });
      await page.close();
    },
    PAGE_MS,
  );
});
