import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlerSource } from '../../../local/lambda-bundler';
import {
  findProjectRoot,
  loadServerlessManifest,
  resolveIntrinsics,
  type ReferenceResolver,
} from '../../../local/serverless-manifest';

const FIXTURE_ROOT = join(__dirname, '..', '..', 'fixtures', 'local', 'manifest');
const PROJECT_ROOT = join(__dirname, '..', '..', '..');

describe('serverless.yml as the local stack reads it', () => {
  describe('the fixture', () => {
    const manifest = loadServerlessManifest({ root: FIXTURE_ROOT, stage: 'local', params: { batch: 7 } });
    const byKey = (key: string) => manifest.functions.find((fn) => fn.key === key)!;

    it('resolves ${sls:stage}, ${self:…}, ${opt:…, default} and stage params over default params', () => {
      expect(manifest.service).toBe('fixture-service');
      expect(manifest.region).toBe('us-east-1');
      expect(byKey('api').environment).toMatchObject({
        STAGE: 'local',
        LOG_LEVEL: 'DEBUG',
        SECRET_PARAM: '/fixture/local/secret',
      });
    });

    it('lets explicit params win, keeping a whole-value variable’s type', () => {
      expect(byKey('worker').sqsEvents[0]?.batchSize).toBe(7);
    });

    it('names functions <service>-<stage>-<key> unless they set a name', () => {
      expect(byKey('api').name).toBe('fixture-service-local-api');
      expect(byKey('worker').name).toBe('custom-worker-name');
    });

    it('merges provider and function settings', () => {
      expect(byKey('api')).toMatchObject({ timeoutSeconds: 7, memorySize: 512 });
      expect(byKey('hook').timeoutSeconds).toBe(3);
    });

    it('reads Function URLs with their auth type', () => {
      expect(byKey('api').url).toEqual({ authType: 'AWS_IAM' });
      expect(byKey('hook').url).toEqual({ authType: 'NONE' });
      expect(byKey('worker').url).toBeUndefined();
    });

    it('reads SQS events with batch size, window and response type, leaving the ARN as an intrinsic', () => {
      expect(byKey('worker').sqsEvents).toEqual([
        {
          arn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          batchSize: 7,
          maximumBatchingWindow: 2,
          functionResponseType: 'ReportBatchItemFailures',
          enabled: undefined,
        },
      ]);
    });

    it('keeps CloudFormation short forms as their long form', () => {
      expect(byKey('api').environment.TABLE).toEqual({ Ref: 'Table' });
      expect(manifest.resources.Queue?.Properties?.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] },
        maxReceiveCount: 3,
      });
    });

    it('leaves ${AWS::…} inside !Sub to CloudFormation but resolves the framework variables next to it', () => {
      const policies = manifest.resources.Role?.Properties?.Policies as {
        PolicyDocument: { Statement: { Resource: unknown }[] };
      }[];

      expect(policies[0]?.PolicyDocument.Statement[0]?.Resource).toEqual({
        'Fn::Sub':
          'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/fixture-service-local-api:*',
      });
    });

    it('loads a state machine definition from ${file(…)} with its variables resolved', () => {
      expect(manifest.stateMachines.flow).toMatchObject({
        id: 'FlowMachine',
        name: 'fixture-service-local-flow',
        definition: {
          Comment: 'Fixture state machine of fixture-service on stage local',
          States: { Work: { Parameters: { FunctionName: { 'Fn::GetAtt': ['worker', 'Arn'] } } } },
        },
      });
    });

    it('exposes the esbuild settings serverless-esbuild uses', () => {
      expect(manifest.esbuild).toEqual({ bundle: true, target: 'node24', exclude: [] });
    });
  });

  describe('resolving intrinsics with local stand-ins', () => {
    const refs: ReferenceResolver = (id, attribute) => `${id}${attribute ? `.${attribute}` : ''}-local`;
    const pseudo = { region: 'eu-west-1', accountId: '123456789012' };

    it('resolves Ref and GetAtt through the resolver and pseudo parameters itself', () => {
      expect(
        resolveIntrinsics(
          { a: { Ref: 'Table' }, b: { 'Fn::GetAtt': ['Queue', 'Arn'] }, c: { Ref: 'AWS::Region' } },
          refs,
          pseudo,
        ),
      ).toEqual({ a: 'Table-local', b: 'Queue.Arn-local', c: 'eu-west-1' });
    });

    it('resolves Fn::Sub with resource attributes, pseudo parameters and its own variables', () => {
      expect(
        resolveIntrinsics(
          { 'Fn::Sub': ['arn:${AWS::Partition}:x:${AWS::AccountId}:${Queue.Arn}/${Name}', { Name: 'n' }] },
          refs,
          pseudo,
        ),
      ).toBe('arn:aws:x:123456789012:Queue.Arn-local/n');
    });

    it('resolves Fn::Join of resolved parts', () => {
      expect(resolveIntrinsics({ 'Fn::Join': ['/', ['a', { Ref: 'Table' }]] }, refs, pseudo)).toBe(
        'a/Table-local',
      );
    });
  });

  describe('the project’s own serverless.yml', () => {
    const manifest = loadServerlessManifest({ root: PROJECT_ROOT, stage: 'local' });

    it('is found from a directory below the project', () => {
      expect(findProjectRoot(__dirname)).toBe(PROJECT_ROOT);
    });

    it('names a handler file for every function', () => {
      for (const fn of manifest.functions) {
        expect(existsSync(handlerSource(PROJECT_ROOT, fn.handler).file)).toBe(true);
      }
    });

    it('declares the receipts queue with a redrive policy to its DLQ, which the local stack recreates', () => {
      expect(manifest.resources.ReceiptsQueue?.Properties?.RedrivePolicy).toMatchObject({
        deadLetterTargetArn: { 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] },
      });
    });

    it('feeds the processor from the receipts queue with partial batch responses', () => {
      const processor = manifest.functions.find((fn) => fn.key === 'processor');

      expect(processor?.sqsEvents[0]).toMatchObject({
        arn: { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] },
        functionResponseType: 'ReportBatchItemFailures',
      });
    });
  });

  describe('reservedConcurrency', () => {
    const withFunctions = (functions: string): ReturnType<typeof loadServerlessManifest> => {
      const root = mkdtempSync(join(tmpdir(), 'manifest-'));
      try {
        writeFileSync(
          join(root, 'serverless.yml'),
          `service: s\nprovider:\n  name: aws\nparams:\n  default:\n    limit: 2\nfunctions:\n${functions}`,
        );
        return loadServerlessManifest({ root, stage: 'local' });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    };

    it('is read per function, variables resolved, and absent where not declared', () => {
      // Act
      const manifest = withFunctions(
        '  capped:\n    handler: f.handler\n    reservedConcurrency: ${param:limit}\n' +
          '  off:\n    handler: f.handler\n    reservedConcurrency: 0\n' +
          '  open:\n    handler: f.handler\n',
      );

      // Assess
      const byKey = Object.fromEntries(manifest.functions.map((fn) => [fn.key, fn]));
      expect(byKey.capped?.reservedConcurrency).toBe(2);
      expect(byKey.off?.reservedConcurrency).toBe(0);
      expect(byKey.open).not.toHaveProperty('reservedConcurrency');
    });

    it('reads the SQS event source’s maximumConcurrency beside it', () => {
      // Act
      const manifest = withFunctions(
        '  worker:\n    handler: f.handler\n    events:\n      - sqs:\n          arn: q\n' +
          '          maximumConcurrency: ${param:limit}\n',
      );

      // Assess
      expect(manifest.functions[0]?.sqsEvents[0]?.maximumConcurrency).toBe(2);
    });

    it('refuses a value that is not a whole number from 0 up', () => {
      expect(() => withFunctions('  bad:\n    handler: f.handler\n    reservedConcurrency: -1\n')).toThrow(
        'serverless.yml: functions.bad.reservedConcurrency must be a whole number from 0 up',
      );
    });
  });
});
