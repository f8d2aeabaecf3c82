import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * Reads `serverless.yml` the way the framework would for one stage, so the local stack builds its queues,
 * table, functions and event mappings from the same declarations that are deployed: nothing about them is
 * repeated in `local/`, and local and deployed configuration cannot drift.
 *
 * Serverless variables (`${sls:stage}`, `${self:…}`, `${param:…}`, `${opt:…, default}`, `${aws:…}`,
 * `${file(…)}`) are resolved here. CloudFormation intrinsics (`!Ref`, `!GetAtt`, `!Sub`, `!Join`) stay as
 * their long form until {@link resolveIntrinsics} is given the local stand-in for each resource.
 */

/** `!Ref X`, `!GetAtt X.Arn` … read as `{ Ref: 'X' }`, `{ 'Fn::GetAtt': ['X', 'Arn'] }` … */
const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or'];
export const CLOUDFORMATION_TAGS = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [key]: node.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [key]: node.toJSON() }) },
  ];
});

/** Reads a YAML file that may contain CloudFormation short-form tags. */
export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { customTags: CLOUDFORMATION_TAGS });
}

export interface SqsEventDefinition {
  readonly arn: unknown;
  readonly batchSize?: number;
  readonly maximumBatchingWindow?: number;
  readonly functionResponseType?: string;
  readonly enabled?: boolean;
  /** The event source's `maximumConcurrency` (ScalingConfig): at most this many batches at once. */
  readonly maximumConcurrency?: number;
}

export interface FunctionDefinition {
  /** The key under `functions:` (e.g. `ingress`). */
  readonly key: string;
  /** The deployed name, `<service>-<stage>-<key>` unless `name:` says otherwise. */
  readonly name: string;
  /** `functions/ingress.handler` */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Provider and function environment merged; values may still hold CloudFormation intrinsics. */
  readonly environment: Readonly<Record<string, unknown>>;
  /** Present when the function has a Function URL. */
  readonly url?: { readonly authType: 'NONE' | 'AWS_IAM' };
  readonly sqsEvents: readonly SqsEventDefinition[];
  /** `reservedConcurrency:` when declared: at most this many concurrent invocations, the rest throttled. */
  readonly reservedConcurrency?: number;
}

