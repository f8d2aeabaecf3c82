#!/usr/bin/env node
/**
 * `npx receipt-sms`: the package.json `bin` entry. The CLI is TypeScript in cli/; this launcher bundles
 * it with esbuild (already the project's compiler for the Lambdas) into .build/cli/ the first time, and
 * again whenever a source file is newer than the bundle, then runs it. Dependencies stay external and
 * load from node_modules, so a rebuild takes well under a second, and there is no separate build step
 * to forget after `npm ci` or after pulling changes.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'cli', 'receipt-sms.ts');
const outDir = path.join(root, '.build', 'cli');
const bundle = path.join(outDir, 'receipt-sms.cjs');
const inputsFile = path.join(outDir, 'inputs.json');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isStale() {
  const builtAt = mtime(bundle);
  if (builtAt === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  } catch {
    return true;
  }
  return (
    !Array.isArray(inputs) || inputs.some((file) => (mtime(path.join(root, file)) ?? Infinity) > builtAt)
  );
}

async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write(
      'receipt-sms: esbuild is missing. The CLI builds itself from TypeScript with the dev dependencies:\n' +
        '  run `npm ci` (without --omit=dev) in the project.\n',
    );
    process.exit(3);
  }
  fs.mkdirSync(outDir, { recursive: true });
  // Write next to the target and rename: two terminals starting the CLI at once never see half a file.
  const temp = `${bundle}.${process.pid}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: temp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules'));
  fs.writeFileSync(inputsFile, JSON.stringify(inputs));
  fs.renameSync(temp, bundle);
}

if (isStale()) await build();

// The AWS SDK warns once per process on Node 20 that its 2027 releases will need Node 22. The CLI pins
// its SDK versions, and nine lines of that on every command would bury the answer support came for.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.setSourceMapsEnabled(true);

process.once('SIGINT', () => {
  process.stderr.write('\n');
  process.exit(130);
});

// The bundle is CommonJS (like the Lambda bundles and the Jest setup), so it is loaded with require.
const { main } = createRequire(import.meta.url)(bundle);
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  now: () => new Date(),
  projectRoot: root,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`receipt-sms: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 3;
  },
);
