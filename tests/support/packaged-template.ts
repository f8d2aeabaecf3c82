import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * The CloudFormation template of the packaged project, for tests that assert on what would be deployed
 * (IAM scoping, Function URLs, queues, the state machine…).
 *
 * `npx sls package` takes seconds and both CPU cores, so it runs ONCE and every Jest worker (and every
 * later run) shares the result:
 * - The result lives in `<tmp>/receipt-driven-sms-packages/<stage>-<hash>/`, where the hash covers every
 *   file that can change the package (serverless.yml, package.json and lock, functions/, lib/,
 *   statemachines/ … everything outside tests/, docs/, build output and node_modules). Edit one of them
 *   and the next run packages again; change only tests and it reuses the package.
 * - One packager at a time per checkout: an atomic `mkdir` lock (with the owner's pid, so a lock left by a
 *   killed process is taken over). serverless-esbuild works in `.esbuild/` inside the checkout, so two
 *   concurrent packagers would trample each other. Waiters poll for the finished directory.
 * - The packager writes to a temporary directory and renames it into place, so a reader never sees a
 *   half-written package.
 *
 * Packaging is offline: osls needs no AWS credentials for `package`.
 *
 * @example
 * let template: CloudFormationTemplate;
 * beforeAll(async () => { template = await packagedTemplate(); }, PACKAGING_TIMEOUT_MS);
 * it('has a Function URL', () => { expect(resourcesOfType(template, 'AWS::Lambda::Url')).toHaveLength(1); });
 */

/** Give `beforeAll` this long: a cold package on a busy 2-core machine, plus waiting for another worker. */
export const PACKAGING_TIMEOUT_MS = 240_000;

export interface CloudFormationResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
}

export interface CloudFormationTemplate {
  readonly AWSTemplateFormatVersion?: string;
  readonly Resources: Record<string, CloudFormationResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Description?: string }>;
}

/** An IAM policy statement found anywhere in the template, with where it was found. */
export interface FoundStatement {
  /** Dotted location, e.g. `Resources.IngressRole.Properties.Policies.0.PolicyDocument.Statement.1`. */
  readonly path: string;
  readonly Effect: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

const ROOT = resolve(__dirname, '..', '..');
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
const CACHE_DIR = join(tmpdir(), 'receipt-driven-sms-packages');
// Nothing in these changes what `sls package` produces.
const IGNORED = new Set([
  'node_modules',
  '.git',
  '.serverless',
  '.esbuild',
  '.build',
  '.local',
  'coverage',
  'tests',
  'docs',
  'bench',
]);
const POLL_MS = 250;

const memo = new Map<string, Promise<CloudFormationTemplate>>();

/**
 * Packages the project for `stage` (once, shared as described above) and returns its parsed
 * CloudFormation template.
 */
export function packagedTemplate(stage = 'ci'): Promise<CloudFormationTemplate> {
  let pending = memo.get(stage);
  if (!pending) {
    pending = packageOnce(stage).then(
      (dir) => JSON.parse(readFileSync(join(dir, TEMPLATE_FILE), 'utf8')) as CloudFormationTemplate,
    );
    memo.set(stage, pending);
  }
  return pending;
}

/** The directory holding the packaged artifacts (zips, templates) for `stage`. */
export function packagedDirectory(stage = 'ci'): Promise<string> {
  return packageOnce(stage);
}

/** All resources of a CloudFormation type, as `[logicalId, resource]` pairs. */
export function resourcesOfType(
  template: CloudFormationTemplate,
  type: string,
): [string, CloudFormationResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** One resource by logical id; throws a readable error when it is missing. */
export function resourceNamed(template: CloudFormationTemplate, logicalId: string): CloudFormationResource {
  const found = template.Resources[logicalId];
  if (!found) {
    throw new Error(
      `No resource ${logicalId}; the template has ${Object.keys(template.Resources).join(', ')}`,
    );
  }
  return found;
}

/** Every IAM statement (anything with `Effect` and `Action`/`NotAction`) anywhere in the template. */
export function iamStatements(template: CloudFormationTemplate): FoundStatement[] {
  const found: FoundStatement[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}.${index}`));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (typeof record.Effect === 'string' && ('Action' in record || 'NotAction' in record)) {
      found.push({ ...(record as Omit<FoundStatement, 'path'>), path });
    }
    for (const [key, child] of Object.entries(record)) visit(child, path ? `${path}.${key}` : key);
  };
  visit(template, '');
  return found;
}

/** A statement's actions as a list, whether it wrote one action or several. */
export function actionsOf(statement: Pick<FoundStatement, 'Action'>): string[] {
  const { Action } = statement;
  if (Action === undefined) return [];
  return (Array.isArray(Action) ? Action : [Action]).map(String);
}

function packageOnce(stage: string): Promise<string> {
  const target = join(CACHE_DIR, `${stage}-${inputsHash(stage)}`);
  return ensurePackaged(stage, target);
}

function inputsHash(stage: string): string {
  // The checkout's path is part of the key: two checkouts never race for the same directory.
  const hash = createHash('sha256').update(`root=${ROOT}\nstage=${stage}\n`);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (IGNORED.has(entry.name) || entry.name.endsWith('.md')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile())
        hash
          .update(`${relative(ROOT, path)}\n`)
          .update(readFileSync(path))
          .update('\n');
    }
  };
  walk(ROOT);
  return hash.digest('hex').slice(0, 16);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(readOwner(lock));
    // A lock whose owner died (a killed Jest run) is taken over; one without a pid yet is being created.
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      rmSync(lock, { recursive: true, force: true });
      return tryLock(lock);
    }
    return false;
  }
  writeFileSync(join(lock, 'pid'), String(process.pid));
  return true;
}

function readOwner(lock: string): string {
  try {
    return readFileSync(join(lock, 'pid'), 'utf8');
  } catch {
    return '';
  }
}

async function ensurePackaged(stage: string, target: string): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const lock = join(
    CACHE_DIR,
    `checkout-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + PACKAGING_TIMEOUT_MS;

  while (Date.now() < deadline) {
    if (existsSync(join(target, TEMPLATE_FILE))) return target;
    if (tryLock(lock)) {
      try {
        // Another packager may have finished between our check and taking the lock.
        if (!existsSync(join(target, TEMPLATE_FILE))) await runPackage(stage, target);
        return target;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`Timed out after ${PACKAGING_TIMEOUT_MS} ms waiting for the project to be packaged`);
}

async function runPackage(stage: string, target: string): Promise<void> {
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  await new Promise<void>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [cli, 'package', '--stage', stage, '--package', staging],
      {
        cwd: ROOT,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: PACKAGING_TIMEOUT_MS,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`sls package --stage ${stage} failed:\n${stdout}\n${stderr}`, { cause: error }));
        } else resolvePromise();
      },
    );
  });
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  pruneOldPackages(target);
}

// Keeps the cache directory from growing without bound: packages older than a day are dropped.
function pruneOldPackages(keep: string): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (path === keep || name.endsWith('.lock')) continue;
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
