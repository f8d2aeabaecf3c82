import { signRequest } from '../../../local/sigv4';

describe('SigV4 signer used by the demo', () => {
  it("reproduces the signature of AWS's documented example request", () => {
    // The IAM ListUsers example from the AWS General Reference ("Create a signed AWS API request").
    const headers = signRequest(
      {
        method: 'GET',
        url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: '',
      },
      {
        region: 'us-east-1',
        service: 'iam',
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
        now: new Date('2015-08-30T12:36:00Z'),
      },
    );

    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('signs the session token when credentials carry one', () => {
    const headers = signRequest(
      { method: 'POST', url: 'https://abc.lambda-url.us-east-1.on.aws/', headers: {}, body: '{}' },
      {
        region: 'us-east-1',
        service: 'lambda',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
        now: new Date('2026-01-01T00:00:00Z'),
      },
    );

    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token');
  });
});
