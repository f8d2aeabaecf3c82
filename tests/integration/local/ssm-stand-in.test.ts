import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startSsmStandIn, type SsmStandIn } from '../../../local/ssm-stand-in';

describe('SSM stand-in', () => {
  let ssm: SsmStandIn;
  let client: SSMClient;

  beforeAll(async () => {
    ssm = await startSsmStandIn({ parameters: { '/rds/test/secret': { value: 'first\nsecond' } } });
    client = new SSMClient({
      endpoint: ssm.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await ssm.stop();
  });

  it('serves a SecureString to the real SDK client', async () => {
    const { Parameter } = await client.send(
      new GetParameterCommand({ Name: '/rds/test/secret', WithDecryption: true }),
    );

    expect(Parameter).toMatchObject({
      Name: '/rds/test/secret',
      Type: 'SecureString',
      Value: 'first\nsecond',
    });
  });

  it('answers ParameterNotFound for an unknown name', async () => {
    await expect(client.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('lists unknown names as invalid in a batch read and counts reads', async () => {
    const before = ssm.reads;
    const result = await client.send(new GetParametersCommand({ Names: ['/rds/test/secret', '/nope'] }));

    expect(result.Parameters?.map((p) => p.Name)).toEqual(['/rds/test/secret']);
    expect(result.InvalidParameters).toEqual(['/nope']);
    expect(ssm.reads).toBe(before + 1);
  });

  it('overwrites a parameter only when asked to', async () => {
    await expect(
      client.send(new PutParameterCommand({ Name: '/rds/test/secret', Value: 'x', Type: 'SecureString' })),
    ).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });

    await client.send(
      new PutParameterCommand({
        Name: '/rds/test/secret',
        Value: 'rotated',
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/rds/test/secret' }));
    expect(Parameter?.Value).toBe('rotated');
    expect(Parameter?.Version).toBe(2);
  });
});
