import { parseArgs } from 'node:util';
import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';
import { UsageError } from './errors';

/**
 * The command line of `receipt-sms`, parsed with `node:util` `parseArgs`. Every option is declared once
 * here with one type, so `--limit` means the same thing to every command; each command then says which
 * of them it accepts, and anything else is a usage error that names the option.
 */
export const OPTIONS = {
  stage: { type: 'string' },
  region: { type: 'string' },
  local: { type: 'boolean' },
  'stack-file': { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  outcome: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  phone: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  port: { type: 'string' },
  open: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type OptionValues = {
  [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

/** Options every command accepts: where to look and how to print. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'stage',
  'region',
  'local',
  'stack-file',
  'json',
  'no-color',
  'help',
];

export interface CommandSpec {
  /** `['inspect']`, or `['dlq', 'list']` for a subcommand. */
  readonly path: readonly string[];
  /** The usage line after the program name, e.g. `inspect <deliveryId | sinch-message-id>`. */
  readonly usage: string;
  readonly summary: string;
  /** What the command is doing, for error messages: `Failed <activity> (stage prod)`. */
  readonly activity: string;
  /** Paragraphs shown by `--help` under the usage line. */
  readonly description: string;
  readonly positionals: readonly string[];
  /** Command-specific options with their help text; the global options are always accepted. */
  readonly options: readonly { readonly name: OptionName; readonly value?: string; readonly help: string }[];
  readonly examples: readonly string[];
}

/** Where the command reads from. */
export type TargetSpec =
  | { readonly kind: 'stage'; readonly stage: string; readonly region?: string }
  | { readonly kind: 'local'; readonly stackFile?: string };

export type ParsedCommandLine =
  | {
      readonly kind: 'help';
      /** False when help is shown because no command was named (a usage error, exit code 2). */
      readonly requested: boolean;
      readonly command?: CommandSpec;
      readonly group?: string;
    }
  | {
      readonly kind: 'run';
      readonly command: CommandSpec;
      readonly positionals: readonly string[];
      readonly values: OptionValues;
      readonly target: TargetSpec;
      readonly json: boolean;
      readonly noColor: boolean;
    };

// CloudFormation stack names allow letters, digits and hyphens; the stage is part of one.
const STAGE = /^[A-Za-z0-9-]{1,64}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

function parseRaw(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    // parseArgs' own messages are precise ("Unknown option '--bogus'"); keep them, drop the stack.
    throw new UsageError(error instanceof Error ? error.message : String(error), 'See `receipt-sms --help`.');
  }
}

function findCommand(
  specs: readonly CommandSpec[],
  positionals: readonly string[],
): { command?: CommandSpec; group?: string; rest: readonly string[] } {
  const [first, second] = positionals;
  if (first === undefined) return { rest: [] };
  const nested = specs.filter((s) => s.path.length === 2 && s.path[0] === first);
  if (nested.length > 0) {
    const command = nested.find((s) => s.path[1] === second);
    if (command) return { command, rest: positionals.slice(2) };
    if (second === undefined) return { group: first, rest: [] };
    throw new UsageError(
      `Unknown command "${first} ${second}"`,
      `Try one of: ${nested.map((s) => s.path.join(' ')).join(', ')}.`,
    );
  }
  const command = specs.find((s) => s.path.length === 1 && s.path[0] === first);
  if (!command) {
    const names = [...new Set(specs.map((s) => s.path[0]))].join(', ');
    throw new UsageError(`Unknown command "${first}"`, `Commands: ${names}. See \`receipt-sms --help\`.`);
  }
  return { command, rest: positionals.slice(1) };
}

function resolveTarget(values: OptionValues, command: CommandSpec): TargetSpec {
  const { stage, region, local } = values;
  const stackFile = values['stack-file'];
  if (stage !== undefined && local) {
    throw new UsageError('Choose one target: --stage <stage> or --local, not both');
  }
  if (local) {
    if (region !== undefined) throw new UsageError('--region applies to --stage, not to --local');
    return stackFile === undefined ? { kind: 'local' } : { kind: 'local', stackFile };
  }
  if (stackFile !== undefined) throw new UsageError('--stack-file applies to --local only');
  if (stage === undefined) {
    throw new UsageError(
      `Say where to look: --stage <stage> for a deployed stage, or --local for \`npm start\``,
      `Example: receipt-sms ${command.path.join(' ')} --stage prod`,
    );
  }
  if (!STAGE.test(stage)) throw new UsageError(`--stage must be letters, digits and hyphens, got "${stage}"`);
  if (region !== undefined && !REGION.test(region)) {
    throw new UsageError(`--region must look like eu-west-1, got "${region}"`);
  }
  return region === undefined ? { kind: 'stage', stage } : { kind: 'stage', stage, region };
}

/**
 * Parses argv (without `node` and the script) against the command specs. Returns a help request when
 * `--help` is given or no command is named; throws {@link UsageError} for anything malformed.
 */
export function parseCommandLine(argv: readonly string[], specs: readonly CommandSpec[]): ParsedCommandLine {
  const { values, positionals, tokens } = parseRaw(argv);
  const found = findCommand(specs, positionals);
  if (values.help || !found.command) {
    if (!values.help && found.group === undefined && positionals.length === 0 && argv.length > 0) {
      throw new UsageError('Name a command first', 'See `receipt-sms --help`.');
    }
    const requested = values.help === true;
    if (found.command) return { kind: 'help', requested, command: found.command };
    return found.group === undefined
      ? { kind: 'help', requested }
      : { kind: 'help', requested, group: found.group };
  }
  const { command, rest } = found;
  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...command.options.map((o) => o.name)]);
  for (const token of tokens) {
    if (token.kind === 'option' && !allowed.has(token.name)) {
      throw new UsageError(
        `${token.rawName} is not an option of "${command.path.join(' ')}"`,
        `See \`receipt-sms ${command.path.join(' ')} --help\`.`,
      );
    }
  }
  if (rest.length < command.positionals.length) {
    throw new UsageError(
      `Missing ${command.positionals[rest.length]}`,
      `Usage: receipt-sms ${command.usage}`,
    );
  }
  if (rest.length > command.positionals.length) {
    throw new UsageError(
      `Unexpected argument "${rest[command.positionals.length]}"`,
      `Usage: receipt-sms ${command.usage}`,
    );
  }
  return {
    kind: 'run',
    command,
    positionals: rest,
    values,
    target: resolveTarget(values, command),
    json: values.json ?? false,
    noColor: values['no-color'] ?? false,
  };
}

