import {
  parseCommandLine,
  parseLimit,
  parsePhone,
  parsePort,
  type CommandSpec,
} from '../../../cli/command-line';
import { UsageError } from '../../../cli/errors';
import { COMMANDS } from '../../../cli/receipt-sms';

const specs: readonly CommandSpec[] = COMMANDS.map((c) => c.spec);

function run(argv: string[]) {
  const line = parseCommandLine(argv, specs);
  if (line.kind !== 'run') throw new Error(`expected a command, got ${line.kind}`);
  return line;
}

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv, specs);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandLine', () => {
  it('finds a command, its argument and a stage target', () => {
    const line = run(['inspect', 'd-1', '--stage', 'prod', '--region', 'eu-west-1']);

    expect(line.command.path).toEqual(['inspect']);
    expect(line.positionals).toEqual(['d-1']);
    expect(line.target).toEqual({ kind: 'stage', stage: 'prod', region: 'eu-west-1' });
    expect(line).toMatchObject({ json: false, noColor: false });
  });

  it('accepts options before the command and a subcommand', () => {
    const line = run(['--local', '--json', 'dlq', 'redrive', '-y']);

    expect(line.command.path).toEqual(['dlq', 'redrive']);
    expect(line.values.yes).toBe(true);
    expect(line.target).toEqual({ kind: 'local' });
    expect(line.json).toBe(true);
  });

  it('passes a stack file through for --local', () => {
    expect(run(['list', '--local', '--stack-file', '/tmp/s.json']).target).toEqual({
      kind: 'local',
      stackFile: '/tmp/s.json',
    });
  });

  it('returns requested help for --help, on any command', () => {
    expect(parseCommandLine(['--help'], specs)).toEqual({ kind: 'help', requested: true });
    expect(parseCommandLine(['find', '-h'], specs)).toMatchObject({
      kind: 'help',
      requested: true,
      command: { path: ['find'] },
    });
  });

  it('returns unrequested help when no command is named, and group help for "dlq"', () => {
    expect(parseCommandLine([], specs)).toEqual({ kind: 'help', requested: false });
    expect(parseCommandLine(['dlq'], specs)).toEqual({ kind: 'help', requested: false, group: 'dlq' });
  });

  it.each([
    [['bogus'], /Unknown command "bogus"/],
    [['dlq', 'purge', '--local'], /Unknown command "dlq purge"/],
    [['list', '--bogus', '--local'], /Unknown option '--bogus'/],
    [['inspect', 'd-1', '--local', '--outcome', 'EXPIRED'], /--outcome is not an option of "inspect"/],
    [['inspect', '--local'], /Missing <deliveryId/],
    [['inspect', 'a', 'b', '--local'], /Unexpected argument "b"/],
    [['list'], /Say where to look/],
    [['list', '--local', '--stage', 'prod'], /not both/],
    [['list', '--local', '--region', 'eu-west-1'], /--region applies to --stage/],
    [['list', '--stage', 'prod', '--stack-file', 'x'], /--stack-file applies to --local/],
    [['list', '--stage', 'prod;rm'], /--stage must be/],
    [['list', '--stage', 'prod', '--region', 'Ireland'], /--region must look like/],
    [['list', '--local', '--limit'], /argument missing/],
    [['--json'], /Name a command first/],
  ])('rejects %j', (argv, message) => {
    expect(usageError(argv).message).toMatch(message);
  });
});

describe('parseLimit', () => {
  it('uses the default when absent and accepts the bounds', () => {
    expect(parseLimit(undefined, 50, 1000)).toBe(50);
    expect(parseLimit('1', 50, 1000)).toBe(1);
    expect(parseLimit('1000', 50, 1000)).toBe(1000);
  });

  it.each(['0', '1001', '-5', '2.5', 'ten', '1e3', ''])('rejects "%s"', (text) => {
    expect(() => parseLimit(text, 50, 1000)).toThrow(/--limit must be a whole number from 1 to 1000/);
  });
});

describe('parsePhone', () => {
  it.each(['+447700900123', '+44 7700 900123', '+44 (0)7700-900.123'])('normalises %s to E.164', (text) => {
    expect(parsePhone(text)).toBe('+447700900123');
  });

  it.each(['447700900999', '07700 900999', '+12', 'call me'])('rejects "%s" without repeating it', (text) => {
    let message = '';
    try {
      parsePhone(text);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(/--phone must be an international number/);
    expect(message).not.toContain(text);
  });

  it('requires the option', () => {
    expect(() => parsePhone(undefined)).toThrow(/--phone <E.164 number> is required/);
  });
});

describe('parsePort', () => {
  it('defaults to 0, a free port, and accepts 1 to 65535', () => {
    expect(parsePort(undefined)).toBe(0);
    expect(parsePort('8123')).toBe(8123);
    expect(parsePort('65535')).toBe(65535);
  });

  it.each(['65536', '-1', '80.5', 'http', ''])('rejects %p', (text) => {
    expect(() => parsePort(text)).toThrow('--port must be a whole number from 1 to 65535');
  });
});
