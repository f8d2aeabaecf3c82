import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readYaml } from '../../../local/serverless-manifest';
import {
  PACKAGING_TIMEOUT_MS,
  packagedTemplate,
  resourceNamed,
  type CloudFormationTemplate,
} from '../../support/packaged-template';

/**
 * `serverless/required-params.js` run by the real osls: a stage other than `local` and `ci` is refused
 * before anything is built or sent to AWS while a required param is empty, and goes ahead once each one is
 * given. No run here bundles this project's functions: a refused run stops before esbuild, the run that
 * goes ahead is a `deploy function`, which stops at AWS for want of credentials (the environment has none,
 * so nothing can reach an account), and the precedence cases use a service without functions.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
/** Starting osls and loading the plugins takes a few seconds; allow for a busy machine. */
const CLI_TIMEOUT_MS = 60_000;
/** The required params `params.default` leaves empty. */
const EMPTY_BY_DEFAULT = ['sinchProjectId', 'sinchAppId', 'emailFrom'];
const GIVEN = {
  sinchProjectId: '3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
  sinchAppId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  emailFrom: 'codes@example.com',
};

interface CliRun {
  readonly code: number;
  readonly output: string;
}

let scratch: string;

/** Runs osls in `cwd` with no AWS credentials of any kind, not even the machine's. */
function sls(args: readonly string[], cwd = ROOT): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
  Object.assign(env, {
    AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  });
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env, timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolvePromise({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

function params(values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).map(([name, value]) => `--param=${name}=${value}`);
}

/** The names the plugin's message lists, in its order, or `undefined` when it did not refuse. */
function namedMissing(output: string): string[] | undefined {
  return /is missing required params: ([^.]+)\./.exec(output)?.[1]?.split(', ');
}

/** A service of its own, to run the plugin on params this project's serverless.yml does not have. */
function serviceWith(yaml: string): string {
  const dir = mkdtempSync(join(scratch, 'service-'));
  symlinkSync(join(ROOT, 'serverless'), join(dir, 'serverless'));
  writeFileSync(
    join(dir, 'serverless.yml'),
    [
      'service: required-params-check',
      "frameworkVersion: '>=4.3.1'",
      'plugins:',
      '  - ./serverless/required-params',
      'provider:',
      '  name: aws',
      '  runtime: nodejs24.x',
      yaml,
    ].join('\n'),
  );
  return dir;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'required-params-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('serverless/required-params on this project', () => {
  it(
    'refuses to package prod without its required params, naming each one, and builds nothing',
    async () => {
      // Prepare
      const output = join(scratch, 'prod-package');

      // Act
      const run = await sls(['package', '--stage', 'prod', '--package', output]);

      // Assess
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(
        'Stage "prod" is missing required params: sinchProjectId, sinchAppId, emailFrom. ' +
          'Pass them with --param="name=value" (README "Deploying a stage").',
      );
      expect(existsSync(output)).toBe(false);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'names only the params still missing once some are given with --param',
    async () => {
      // Act
      const run = await sls([
        'package',
        '--stage',
        'prod',
        '--package',
        join(scratch, 'partial'),
        ...params({ sinchAppId: GIVEN.sinchAppId }),
      ]);

      // Assess
      expect(run.code).not.toBe(0);
      expect(namedMissing(run.output)).toEqual(['sinchProjectId', 'emailFrom']);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'requires the secondary provider’s settings only once the secondary is turned on',
    async () => {
      // Act: `deploy function` checks the params and, past them, stops at AWS for want of credentials
      const deployFunction = (values: Readonly<Record<string, string>>) =>
        sls([
          'deploy',
          'function',
          '--function',
          'sendSms',
          '--stage',
          'required-params-test',
          ...params(values),
        ]);
      const off = await deployFunction(GIVEN);
      const on = await deployFunction({ ...GIVEN, secondarySmsProvider: 'aws-sms' });
      const onAndGiven = await deployFunction({
        ...GIVEN,
        secondarySmsProvider: 'aws-sms',
        awsSmsOriginationIdentityArn: 'arn:aws:sms-voice:eu-west-1:111122223333:pool/pool-1',
        awsSmsConfigurationSet: 'codes',
      });

      // Assess
      expect(namedMissing(off.output)).toBeUndefined();
      expect(namedMissing(on.output)).toEqual(['awsSmsOriginationIdentityArn', 'awsSmsConfigurationSet']);
      expect(namedMissing(onAndGiven.output)).toBeUndefined();
    },
    3 * CLI_TIMEOUT_MS,
  );

  it(
    'refuses a deploy the same way, before it packages or asks AWS for anything',
    async () => {
      // Act
      const run = await sls(['deploy', '--stage', 'prod', '--region', 'eu-west-1']);

      // Assess
      expect(run.code).not.toBe(0);
      expect(namedMissing(run.output)).toEqual(EMPTY_BY_DEFAULT);
      expect(run.output).not.toMatch(/credentials/i);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses `deploy function` too, which updates a function without packaging the service',
    async () => {
      // Act
      const run = await sls([
        'deploy',
        'function',
        '--function',
        'sendSms',
        '--stage',
        'required-params-test',
      ]);

      // Assess
      expect(run.code).not.toBe(0);
      expect(namedMissing(run.output)).toEqual(EMPTY_BY_DEFAULT);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'lets a stage with every required param given go on, as far as AWS',
    async () => {
      // Act
      const run = await sls([
        'deploy',
        'function',
        '--function',
        'sendSms',
        '--stage',
        'required-params-test',
        ...params(GIVEN),
      ]);

      // Assess
      expect(namedMissing(run.output)).toBeUndefined();
      expect(run.code).not.toBe(0);
      expect(run.output).toContain('AWS provider credentials not found');
    },
    CLI_TIMEOUT_MS,
  );

  describe('the ci stage', () => {
    let template: CloudFormationTemplate;

    beforeAll(async () => {
      template = await packagedTemplate('ci');
    }, PACKAGING_TIMEOUT_MS);

    it('still packages with the empty defaults, which the tests rely on', () => {
      const sendSms = resourceNamed(template, 'SendSmsLambdaFunction').Properties as {
        Environment: { Variables: Record<string, unknown> };
      };

      expect(sendSms.Environment.Variables).toMatchObject({ SINCH_PROJECT_ID: '', SINCH_APP_ID: '' });
    });
  });
});

describe('serverless/required-params on any service', () => {
  const REQUIRED_A_B = ['custom:', '  requiredParams:', '    names: [a, b]', '    exceptStages: [ci]'].join(
    '\n',
  );

  it(
    'reads each value as ${param:…} resolves it: --param over params.<stage> over params.default',
    async () => {
      // Prepare
      const dir = serviceWith(
        [REQUIRED_A_B, 'params:', '  default:', "    a: ''", '    b: set', '  qa:', "    b: ''"].join('\n'),
      );

      // Act
      const stageEmptiesDefault = await sls(['package', '--stage', 'qa'], dir);
      const cliFillsBoth = await sls(['package', '--stage', 'qa', '--param=a=1', '--param=b=2'], dir);
      const defaultsOnOtherStage = await sls(['package', '--stage', 'uat', '--param=a=1'], dir);

      // Assess
      expect(namedMissing(stageEmptiesDefault.output)).toEqual(['a', 'b']);
      expect([cliFillsBoth.code, namedMissing(cliFillsBoth.output)]).toEqual([0, undefined]);
      expect([defaultsOnOtherStage.code, namedMissing(defaultsOnOtherStage.output)]).toEqual([0, undefined]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'counts a value of only white space as missing, and exempts the stages listed',
    async () => {
      // Prepare
      const dir = serviceWith([REQUIRED_A_B, 'params:', '  default:', "    a: '  '", "    b: ''"].join('\n'));

      // Act
      const blank = await sls(['package', '--stage', 'qa', '--param=b=2'], dir);
      const exempt = await sls(['package', '--stage', 'ci'], dir);

      // Assess
      expect(namedMissing(blank.output)).toEqual(['a']);
      expect([exempt.code, namedMissing(exempt.output)]).toEqual([0, undefined]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses a required name that no params block declares, as a misspelt name would never be checked',
    async () => {
      // Prepare
      const dir = serviceWith([REQUIRED_A_B, 'params:', '  default:', '    a: set'].join('\n'));

      // Act
      const run = await sls(['package', '--stage', 'qa', '--param=b=2'], dir);

      // Assess
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(
        'custom.requiredParams names params that serverless.yml does not declare: b.',
      );
    },
    CLI_TIMEOUT_MS,
  );
});

describe('custom.requiredParams in serverless.yml', () => {
  it('holds every param behind an environment variable a function cannot start without', () => {
    // Prepare
    const manifest = readYaml(join(ROOT, 'serverless.yml')) as {
      custom: { requiredParams: { names: string[]; when?: { names: string[] }[] } };
      functions: Record<string, { environment?: Record<string, unknown> }>;
    };
    const config = readFileSync(join(ROOT, 'lib', 'shared', 'config.ts'), 'utf8');
    const requiredVariables = new Set(
      [...config.matchAll(/required\(env, '(\w+)'\)/g)].map((match) => match[1]),
    );

    // Act
    const needed = Object.values(manifest.functions).flatMap(({ environment = {} }) =>
      Object.entries(environment).flatMap(([variable, value]) => {
        const param = /^\$\{param:(\w+)\}$/.exec(String(value))?.[1];
        return param && requiredVariables.has(variable) ? [param] : [];
      }),
    );

    // Assess
    expect(needed.length).toBeGreaterThan(0);
    const { names, when = [] } = manifest.custom.requiredParams;
    // Always required, or required while the setting that needs them is on (the secondary provider's).
    expect([...names, ...when.flatMap((rule) => rule.names)]).toEqual(expect.arrayContaining(needed));
  });
});