/**
 * Parses `--limit`: a whole number from 1 to `max`.
 *
 * @example
 * parseLimit('50', 1000); // 50
 */
export function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}

/**
 * Normalises `--phone` to the E.164 form the send API stored (and hashed), accepting the spaces, dots,
 * dashes and `(0)` people paste with a number. It uses the same `libphonenumber-js/mobile` parser as the
 * send API, so both sides agree on one canonical form. The error never repeats the number, because error
 * output ends up in tickets and chat.
 */
export function parsePhone(text: string | undefined): string {
  if (text === undefined)
    throw new UsageError('--phone <E.164 number> is required, e.g. --phone +447700900123');
  const parsed = text.trim().startsWith('+') ? parsePhoneNumberFromString(text.trim()) : undefined;
  if (!parsed) {
    throw new UsageError(
      '--phone must be an international number: + then country code and number, e.g. +447700900123',
    );
  }
  return parsed.number;
}

/**
 * Parses `--port`: a TCP port from 1 to 65535, or 0 (the default) for a free one.
 *
 * @example
 * parsePort('8123'); // 8123
 */
export function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value > 65535) {
    throw new UsageError(
      `--port must be a whole number from 1 to 65535 (or 0 for a free port), got "${text}"`,
    );
  }
  return value;
}
