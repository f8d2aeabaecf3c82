import { sendIdentities, unverifiedIdentities } from '../../../local/ses-fault-proxy';

const SENDER = 'no-reply@example.com';

describe('the identities of an SES send, as a sandbox checks them', () => {
  it('reads the source and every To, Cc and Bcc address of SendEmail', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'SendEmail',
      Source: `Receipts <${SENDER}>`,
      'Destination.ToAddresses.member.1': 'alice@example.com',
      'Destination.ToAddresses.member.2': 'Bob <bob@example.com>',
      'Destination.CcAddresses.member.1': 'carol@example.com',
      'Destination.BccAddresses.member.1': 'dave@example.com',
    });

    // Act
    const identities = sendIdentities(form);

    // Assess
    expect(identities).toEqual({
      source: SENDER,
      recipients: ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'],
    });
  });

  it('reads SendRawEmail recipients from Destinations, else from the message headers', () => {
    // Prepare
    const raw = Buffer.from(
      `From: ${SENDER}\r\nTo: "Alice, A." <alice@example.com>,\r\n bob@example.com\r\nSubject: hi\r\n\r\nTo: nobody@example.com\r\n`,
    ).toString('base64');

    // Act
    const fromHeaders = sendIdentities(
      new URLSearchParams({ Action: 'SendRawEmail', 'RawMessage.Data': raw }),
    );
    const fromDestinations = sendIdentities(
      new URLSearchParams({
        Action: 'SendRawEmail',
        'RawMessage.Data': raw,
        'Destinations.member.1': 'erin@example.com',
      }),
    );

    // Assess
    expect(fromHeaders).toEqual({ source: SENDER, recipients: ['alice@example.com', 'bob@example.com'] });
    expect(fromDestinations.recipients).toEqual(['erin@example.com']);
  });

  it('finds every unverified identity once, ignoring case, and none when mailing the sender itself', () => {
    // Prepare
    const to = (...addresses: string[]) =>
      new URLSearchParams({
        Action: 'SendEmail',
        Source: SENDER,
        ...Object.fromEntries(addresses.map((a, i) => [`Destination.ToAddresses.member.${i + 1}`, a])),
      });

    // Act
    const mixed = unverifiedIdentities(to('a@x.com', 'NO-REPLY@example.com', 'A@X.com'), [SENDER]);
    const self = unverifiedIdentities(to(SENDER), [SENDER]);

    // Assess
    expect(mixed).toEqual(['a@x.com']);
    expect(self).toEqual([]);
  });
});
