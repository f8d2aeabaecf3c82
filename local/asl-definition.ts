import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * Loads an ASL file the way the deployment sees it. `serverless.yml` includes the definition with
 * `${file(...)}`, so the file may hold Serverless variables (`${param:x}`, `${sls:stage}`, `${self:service}`)
 * and CloudFormation references to the service's functions (`Fn::GetAtt: [sendSms, Arn]`). This module
 * resolves both to what they become on AWS (function references become the function's ARN under the
 * Framework's naming, `<service>-<stage>-<function>`), validates the result with asl-validator, and says for
 * every Task state what it calls, so a local engine can bind each one to local code.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The values Serverless would substitute at packaging time. */
export interface DeploymentVariables {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  /** `${param:name}` values (the `params:` of the stage in serverless.yml). */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

/** What one Task state calls. */
export type TaskTarget =
  | {
      readonly kind: 'lambda';
      /** The function's key under `functions:` in serverless.yml, e.g. `sendSms`. */
      readonly functionKey: string;
      /** `direct`: `Resource` is the function ARN itself (the payload is the whole effective input). */
      readonly integration: 'invoke' | 'direct';
    }
  | {
      readonly kind: 'service';
      /** `<service>:<action>` as in the Resource ARN, e.g. `events:putEvents`. */
      readonly action: string;
    };

export interface TaskBinding {
  readonly stateName: string;
  readonly target: TaskTarget;
  /** The key of the local handler that runs it: the function key, or the service action. */
  readonly handlerKey: string;
  /** `.waitForTaskToken`: the state waits for SendTaskSuccess/Failure with the token it passes on. */
  readonly waitForTaskToken: boolean;
  /** As Step Functions reports them in `TaskScheduled`: e.g. `lambda` / `invoke.waitForTaskToken`. */
  readonly resourceType: string;
  readonly resource: string;
}

export interface LoadedDefinition {
  /** Variables substituted, function references turned into ARNs; valid per asl-validator. */
  readonly definition: JsonObject;
  /** Every Task state, by name (state names are unique across nested branches too). */
  readonly tasks: ReadonlyMap<string, TaskBinding>;
}

/** CloudFormation short-form intrinsics (`!GetAtt fn.Arn`, `!Ref X`, `!Sub …`) read as their long form. */
const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'Join'];
const cloudFormationTags = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [key]: node.toJSON() as unknown }) },
    { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [key]: node.toJSON() as unknown }) },
  ];
});

/** Parses ASL written in YAML, CloudFormation tags included. */
export function parseAslYaml(text: string): unknown {
  return parse(text, { customTags: cloudFormationTags });
}

/** The ARN a function of the service gets when deployed (Serverless names it `<service>-<stage>-<key>`). */
export function functionArn(functionKey: string, variables: DeploymentVariables): string {
  return `arn:aws:lambda:${variables.region}:${variables.accountId}:function:${variables.service}-${variables.stage}-${functionKey}`;
}

const VARIABLE = /\$\{([^}]+)\}/g;

function variableValue(expression: string, variables: DeploymentVariables): string | number | boolean {
  const trimmed = expression.trim();
  const [source, ...rest] = trimmed.split(':');
  const name = rest.join(':').trim();
  if (source === 'param') {
    const value = variables.params?.[name];
    if (value === undefined) throw new Error(`ASL uses \${param:${name}}, but no such param was given`);
    return value;
  }
  switch (trimmed) {
    case 'sls:stage':
    case 'opt:stage':
      return variables.stage;
    case 'self:service':
      return variables.service;
    case 'aws:region':
      return variables.region;
    case 'aws:accountId':
      return variables.accountId;
    default:
      throw new Error(`ASL uses the variable \${${trimmed}}, which the local engine cannot resolve`);
  }
}

/** `${AWS::Region}` and the like belong to CloudFormation (`Fn::Sub`); Serverless leaves them alone too. */
const isCloudFormationReference = (expression: string): boolean => expression.includes('::');

function resolveString(text: string, variables: DeploymentVariables): JsonValue {
  const whole = /^\$\{([^}]+)\}$/.exec(text);
  // A value that is one variable keeps the variable's type, as in Serverless (`MaxAttempts: ${param:n}`).
  if (whole && !isCloudFormationReference(whole[1]!)) return variableValue(whole[1]!, variables);
  return text.replace(VARIABLE, (match, expression: string) =>
    isCloudFormationReference(expression) ? match : String(variableValue(expression, variables)),
  );
}

function resolveIntrinsic(key: string, value: JsonValue, variables: DeploymentVariables): JsonValue {
  if (key === 'Fn::GetAtt') {
    const [resource, attribute] = Array.isArray(value) ? value : String(value).split('.');
    if (typeof resource !== 'string' || attribute !== 'Arn') {
      throw new Error(`Only Fn::GetAtt [<function>, Arn] is supported, got ${JSON.stringify(value)}`);
    }
    return functionArn(resource, variables);
  }
  if (key === 'Fn::Sub' && typeof value === 'string') {
    return value.replace(VARIABLE, (_, name: string) => {
      if (name === 'AWS::Region') return variables.region;
      if (name === 'AWS::AccountId') return variables.accountId;
      if (name === 'AWS::Partition') return 'aws';
      throw new Error(`Fn::Sub variable \${${name}} cannot be resolved locally`);
    });
  }
  throw new Error(`The intrinsic ${key} cannot be resolved locally; reference functions with Fn::GetAtt`);
}

