import { SendEmailCommand, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { boundedClientOptions } from '../../../lib/shared/aws-clients';
import { createFaultInjector, type FaultInjector } from '../../../local/fault-injector';
import type { Faults } from '../../../local/faults';
import { startSesEmulator, type SesEmulator } from '../../../local/ses-emulator';
import { startSesFaultProxy } from '../../../local/ses-fault-proxy';
import type { ServiceProxy } from '../../../local/service-proxy';

const SENDER = 'no-reply@receipt-driven-sms.example.com';
const RECIPIENT = 'alice.private@example.com';

describe('the SES fault proxy in front of aws-ses-v2-local, through the SES v1 client', () => {
  let emulator: SesEmulator;
  let proxy: ServiceProxy;
  let ses: SESClient;
  let injector: FaultInjector;
  let lines: string[];

  const start = async (faults: Faults): Promise<void> => {
    lines = [];
    injector = createFaultInjector({ faults, log: (line) => lines.push(line) });
    proxy = await startSesFaultProxy({
      target: emulator.endpoint,
      injector,
      verifiedIdentities: [SENDER],
      region: 'eu-west-1',
    });
    // As the send-email function builds it (two attempts).
    ses = new SESClient({
      ...boundedClientOptions(),
      maxAttempts: 2,
      region: 'eu-west-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  };

  const email = (to: string) =>
    new SendEmailCommand({
      Source: SENDER,
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: 'Your code' }, Body: { Text: { Data: 'Your code is 123456' } } },
    });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as { name: string; message: string; $metadata: Record<string, unknown> },
    );

  beforeAll(async () => {
    emulator = await startSesEmulator();
  });

  afterEach(async () => {
    ses.destroy();
    await proxy.stop();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  describe('ses-sandbox', () => {
    it('rejects an unverified recipient with MessageRejected, naming the address as SES does', async () => {
      // Prepare
      await start({ sesSandbox: true });
      const before = (await emulator.emails()).length;

      // Act
      const error = await failure(ses.send(email(RECIPIENT)));

      // Assess
      expect(error).toMatchObject({
        name: 'MessageRejected',
        message: `Email address is not verified. The following identities failed the check in region EU-WEST-1: ${RECIPIENT}`,
        $metadata: { httpStatusCode: 400 },
      });
      expect((await emulator.emails()).length).toBe(before);
      expect(injector.counts()['ses-sandbox']).toBe(1);
    });

    it('never writes the recipient address to its log line', async () => {
      // Prepare
      await start({ sesSandbox: true });

      // Act
      await failure(ses.send(email(RECIPIENT)));

      // Assess
      expect(lines).toEqual([
        'fault ses-sandbox: MessageRejected (400) to SES SendEmail: 1 unverified identity (#1)',
      ]);
      expect(lines.join('\n')).not.toContain('alice');
    });

    it('sends to the verified sender address itself', async () => {
      // Prepare
      await start({ sesSandbox: true });

      // Act
      const sent = await ses.send(email(SENDER));

      // Assess
      expect(sent.MessageId).toEqual(expect.any(String));
      const stored = (await emulator.emails()).find((message) => message.messageId === sent.MessageId);
      expect(stored?.destination.to).toEqual([SENDER]);
      expect(injector.counts()['ses-sandbox']).toBe(0);
    });

    it('checks the recipients of a raw email too', async () => {
      // Prepare
      await start({ sesSandbox: true });
      const raw = `From: ${SENDER}\r\nTo: ${RECIPIENT}\r\nSubject: Your code\r\n\r\nYour code is 123456\r\n`;

      // Act
      const error = await failure(
        ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } })),
      );

      // Assess
      expect(error?.name).toBe('MessageRejected');
    });
  });

  describe('ses-throttle', () => {
    it('answers every send with Throttling at a share of 1, after the client’s own retry', async () => {
      // Prepare
      await start({ sesThrottle: 1 });

      // Act
      const error = await failure(ses.send(email(SENDER)));

      // Assess
      expect(error).toMatchObject({
        name: 'Throttling',
        message: 'Maximum sending rate exceeded.',
        $metadata: { httpStatusCode: 400, attempts: 2 },
      });
      expect(injector.counts()['ses-throttle']).toBe(2);
    });

    it('sends everything at a share of 0', async () => {
      // Prepare
      await start({ sesThrottle: 0 });

      // Act
      const sent = await ses.send(email(RECIPIENT));

      // Assess
      expect(sent.MessageId).toEqual(expect.any(String));
    });
  });
});
