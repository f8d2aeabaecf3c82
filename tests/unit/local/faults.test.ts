import {
  ACCEPTED_FAULT_FORMS,
  FAULT_NAMES,
  FaultUsageError,
  faultsHelp,
  formatFaults,
  parseFaults,
  validateFaults,
  type Faults,
} from '../../../local/faults';

/** The error parseFaults throws for `text`. */
function refusal(text: string): FaultUsageError {
  try {
    parseFaults(text);
  } catch (error) {
    if (error instanceof FaultUsageError) return error;
    throw error;
  }
  throw new Error(`parseFaults accepted ${JSON.stringify(text)}`);
}

describe('parseFaults, the --faults list', () => {
  it.each<[string, Faults]>([
    ['lambda-throttle=0.5', { lambdaThrottle: 0.5 }],
    ['dynamodb-throttle=1', { dynamodbThrottle: 1 }],
    ['sfn-throttle=0', { sfnThrottle: 0 }],
    ['ses-sandbox', { sesSandbox: true }],
    ['ses-throttle=.25', { sesThrottle: 0.25 }],
    ['sqs-outage=30', { sqsOutageSeconds: 30 }],
    ['webhook-outage=0.5', { webhookOutageSeconds: 0.5 }],
    ['sinch-keep-signature', { sinchKeepSignature: true }],
    ['sinch-replay=1.0', { sinchReplay: 1 }],
  ])('reads %s', (text, expected) => {
    // Act
    const faults = parseFaults(text);

    // Assess
    expect(faults).toEqual(expected);
  });

  it('reads every fault at once, comma-separated, ignoring spaces around items and values', () => {
    // Prepare
    const text =
      ' lambda-throttle=0.1, dynamodb-throttle = 0.2,sfn-throttle=0.3,ses-sandbox,ses-throttle=0.4,' +
      'sqs-outage=5,webhook-outage=400,sinch-keep-signature,sinch-replay=0.05 ';

    // Act
    const faults = parseFaults(text);

    // Assess
    expect(faults).toEqual({
      lambdaThrottle: 0.1,
      dynamodbThrottle: 0.2,
      sfnThrottle: 0.3,
      sesSandbox: true,
      sesThrottle: 0.4,
      sqsOutageSeconds: 5,
      webhookOutageSeconds: 400,
      sinchKeepSignature: true,
      sinchReplay: 0.05,
    });
  });

  it.each([
    [
      'lambda-throttle=1.5',
      'Invalid --faults item "lambda-throttle=1.5": the share of lambda-throttle must be a decimal from 0 to 1 (e.g. 0.25)',
    ],
    [
      'dynamodb-throttle=-0.1',
      'Invalid --faults item "dynamodb-throttle=-0.1": the share of dynamodb-throttle must be a decimal from 0 to 1',
    ],
    [
      'sfn-throttle=abc',
      'Invalid --faults item "sfn-throttle=abc": the share of sfn-throttle must be a decimal from 0 to 1',
    ],
    [
      'ses-throttle=1e-1',
      'Invalid --faults item "ses-throttle=1e-1": the share of ses-throttle must be a decimal from 0 to 1',
    ],
    [
      'sinch-replay=0x1',
      'Invalid --faults item "sinch-replay=0x1": the share of sinch-replay must be a decimal from 0 to 1',
    ],
    [
      'lambda-throttle=50%',
      'Invalid --faults item "lambda-throttle=50%": the share of lambda-throttle must be a decimal from 0 to 1',
    ],
    [
      'lambda-throttle',
      'Invalid --faults item "lambda-throttle": lambda-throttle needs a value: lambda-throttle=<share>',
    ],
    [
      'lambda-throttle=',
      'Invalid --faults item "lambda-throttle=": lambda-throttle needs a value: lambda-throttle=<share>',
    ],
    [
      'sqs-outage=0',
      'Invalid --faults item "sqs-outage=0": the seconds of sqs-outage must be a positive number (e.g. 30)',
    ],
    [
      'sqs-outage=-5',
      'Invalid --faults item "sqs-outage=-5": the seconds of sqs-outage must be a positive number',
    ],
    [
      'webhook-outage=soon',
      'Invalid --faults item "webhook-outage=soon": the seconds of webhook-outage must be a positive number',
    ],
    [
      'webhook-outage=Infinity',
      'Invalid --faults item "webhook-outage=Infinity": the seconds of webhook-outage must be a positive number',
    ],
    ['sqs-outage', 'Invalid --faults item "sqs-outage": sqs-outage needs a value: sqs-outage=<seconds>'],
    ['ses-sandbox=1', 'Invalid --faults item "ses-sandbox=1": ses-sandbox takes no value'],
    [
      'sinch-keep-signature=true',
      'Invalid --faults item "sinch-keep-signature=true": sinch-keep-signature takes no value',
    ],
    [
      'lambda-throttles=0.5',
      'Invalid --faults item "lambda-throttles=0.5": "lambda-throttles" is not a fault',
    ],
    ['chaos', 'Invalid --faults item "chaos": "chaos" is not a fault'],
    ['ses-sandbox,ses-sandbox', 'Invalid --faults item "ses-sandbox": ses-sandbox is given more than once'],
    [
      'lambda-throttle=0.1,lambda-throttle=0.2',
      'Invalid --faults item "lambda-throttle=0.2": lambda-throttle is given more than once',
    ],
    ['ses-sandbox,,sqs-outage=3', 'Invalid --faults item "": an item is empty (a stray comma?)'],
    ['ses-sandbox,', 'Invalid --faults item "": an item is empty (a stray comma?)'],
    ['', 'Invalid --faults item "": the list is empty'],
  ])('refuses %j, naming the item and the problem', (text, message) => {
    // Act
    const error = refusal(text);

    // Assess
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('lists every accepted form in its usage error', () => {
    // Act
    const error = refusal('nonsense');

    // Assess
    expect(error.message).toContain(`Accepted (comma-separated): ${ACCEPTED_FAULT_FORMS}`);
    expect(ACCEPTED_FAULT_FORMS).toBe(
      'lambda-throttle=<share>, dynamodb-throttle=<share>, sfn-throttle=<share>, ses-sandbox, ' +
        'ses-throttle=<share>, sqs-outage=<seconds>, webhook-outage=<seconds>, sinch-keep-signature, ' +
        'sinch-replay=<share>, sinch-lost-answer=<share>',
    );
    expect(error.message).toContain('a <share> is a decimal from 0 to 1, <seconds> a positive number');
  });
});

describe('formatFaults, the faults as .local/stack.json lists them', () => {
  it('normalises the items and lists them in the documented order', () => {
    // Prepare
    const faults = parseFaults('sinch-replay=0.50,ses-sandbox, lambda-throttle=1.0 ,sqs-outage=010');

    // Act
    const items = formatFaults(faults);

    // Assess
    expect(items).toEqual(['lambda-throttle=1', 'ses-sandbox', 'sqs-outage=10', 'sinch-replay=0.5']);
  });

  it('parses back to the same faults', () => {
    // Prepare
    const faults = parseFaults(
      'lambda-throttle=0.1,dynamodb-throttle=0.2,sfn-throttle=0.3,ses-sandbox,ses-throttle=0.4,' +
        'sqs-outage=5,webhook-outage=400,sinch-keep-signature,sinch-replay=0.05',
    );

    // Act
    const again = parseFaults(formatFaults(faults).join(','));

    // Assess
    expect(again).toEqual(faults);
  });

  it('lists nothing for no faults, and leaves out flags that are off', () => {
    expect(formatFaults({})).toEqual([]);
    expect(formatFaults({ sesSandbox: false, sinchKeepSignature: false })).toEqual([]);
  });
});

describe('validateFaults, the faults option of startLocalStack', () => {
  it('accepts what parseFaults accepts and drops flags that are off', () => {
    expect(validateFaults({ lambdaThrottle: 1, sesSandbox: false, sqsOutageSeconds: 2 })).toEqual({
      lambdaThrottle: 1,
      sqsOutageSeconds: 2,
    });
  });

  it.each<[Faults, string]>([
    [{ lambdaThrottle: 2 }, 'Invalid --faults item "lambda-throttle=2": the share of lambda-throttle'],
    [{ sinchReplay: Number.NaN }, 'Invalid --faults item "sinch-replay=NaN": the share of sinch-replay'],
    [{ webhookOutageSeconds: 0 }, 'Invalid --faults item "webhook-outage=0": the seconds of webhook-outage'],
    [
      { sesSandbox: 'yes' as unknown as boolean },
      'Invalid --faults item "ses-sandbox=yes": ses-sandbox takes no value',
    ],
    [{ lambdaThrotle: 1 } as unknown as Faults, 'Unknown fault option "lambdaThrotle"'],
  ])('refuses %j', (faults, message) => {
    expect(() => validateFaults(faults)).toThrow(message);
  });
});

describe('faultsHelp, the faults section of --help', () => {
  it('documents every fault by its accepted form', () => {
    // Act
    const help = faultsHelp();

    // Assess
    for (const form of ACCEPTED_FAULT_FORMS.split(', ')) expect(help).toContain(`  ${form} `);
    expect(FAULT_NAMES).toHaveLength(10);
  });
});
