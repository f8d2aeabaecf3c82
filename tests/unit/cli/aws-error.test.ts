import { toCliError, type AwsErrorContext } from '../../../cli/aws-error';
import { NotFoundCliError, TargetError } from '../../../cli/errors';
import { EXIT_CODES } from '../../../cli/exit-codes';

const onStage: AwsErrorContext = { doing: 'reading the delivery', target: 'stage prod', local: false };
const onLocal: AwsErrorContext = { doing: 'reading the delivery', target: 'the local stack', local: true };

function named(name: string, message = 'x'): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function withCode(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });
}

describe('toCliError', () => {
  it.each([
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      /no AWS credentials were found/,
      /aws sso login/,
    ],
    [named('ExpiredTokenException'), /session has expired/, /Sign in again/],
    [named('UnrecognizedClientException'), /did not accept your credentials/, /AWS_PROFILE/],
    [named('AccessDeniedException'), /not allowed to do this/, /Permissions/],
    [
      named('ResourceNotFoundException', 'Requested resource not found'),
      /a resource of this stage does not exist/,
      /sls info/,
    ],
    [new Error('Region is missing'), /no AWS region is set/, /--region/],
    [withCode('ENOTFOUND'), /AWS could not be reached \(ENOTFOUND\)/, /network/],
  ])('explains %s with a hint', (error, message, hint) => {
    // Act
    const cliError = toCliError(error, onStage);

    // Assess
    expect(cliError).toBeInstanceOf(TargetError);
    expect(cliError.exitCode).toBe(EXIT_CODES.target);
    expect(cliError.message).toMatch(/^Failed reading the delivery \(stage prod\): /);
    expect(cliError.message).toMatch(message);
    expect(cliError.hint).toMatch(hint);
  });

  it('tells a local user to start the stack when nothing answers', () => {
    const cliError = toCliError(withCode('ECONNREFUSED'), onLocal);

    expect(cliError.message).toMatch(/the local stack is not answering \(ECONNREFUSED\)/);
    expect(cliError.hint).toMatch(/npm start/);
  });

  it('finds a network code on the cause', () => {
    const error = new Error('fetch failed', { cause: withCode('ECONNREFUSED') });

    expect(toCliError(error, onLocal).hint).toMatch(/npm start/);
  });

  it('passes CLI errors through and keeps anything else as a target error', () => {
    const notFound = new NotFoundCliError('nope');

    expect(toCliError(notFound, onStage)).toBe(notFound);
    expect(toCliError(named('ThrottlingException', 'Rate exceeded'), onStage).message).toBe(
      'Failed reading the delivery (stage prod): ThrottlingException: Rate exceeded',
    );
  });
});

describe('toCliError on a wrapped network error', () => {
  it('reads the code from the message when the SDK dropped it', () => {
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:4566');

    expect(toCliError(wrapped, onLocal).message).toMatch(/not answering \(ECONNREFUSED\)/);
  });
});
