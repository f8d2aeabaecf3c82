import { EXIT_CODES, type ExitCode } from './exit-codes';

/**
 * Errors the CLI reports to a person. Each carries its exit code and, where one helps, a hint that says
 * what to do next. They are CLI concerns (exit codes, hints), so they live here rather than in
 * `lib/shared/errors.ts`, whose errors are about the deployed system.
 */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;

  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The command line is wrong. The message names the option or value at fault. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT_CODES.usage;
}

/** What the user asked about does not exist in the target. */
export class NotFoundCliError extends CliError {
  override readonly name = 'NotFoundCliError';
  readonly exitCode = EXIT_CODES.notFound;
}

/** The target could not be resolved or reached (AWS or local stack). */
export class TargetError extends CliError {
  override readonly name = 'TargetError';
  readonly exitCode = EXIT_CODES.target;
}

/** A batch operation finished with some items not done; the message says which. */
export class IncompleteError extends CliError {
  override readonly name = 'IncompleteError';
  readonly exitCode = EXIT_CODES.incomplete;
}
