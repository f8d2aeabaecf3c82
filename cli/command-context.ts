import type { SupportServices } from './adapters/connect';
import type { CommandSpec, ParsedCommandLine } from './command-line';
import type { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import type { Progress } from './progress';
import type { Style } from './format/style';
import type { Target } from './target';

/** What a command gets to do its work: the target's services, output helpers and the parsed line. */
export interface CommandContext {
  readonly io: CliIo;
  readonly line: Extract<ParsedCommandLine, { kind: 'run' }>;
  readonly target: Target;
  readonly services: SupportServices;
  /** Colours for stdout (plain when piped or `--json`). */
  readonly style: Style;
  /** A status line on stderr, shown on a terminal only. */
  readonly progress: Progress;
  /** `--stage prod --region eu-west-1` or `--local`, to print follow-up commands people can paste. */
  readonly targetFlags: string;
  confirm(question: string): Promise<boolean>;
}

export interface Command {
  readonly spec: CommandSpec;
  run(context: CommandContext): Promise<ExitCode>;
}

/** Writes `value` as pretty JSON with a trailing newline, for `--json`. */
export function writeJson(context: CommandContext, value: unknown): void {
  context.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
