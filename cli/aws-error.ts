import { CliError, TargetError } from './errors';

/**
 * Turns whatever an AWS SDK call threw into a {@link CliError} a support person can act on. The SDK's
 * own messages ("Could not load credentials from any providers") are accurate but do not say what to do.
 */
export interface AwsErrorContext {
  /** What the CLI was doing, e.g. `reading the deliveries table`. */
  readonly doing: string;
  /** `stage prod in eu-west-1` or `the local stack`, for the message. */
  readonly target: string;
  /** Set for `--local`, whose usual failure is that `npm start` is not running. */
  readonly local: boolean;
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const EXPIRED_ERRORS = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const BAD_CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);
const DENIED_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AuthorizationError',
  'UnauthorizedOperation',
  'KMS.AccessDeniedException',
]);
const MISSING_RESOURCE_ERRORS = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'ParameterNotFound',
  'StateMachineDoesNotExist',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

const NETWORK_CODE_IN_TEXT = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH)\b/;

/**
 * The system error code of a network failure. The SDK sometimes rethrows it as "AWS SDK error wrapper
 * for Error: connect ECONNREFUSED …" without the `code`, so the message is the last place to look.
 */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, message } = error as { code?: unknown; cause?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  const fromCause = cause === undefined ? undefined : errorCode(cause);
  if (fromCause) return fromCause;
  return typeof message === 'string' ? NETWORK_CODE_IN_TEXT.exec(message)?.[1] : undefined;
}

/**
 * Maps an error thrown while talking to AWS (or the local stack) to a {@link CliError}. Errors that are
 * already CLI errors pass through unchanged.
 */
export function toCliError(error: unknown, context: AwsErrorContext): CliError {
  if (error instanceof CliError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const failed = `Failed ${context.doing} (${context.target})`;

  if (context.local && code !== undefined && NETWORK_CODES.has(code)) {
    return new TargetError(
      `${failed}: the local stack is not answering (${code}).`,
      'Start it with `npm start` in another terminal, then run the command again.',
      { cause: error },
    );
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return new TargetError(
      `${failed}: no AWS credentials were found.`,
      'Sign in first, e.g. `aws sso login --profile <profile>` and `export AWS_PROFILE=<profile>`.',
      { cause: error },
    );
  }
  if (EXPIRED_ERRORS.has(name)) {
    return new TargetError(`${failed}: your AWS session has expired.`, 'Sign in again (`aws sso login`).', {
      cause: error,
    });
  }
  if (BAD_CREDENTIAL_ERRORS.has(name)) {
    return new TargetError(
      `${failed}: AWS did not accept your credentials (${name}).`,
      'Check AWS_PROFILE and that the profile belongs to the account the stage is deployed in.',
      { cause: error },
    );
  }
  if (DENIED_ERRORS.has(name)) {
    return new TargetError(
      `${failed}: your AWS identity is not allowed to do this.`,
      'Ask engineering for the support policy in docs/runbook.md ("Permissions").',
      { cause: error },
    );
  }
  if (MISSING_RESOURCE_ERRORS.has(name)) {
    return new TargetError(
      `${failed}: a resource of this stage does not exist (${name}: ${message}).`,
      'The stage may be half-deployed or removed; check `npx sls info --stage <stage>`.',
      { cause: error },
    );
  }
  if (/region is missing/i.test(message)) {
    return new TargetError(`${failed}: no AWS region is set.`, 'Pass --region <region> or set AWS_REGION.', {
      cause: error,
    });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new TargetError(`${failed}: AWS could not be reached (${code}).`, 'Check your network or VPN.', {
      cause: error,
    });
  }
  return new TargetError(`${failed}: ${name}: ${message}`, undefined, { cause: error });
}
