import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SupportServices, fetchStackOutputs } from './adapters/connect';
import { toCliError } from './aws-error';
import type { Command, CommandContext } from './command-context';
import { parseCommandLine, type TargetSpec } from './command-line';
import { consoleCommand } from './commands/console';
import { dlqListCommand } from './commands/dlq-list';
import { dlqRedriveCommand } from './commands/dlq-redrive';
import { findCommand } from './commands/find';
import { inspectCommand } from './commands/inspect';
import { listCommand } from './commands/list';
import { CliError, TargetError } from './errors';
import { EXIT_CODES } from './exit-codes';
import { createStyle, wantsColor } from './format/style';
import { renderCommandHelp, renderGroupHelp, renderOverview } from './help';
import type { CliIo } from './io';
import { createProgress } from './progress';
import { confirm } from './prompt';
import { stackName, targetFromLocalStackFile, targetFromStackOutputs, type Target } from './target';

/**
 * `receipt-sms`: support tooling for receipt-driven-sms. `main` is the whole program as a function of
 * argv and the process around it, returning the exit code; `cli/bin.cjs` builds and calls it.
 */
export const COMMANDS: readonly Command[] = [
  inspectCommand,
  listCommand,
  findCommand,
  dlqListCommand,
  dlqRedriveCommand,
  consoleCommand,
];

/** Seams for tests: how a target is resolved and connected. */
export interface MainDependencies {
  readonly connect?: (target: Target) => SupportServices;
  readonly fetchStackOutputs?: typeof fetchStackOutputs;
}

/**
 * The AWS SDK clients take most of the CLI's start-up time, so they load only once a command needs
 * them: `--help` and usage errors answer at once.
 */
function loadAdapters(): Promise<typeof import('./adapters/connect')> {
  return import('./adapters/connect');
}

function targetFlags(spec: TargetSpec): string {
  if (spec.kind === 'local') return spec.stackFile ? `--local --stack-file ${spec.stackFile}` : '--local';
  return spec.region ? `--stage ${spec.stage} --region ${spec.region}` : `--stage ${spec.stage}`;
}

/** Whether a process exists; signal 0 only checks (EPERM means it exists but is not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function resolveTarget(spec: TargetSpec, io: CliIo, deps: MainDependencies): Promise<Target> {
  if (spec.kind === 'local') {
    const path = spec.stackFile ?? join(io.projectRoot, '.local', 'stack.json');
    let contents: string;
    try {
      contents = await readFile(path, 'utf8');
    } catch (error) {
      throw new TargetError(
        `The local stack is not running: ${path} does not exist.`,
        'Start it with `npm start` in another terminal, then run the command again.',
        { cause: error },
      );
    }
    const { pid, target } = targetFromLocalStackFile(contents, path);
    if (pid !== undefined && !isRunning(pid)) {
      throw new TargetError(
        `The local stack is not running: ${path} was left behind by process ${pid}, which has ended.`,
        'Start it with `npm start` in another terminal, then run the command again.',
      );
    }
    return target;
  }
  const fetch = deps.fetchStackOutputs ?? (await loadAdapters()).fetchStackOutputs;
  try {
    const { outputs, region } = await fetch(stackName(spec.stage), spec.stage, spec.region);
    return targetFromStackOutputs(outputs, spec.stage, region);
  } catch (error) {
    throw toCliError(error, { doing: 'finding the stage', target: `stage ${spec.stage}`, local: false });
  }
}

function reportError(error: unknown, io: CliIo, noColor: boolean): number {
  const style = createStyle(wantsColor(io.stderr, noColor));
  const cliError =
    error instanceof CliError
      ? error
      : new TargetError(
          `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
  io.stderr.write(`${style.bad('receipt-sms:')} ${cliError.message}\n`);
  if (cliError.hint) io.stderr.write(`  ${cliError.hint}\n`);
  return cliError.exitCode;
}

/**
 * Runs one command line and returns its exit code. Never throws: every failure is reported on stderr
 * with a hint, and mapped to an exit code from `EXIT_CODES`.
 */
export async function main(argv: readonly string[], io: CliIo, deps: MainDependencies = {}): Promise<number> {
  const specs = COMMANDS.map((c) => c.spec);
  const progress = createProgress(io.stderr);
  let services: SupportServices | undefined;
  let noColor = argv.includes('--no-color');
  try {
    const line = parseCommandLine(argv, specs);
    if (line.kind === 'help') {
      const text = line.command
        ? renderCommandHelp(line.command)
        : line.group
          ? renderGroupHelp(line.group, specs)
          : renderOverview(specs);
      (line.requested ? io.stdout : io.stderr).write(text);
      return line.requested ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    noColor = line.noColor;
    const command = COMMANDS.find((c) => c.spec === line.command)!;
    const target = await resolveTarget(line.target, io, deps);
    services = (deps.connect ?? (await loadAdapters()).connect)(target);
    const context: CommandContext = {
      io,
      line,
      target,
      services,
      style: createStyle(!line.json && wantsColor(io.stdout, line.noColor)),
      progress,
      targetFlags: targetFlags(line.target),
      confirm: (question) => confirm(question, io.stdin, io.stderr),
    };
    try {
      return await command.run(context);
    } catch (error) {
      throw toCliError(error, { doing: command.spec.activity, target: target.label, local: target.local });
    }
  } catch (error) {
    progress.done();
    return reportError(error, io, noColor);
  } finally {
    services?.close();
  }
}
