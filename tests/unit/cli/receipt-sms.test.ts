import { hashRecipient } from '../../../lib/shared/pii';
import { encodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import { TargetError } from '../../../cli/errors';
import { EXIT_CODES } from '../../../cli/exit-codes';
import { main, type MainDependencies } from '../../../cli/receipt-sms';
import { aDeliveryRecord, aHistory, aReceipt, anSmsAttempt, at, step } from '../../builders/delivery-history';
import { aCapturedIo, aFakeTarget, PROD_OUTPUTS, type FakeTargetState } from './support/fake-cli';

const PHONE = '+46701234567';
const EXECUTION_ARN = aDeliveryRecord().executionArn!;

function aDeliveredTarget(overrides: Partial<FakeTargetState> = {}) {
  return aFakeTarget({
    deliveries: [
      {
        delivery: aDeliveryRecord({ outcome: 'DELIVERED', outcomeAt: at(3), attempts: 1 }),
        attempts: [anSmsAttempt(1, 0.3, [aReceipt('DELIVERED', 2.9)])],
        toHash: hashRecipient(PHONE, 'test-hash-key'),
      },
    ],
    histories: {
      [EXECUTION_ARN]: aHistory([
        step.started(0),
        step.entered(0.1, 'SendSms'),
        step.executionSucceeded(3.1),
      ]),
    },
    ...overrides,
  });
}

function depsFor(target: ReturnType<typeof aFakeTarget>): MainDependencies & { stages: string[] } {
  const stages: string[] = [];
  return {
    stages,
    connect: () => target.services,
    fetchStackOutputs: async (stackName, _stage, region) => {
      stages.push(stackName);
      return { outputs: PROD_OUTPUTS, region: region ?? 'eu-west-1' };
    },
  };
}

describe('receipt-sms main', () => {
  describe('help and usage', () => {
    it('prints the overview on stdout for --help and exits 0', async () => {
      const io = aCapturedIo();

      const code = await main(['--help'], io);

      expect(code).toBe(EXIT_CODES.ok);
      expect(io.out()).toMatch(/^receipt-sms: what happened to this message\?/);
      expect(io.out()).toContain('Exit codes: 0 ok, 1 not found, 2 usage error');
    });

    it.each([['inspect'], ['list'], ['find'], ['dlq', 'list'], ['dlq', 'redrive'], ['console']])(
      'has --help for %s',
      async (...command) => {
        const io = aCapturedIo();

        const code = await main([...command, '--help'], io);

        expect(code).toBe(EXIT_CODES.ok);
        expect(io.out()).toContain(`Usage: receipt-sms ${command.join(' ')}`);
        expect(io.out()).toContain('Examples:');
      },
    );

    it('prints help on stderr and exits 2 when no command is named', async () => {
      const io = aCapturedIo();

      const code = await main([], io);

      expect(code).toBe(EXIT_CODES.usage);
      expect(io.out()).toBe('');
      expect(io.err()).toContain('Commands:');
    });

    it('reports a usage error with a hint and exits 2', async () => {
      const io = aCapturedIo();

      const code = await main(['list', '--stage', 'prod', '--limit', 'lots'], io, depsFor(aFakeTarget()));

      expect(code).toBe(EXIT_CODES.usage);
      expect(io.err()).toBe('receipt-sms: --limit must be a whole number from 1 to 1000, got "lots"\n');
    });
  });

  describe('target', () => {
    it('resolves a stage from the stack receipt-driven-sms-<stage> and closes its clients', async () => {
      // Prepare
      const target = aDeliveredTarget();
      const deps = depsFor(target);
      const io = aCapturedIo();

      // Act
      const code = await main(['inspect', 'd-otp-1', '--stage', 'prod', '--json'], io, deps);

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(deps.stages).toEqual(['receipt-driven-sms-prod']);
      expect(target.state.closed).toBe(true);
    });

    it('exits 3 with the reason when the stage cannot be resolved', async () => {
      // Prepare
      const io = aCapturedIo();
      const deps: MainDependencies = {
        fetchStackOutputs: async () => {
          throw new TargetError('Stage "nope" is not deployed in eu-west-1.', 'Check the stage name.');
        },
      };

      // Act
      const code = await main(['list', '--stage', 'nope'], io, deps);

      // Assess
      expect(code).toBe(EXIT_CODES.target);
      expect(io.err()).toBe(
        'receipt-sms: Stage "nope" is not deployed in eu-west-1.\n  Check the stage name.\n',
      );
    });

    it('explains missing credentials while resolving a stage', async () => {
      // Prepare
      const io = aCapturedIo();
      const deps: MainDependencies = {
        fetchStackOutputs: async () => {
          throw Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          });
        },
      };

      // Act
      const code = await main(['list', '--stage', 'prod'], io, deps);

      // Assess
      expect(code).toBe(EXIT_CODES.target);
      expect(io.err()).toContain('Failed finding the stage (stage prod): no AWS credentials were found.');
    });

    it('tells the user to start the local stack when its file is missing', async () => {
      const io = aCapturedIo();

      const code = await main(['list', '--local'], io);

      expect(code).toBe(EXIT_CODES.target);
      expect(io.err()).toContain(
        'The local stack is not running: /nonexistent/.local/stack.json does not exist.',
      );
      expect(io.err()).toContain('npm start');
    });

    it('maps an AWS error during a command to exit 3, naming the command and target', async () => {
      // Prepare
      const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
      const target = aDeliveredTarget({ failWith: denied });
      const io = aCapturedIo();

      // Act
      const code = await main(['inspect', 'd-otp-1', '--stage', 'prod'], io, depsFor(target));

      // Assess
      expect(code).toBe(EXIT_CODES.target);
      expect(io.err()).toContain(
        'Failed reading the delivery (stage prod (eu-west-1)): your AWS identity is not allowed to do this.',
      );
      expect(target.state.closed).toBe(true);
    });
  });

  describe('inspect', () => {
    it('prints the report as JSON, with guidance', async () => {
      // Prepare
      const io = aCapturedIo();

      // Act
      const code = await main(
        ['inspect', 'd-otp-1', '--stage', 'prod', '--json'],
        io,
        depsFor(aDeliveredTarget()),
      );

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      const report = JSON.parse(io.out());
      expect(report).toMatchObject({
        deliveryId: 'd-otp-1',
        recipient: '+46*****4567',
        outcome: 'DELIVERED',
        executionArn: EXECUTION_ARN,
        executionStatus: 'SUCCEEDED',
        historyAvailable: true,
        guidance: [{ action: expect.stringContaining('look in their messages') }],
      });
      expect(report.timeline.map((e: { kind: string }) => e.kind)).toEqual([
        'requested',
        'started',
        'sms-sent',
        'receipt',
        'outcome',
        'execution-ended',
      ]);
    });

    it('finds a delivery by its Sinch message id and prints plain text when piped', async () => {
      const io = aCapturedIo();

      const code = await main(
        ['inspect', '01HZX4R2K8M3P6Q9S1T4V7W0Y1', '--stage', 'prod'],
        io,
        depsFor(aDeliveredTarget()),
      );

      expect(code).toBe(EXIT_CODES.ok);
      expect(io.out()).toMatch(/^Delivery {3}d-otp-1$/m);
      expect(io.out()).not.toContain('\u001b[');
    });

    it("links a deployed stage's execution to the AWS console", async () => {
      const io = aCapturedIo();

      await main(['inspect', 'd-otp-1', '--stage', 'prod'], io, depsFor(aDeliveredTarget()));

      expect(io.out()).toMatch(
        /^Console {4}https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/states\/home\?region=[a-z0-9-]+#\/v2\/executions\/details\/arn%3Aaws%3Astates%3A/m,
      );
    });

    it('explains the reason code with the processor classifier', async () => {
      // Prepare
      const target = aFakeTarget({
        deliveries: [
          {
            delivery: aDeliveryRecord(),
            attempts: [
              anSmsAttempt(1, 0.3, [aReceipt('FAILED', 4, { reasonCode: 'CHANNEL_BAD_CONFIGURATION' })]),
            ],
          },
        ],
      });
      const io = aCapturedIo();

      // Act
      await main(['inspect', 'd-otp-1', '--stage', 'prod', '--json'], io, depsFor(target));

      // Assess
      const report = JSON.parse(io.out());
      expect(report.attempts[0]).toMatchObject({
        failureClass: 'Config',
        reasonCode: 'CHANNEL_BAD_CONFIGURATION',
      });
      expect(report.attempts[0].meaning).toMatch(/misconfigured/);
      expect(report.historyAvailable).toBe(false);
    });

    it('exits 1 for an unknown id, on stderr only', async () => {
      const io = aCapturedIo();

      const code = await main(
        ['inspect', 'no-such-id', '--stage', 'prod', '--json'],
        io,
        depsFor(aDeliveredTarget()),
      );

      expect(code).toBe(EXIT_CODES.notFound);
      expect(io.out()).toBe('');
      expect(io.err()).toContain(
        'No delivery and no Sinch message with id no-such-id in stage prod (eu-west-1).',
      );
    });

    it('refuses a phone number without repeating it', async () => {
      const io = aCapturedIo();

      const code = await main(['inspect', PHONE, '--stage', 'prod'], io, depsFor(aDeliveredTarget()));

      expect(code).toBe(EXIT_CODES.usage);
      expect(io.err()).toContain('That looks like a phone number');
      expect(io.err()).toContain('receipt-sms find --phone <number> --stage prod');
      expect(io.err()).not.toContain('701234567');
    });

    it('masks a phone number embedded in an id that matched nothing', async () => {
      const io = aCapturedIo();

      const code = await main(
        ['inspect', 'otp_46701234567', '--stage', 'prod'],
        io,
        depsFor(aDeliveredTarget()),
      );

      expect(code).toBe(EXIT_CODES.notFound);
      expect(io.err()).toContain('with id otp_+46*****4567 in');
    });
  });

  describe('find', () => {
    it('looks the number up through its keyed hash and never prints it in clear', async () => {
      // Prepare
      const io = aCapturedIo();

      // Act
      const code = await main(
        ['find', '--phone', '+46 70 123 45 67', '--stage', 'prod', '--json'],
        io,
        depsFor(aDeliveredTarget()),
      );

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(JSON.parse(io.out())).toEqual({
        recipient: '+46*****4567',
        deliveries: [expect.objectContaining({ deliveryId: 'd-otp-1', outcome: 'DELIVERED' })],
      });
      expect(io.out() + io.err()).not.toContain('701234567');
    });

    it('exits 1 when the number has no deliveries, showing it masked', async () => {
      const io = aCapturedIo();

      const code = await main(
        ['find', '--phone', '+447700900123', '--stage', 'prod'],
        io,
        depsFor(aDeliveredTarget()),
      );

      expect(code).toBe(EXIT_CODES.notFound);
      expect(io.err()).toContain('No deliveries to +44******0123 in stage prod (eu-west-1).');
    });
  });

  describe('list', () => {
    it('lists deliveries since the given time as JSON', async () => {
      // Prepare
      const target = aFakeTarget({
        deliveries: [
          {
            delivery: aDeliveryRecord({ deliveryId: 'a', createdAt: '2026-03-02T11:00:00.000Z' }),
            attempts: [],
          },
          {
            delivery: aDeliveryRecord({ deliveryId: 'b', createdAt: '2026-03-02T11:30:00.000Z' }),
            attempts: [],
          },
          {
            delivery: aDeliveryRecord({ deliveryId: 'old', createdAt: '2026-02-01T00:00:00.000Z' }),
            attempts: [],
          },
        ],
      });
      const io = aCapturedIo({ now: '2026-03-02T12:00:00.000Z' });

      // Act
      const code = await main(['list', '--stage', 'prod', '--since', '2h', '--json'], io, depsFor(target));

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(JSON.parse(io.out())).toMatchObject({
        since: '2026-03-02T10:00:00.000Z',
        outcome: null,
        limit: 50,
        deliveries: [{ deliveryId: 'b' }, { deliveryId: 'a' }],
      });
    });

    it('says so when nothing matched, and still exits 0', async () => {
      const io = aCapturedIo();

      const code = await main(
        ['list', '--stage', 'prod', '--outcome', 'expired'],
        io,
        depsFor(aFakeTarget()),
      );

      expect(code).toBe(EXIT_CODES.ok);
      expect(io.out()).toMatch(/^0 EXPIRED deliveries since 2026-03-01T12:00:00.000Z in stage prod/);
    });
  });

  describe('dlq', () => {
    const parked = {
      sqsMessageId: 'sqs-1',
      body: encodeEnvelope({ receivedAt: at(1), rawBody: '{}' }),
      attributes: { parkedReason: 'unknown event type', parkedBy: 'ingress' },
    };

    it('lists parked receipts as JSON without moving them', async () => {
      // Prepare
      const target = aFakeTarget({ parked: [parked] });
      const io = aCapturedIo();

      // Act
      const code = await main(['dlq', 'list', '--stage', 'prod', '--json'], io, depsFor(target));

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(JSON.parse(io.out())).toMatchObject({
        approximateTotal: 1,
        receipts: [{ sqsMessageId: 'sqs-1', parkedBy: 'ingress', reason: 'unknown event type' }],
      });
      expect(target.state.moved).toEqual([]);
    });

    it('refuses to redrive without a terminal unless --yes is given', async () => {
      // Prepare
      const target = aFakeTarget({ parked: [parked] });
      const io = aCapturedIo({ tty: false });

      // Act
      const code = await main(['dlq', 'redrive', '--stage', 'prod'], io, depsFor(target));

      // Assess
      expect(code).toBe(EXIT_CODES.usage);
      expect(io.err()).toContain('Nothing was moved.');
      expect(io.err()).toContain('receipt-sms dlq redrive --yes --stage prod');
      expect(target.state.moved).toEqual([]);
    });

    it('moves nothing when the user answers no at the prompt', async () => {
      // Prepare
      const target = aFakeTarget({ parked: [parked] });
      const io = aCapturedIo({ tty: true });

      // Act
      const running = main(['dlq', 'redrive', '--stage', 'prod'], io, depsFor(target));
      io.type('n');
      const code = await running;

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(io.err()).toContain('1 × unknown event type');
      expect(io.err()).toContain('Move them back to the receipts queue? [y/N]');
      expect(io.err()).toContain('Nothing was moved.');
      expect(target.state.moved).toEqual([]);
    });

    it('moves parked receipts once the user confirms', async () => {
      // Prepare
      const target = aFakeTarget({ parked: [parked] });
      const io = aCapturedIo({ tty: true });

      // Act
      const running = main(['dlq', 'redrive', '--stage', 'prod'], io, depsFor(target));
      io.type('yes');
      const code = await running;

      // Assess
      expect(code).toBe(EXIT_CODES.ok);
      expect(target.state.moved).toEqual([parked]);
      expect(io.out()).toContain('Moved 1 parked receipt back to the receipts queue');
    });

    it('exits 4 and names the receipts that could not be moved', async () => {
      // Prepare
      const target = aFakeTarget({
        parked: [parked],
        redriveFailures: [{ sqsMessageId: 'sqs-1', error: 'InternalError: try again' }],
      });
      const io = aCapturedIo();

      // Act
      const code = await main(['dlq', 'redrive', '--stage', 'prod', '--yes', '--json'], io, depsFor(target));

      // Assess
      expect(code).toBe(EXIT_CODES.incomplete);
      expect(JSON.parse(io.out())).toEqual({
        moved: 0,
        failed: [{ sqsMessageId: 'sqs-1', error: 'InternalError: try again' }],
      });
      expect(io.err()).toContain('sqs-1: InternalError: try again');
    });

    it('says there is nothing to move when the DLQ is empty', async () => {
      const io = aCapturedIo({ tty: true });

      const code = await main(['dlq', 'redrive', '--stage', 'prod'], io, depsFor(aFakeTarget()));

      expect(code).toBe(EXIT_CODES.ok);
      expect(io.err()).toContain('Nothing to move.');
    });
  });
});