export interface ResourceDefinition {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface ServerlessManifest {
  readonly root: string;
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly functions: readonly FunctionDefinition[];
  readonly resources: Readonly<Record<string, ResourceDefinition>>;
  /** The `stepFunctions.stateMachines` section, variables resolved (definitions loaded from their files). */
  readonly stateMachines: Readonly<Record<string, Record<string, unknown>>>;
  /** The `custom.esbuild` section, for bundling handlers the way serverless-esbuild does. */
  readonly esbuild: Readonly<Record<string, unknown>>;
}

export interface LoadManifestOptions {
  /** Directory holding `serverless.yml`. */
  readonly root: string;
  readonly stage: string;
  readonly region?: string;
  /** Like `--param="name=value"`: wins over `params.<stage>` and `params.default`. */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly accountId?: string;
}

type Json = unknown;

const VARIABLES = /\$\{([^${}]+)\}/g;

/**
 * Loads and resolves `serverless.yml` for one stage.
 *
 * @example
 * const manifest = loadServerlessManifest({ root: process.cwd(), stage: 'local', params: { emailFrom: 'a@b.c' } });
 * manifest.functions.map((f) => f.name); // ['receipt-driven-sms-local-ingress', …]
 */
export function loadServerlessManifest(options: LoadManifestOptions): ServerlessManifest {
  const raw = readYaml(join(options.root, 'serverless.yml')) as Record<string, Json>;
  const region = options.region ?? 'us-east-1';
  const paramsSection = (raw.params ?? {}) as Record<string, Record<string, Json>>;
  const resolver = createVariableResolver({
    self: raw,
    stage: options.stage,
    region,
    accountId: options.accountId ?? '000000000000',
    params: { ...paramsSection.default, ...paramsSection[options.stage], ...options.params },
    root: options.root,
  });

  const service = String(resolver.resolve(raw.service));
  const provider = (resolver.resolve(raw.provider) ?? {}) as Record<string, Json>;
  const functionsSection = (raw.functions ?? {}) as Record<string, Json>;
  const functions = Object.entries(functionsSection).map(([key, value]) =>
    toFunctionDefinition(
      key,
      resolver.resolve(value) as Record<string, Json>,
      provider,
      service,
      options.stage,
    ),
  );
  const resources = (resolver.resolve((raw.resources as Record<string, Json> | undefined)?.Resources) ??
    {}) as Record<string, ResourceDefinition>;
  const stepFunctions = (raw.stepFunctions ?? {}) as Record<string, Json>;
  const stateMachines = (resolver.resolve(stepFunctions.stateMachines) ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  const esbuild = (resolver.resolve((raw.custom as Record<string, Json> | undefined)?.esbuild) ??
    {}) as Record<string, unknown>;

  return {
    root: options.root,
    service,
    stage: options.stage,
    region,
    functions,
    resources,
    stateMachines,
    esbuild,
  };
}

function toFunctionDefinition(
  key: string,
  fn: Record<string, Json>,
  provider: Record<string, Json>,
  service: string,
  stage: string,
): FunctionDefinition {
  const url = fn.url;
  const authorizer =
    typeof url === 'object' && url !== null ? (url as Record<string, Json>).authorizer : undefined;
  const events = Array.isArray(fn.events) ? (fn.events as Record<string, Json>[]) : [];
  const reservedConcurrency =
    fn.reservedConcurrency === undefined ? undefined : Number(fn.reservedConcurrency);
  if (
    reservedConcurrency !== undefined &&
    !(Number.isInteger(reservedConcurrency) && reservedConcurrency >= 0)
  ) {
    throw new Error(`serverless.yml: functions.${key}.reservedConcurrency must be a whole number from 0 up`);
  }
  return {
    key,
    name: typeof fn.name === 'string' ? fn.name : `${service}-${stage}-${key}`,
    handler: String(fn.handler),
    timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? 6),
    memorySize: Number(fn.memorySize ?? provider.memorySize ?? 1024),
    environment: {
      ...((provider.environment ?? {}) as Record<string, Json>),
      ...((fn.environment ?? {}) as Record<string, Json>),
    },
    url: url ? { authType: authorizer === 'aws_iam' ? 'AWS_IAM' : 'NONE' } : undefined,
    sqsEvents: events
      .map((event) => event.sqs)
      .filter((sqs): sqs is Record<string, Json> => typeof sqs === 'object' && sqs !== null)
      .map((sqs) => ({
        arn: sqs.arn,
        batchSize: sqs.batchSize === undefined ? undefined : Number(sqs.batchSize),
        maximumBatchingWindow:
          sqs.maximumBatchingWindow === undefined ? undefined : Number(sqs.maximumBatchingWindow),
        functionResponseType:
          sqs.functionResponseType === undefined ? undefined : String(sqs.functionResponseType),
        enabled: sqs.enabled === undefined ? undefined : Boolean(sqs.enabled),
        maximumConcurrency: sqs.maximumConcurrency === undefined ? undefined : Number(sqs.maximumConcurrency),
      })),
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
  };
}

interface ResolverContext {
  readonly self: Record<string, Json>;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly params: Record<string, Json>;
  readonly root: string;
}

/** Resolves Serverless Framework variables in any value, recursively. */
export function createVariableResolver(context: ResolverContext): { resolve(value: Json): Json } {
  const lookupPath = (object: Json, path: string): Json =>
    path
      .split('.')
      .reduce<Json>((current, part) => (current as Record<string, Json> | undefined)?.[part], object);

  const source = (expression: string, depth: number): Json => {
    const [head, ...fallbacks] = splitFallbacks(expression);
    const value = single(head!.trim(), depth);
    if (value !== undefined) return value;
    for (const fallback of fallbacks) {
      const literal = /^\s*(['"])(.*)\1\s*$/.exec(fallback);
      if (literal) return literal[2];
      if (/^\s*-?\d+(\.\d+)?\s*$/.test(fallback)) return Number(fallback);
      const resolved = single(fallback.trim(), depth);
      if (resolved !== undefined) return resolved;
    }
    throw new Error(`serverless.yml: cannot resolve \${${expression}}`);
  };

  const single = (expression: string, depth: number): Json => {
    const file = /^file\((.+)\)(?::(.+))?$/.exec(expression);
    if (file) {
      const loaded = resolveValue(readYaml(join(context.root, file[1]!.trim())), depth + 1);
      return file[2] ? lookupPath(loaded, file[2]) : loaded;
    }
    const [kind, ...rest] = expression.split(':');
    const name = rest.join(':');
    switch (kind) {
      case 'sls':
        if (name === 'stage') return context.stage;
        if (name === 'instanceId') return 'local';
        break;
      case 'opt':
        if (name === 'stage') return context.stage;
        if (name === 'region') return context.region;
        return undefined;
      case 'self':
        return resolveValue(lookupPath(context.self, name), depth + 1);
      case 'param':
        return resolveValue(context.params[name], depth + 1);
      case 'aws':
        if (name === 'region') return context.region;
        if (name === 'accountId') return context.accountId;
        break;
      case 'env':
        return undefined;
    }
    throw new Error(`serverless.yml: unsupported variable \${${expression}}`);
  };

  // `${AWS::Region}` and `${Queue.Arn}` inside `!Sub` are CloudFormation's, not the framework's: left alone.
  const isFrameworkVariable = (expression: string): boolean =>
    !/^[A-Za-z0-9]+::/.test(expression) && (expression.includes(':') || expression.startsWith('file('));

  const resolveString = (text: string, depth: number): Json => {
    if (depth > 20) throw new Error(`serverless.yml: variables nest too deep in "${text}"`);
    const whole = /^\$\{([^${}]+)\}$/.exec(text);
    if (whole && isFrameworkVariable(whole[1]!)) return source(whole[1]!, depth);
    // Innermost first, until nothing changes, so `${param:${sls:stage}}`-style nesting resolves too.
    let result = text;
    for (let previous = ''; previous !== result;) {
      previous = result;
      result = result.replace(VARIABLES, (match, expression: string) =>
        isFrameworkVariable(expression) ? String(source(expression, depth)) : match,
      );
    }
    return result;
  };

  const resolveValue = (value: Json, depth: number): Json => {
    if (typeof value === 'string') return resolveString(value, depth);
    if (Array.isArray(value)) return value.map((item) => resolveValue(item, depth));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, depth)]));
    }
    return value;
  };

  return { resolve: (value) => resolveValue(value, 0) };
}