/**
 * Substitutes Serverless variables and resolves CloudFormation intrinsics, as packaging and deployment would.
 */
export function resolveDeploymentValues(value: unknown, variables: DeploymentVariables): JsonValue {
  if (typeof value === 'string') return resolveString(value, variables);
  if (Array.isArray(value)) return value.map((item) => resolveDeploymentValues(item, variables));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return resolveIntrinsic(first[0], resolveDeploymentValues(first[1], variables), variables);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveDeploymentValues(v, variables)]));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  throw new Error(`Unexpected value in the ASL definition: ${String(value)}`);
}

/** Throws with asl-validator's messages when the definition is not valid ASL. */
export function validateAsl(definition: JsonValue): void {
  // asl-validator mutates its input.
  const result = aslValidator(JSON.parse(JSON.stringify(definition)));
  if (!result.isValid) throw new Error(`Invalid state machine definition:\n${result.errorsText('\n')}`);
}

function functionKeyOf(reference: JsonValue | undefined, variables: DeploymentVariables): string {
  if (typeof reference !== 'string') {
    throw new Error(`A Lambda task must name its function statically, got ${JSON.stringify(reference)}`);
  }
  const name = reference.includes(':function:')
    ? reference.split(':function:')[1]!.split(':')[0]!
    : reference;
  const prefix = `${variables.service}-${variables.stage}-`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

function bindTask(stateName: string, state: JsonObject, variables: DeploymentVariables): TaskBinding {
  const resource = state.Resource;
  if (typeof resource !== 'string') throw new Error(`Task ${stateName} has no Resource`);
  const serviceArn = /^arn:aws:states:::([a-z0-9-]+):([A-Za-z0-9.]+)$/.exec(resource);
  if (serviceArn) {
    const [, service, actionWithPattern] = serviceArn as unknown as [string, string, string];
    const waitForTaskToken = actionWithPattern.endsWith('.waitForTaskToken');
    const action = actionWithPattern.replace(/\.waitForTaskToken$/, '');
    const binding = { stateName, waitForTaskToken, resourceType: service, resource: actionWithPattern };
    if (service === 'lambda' && action === 'invoke') {
      const parameters = (state.Parameters ?? {}) as JsonObject;
      const functionKey = functionKeyOf(parameters.FunctionName, variables);
      return {
        ...binding,
        target: { kind: 'lambda', functionKey, integration: 'invoke' },
        handlerKey: functionKey,
      };
    }
    const key = `${service}:${action}`;
    return { ...binding, target: { kind: 'service', action: key }, handlerKey: key };
  }
  if (/^arn:aws:lambda:/.test(resource)) {
    const functionKey = functionKeyOf(resource, variables);
    return {
      stateName,
      waitForTaskToken: false,
      resourceType: 'lambda',
      resource: 'invoke',
      target: { kind: 'lambda', functionKey, integration: 'direct' },
      handlerKey: functionKey,
    };
  }
  throw new Error(`Task ${stateName} uses ${resource}, which the local engine cannot run`);
}

/** Calls `visit` for every state, including those inside Parallel branches and Map processors. */
export function forEachState(definition: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  const states = (definition.States ?? {}) as Record<string, JsonObject>;
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    for (const branch of (state.Branches ?? []) as JsonObject[]) forEachState(branch, visit);
    for (const nested of [state.Iterator, state.ItemProcessor]) {
      if (nested && typeof nested === 'object' && !Array.isArray(nested)) forEachState(nested, visit);
    }
  }
}

/**
 * Loads, resolves and validates a definition, and binds its Task states.
 *
 * @example
 * const { definition, tasks } = loadAslDefinition({
 *   file: 'statemachines/delivery.asl.yml',
 *   variables: { service: 'receipt-driven-sms', stage: 'local', region: 'us-east-1', accountId: '000000000000' },
 * });
 * tasks.get('SendSms'); // { handlerKey: 'sendSms', waitForTaskToken: true, … }
 */
export function loadAslDefinition(options: {
  readonly file?: string;
  readonly definition?: unknown;
  readonly variables: DeploymentVariables;
}): LoadedDefinition {
  const raw =
    options.definition ?? (options.file ? parseAslYaml(readFileSync(options.file, 'utf8')) : undefined);
  if (raw === undefined) throw new Error('Pass a definition or a definition file');
  const definition = resolveDeploymentValues(raw, options.variables);
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new Error('A state machine definition is an object');
  }
  validateAsl(definition);
  const tasks = new Map<string, TaskBinding>();
  forEachState(definition, (name, state) => {
    if (state.Type === 'Task') tasks.set(name, bindTask(name, state, options.variables));
  });
  return { definition, tasks };
}