/** Splits `opt:stage, 'dev'` at top-level commas. */
function splitFallbacks(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of expression) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** What `!Ref` and `!GetAtt` of a logical id mean locally (queue URL, table name, state machine ARN …). */
export type ReferenceResolver = (logicalId: string, attribute?: string) => string;

/**
 * Replaces CloudFormation intrinsics with local values: `Ref`, `Fn::GetAtt`, `Fn::Sub` (with `${X}`,
 * `${X.Attr}` and the `AWS::` pseudo parameters), `Fn::Join`.
 */
export function resolveIntrinsics(
  value: unknown,
  refs: ReferenceResolver,
  pseudo: { region: string; accountId: string; partition?: string },
): unknown {
  const pseudoParameters: Record<string, string> = {
    'AWS::Region': pseudo.region,
    'AWS::AccountId': pseudo.accountId,
    'AWS::Partition': pseudo.partition ?? 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [key, argument] = entries[0]!;
      if (key === 'Ref') {
        const name = String(argument);
        return pseudoParameters[name] ?? refs(name);
      }
      if (key === 'Fn::GetAtt') {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return refs(String(logicalId), String(attribute));
      }
      if (key === 'Fn::Sub') {
        const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const locals = (visit(variables) ?? {}) as Record<string, unknown>;
        return String(template).replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
          if (name in locals) return String(locals[name]);
          if (pseudoParameters[name]) return pseudoParameters[name];
          const [logicalId, attribute] = name.split('.');
          return refs(logicalId!, attribute);
        });
      }
      if (key === 'Fn::Join') {
        const [separator, items] = argument as [string, unknown[]];
        return (visit(items) as unknown[]).map(String).join(separator);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, visit(v)]));
  };
  return visit(value);
}

/** The directory holding `serverless.yml`, searched upwards from `start`. */
export function findProjectRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'serverless.yml'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`No serverless.yml found above ${start}`);
    directory = parent;
  }
  return directory;
}
