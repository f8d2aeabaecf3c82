import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { FunctionDefinition, ServerlessManifest } from './serverless-manifest';

/**
 * Bundles each handler the way serverless-esbuild does for deployment (`custom.esbuild` in serverless.yml:
 * one CommonJS file per function with every dependency inside, the AWS SDK included), so the local host runs
 * the same artefact shape as Lambda and each function gets its own copy of every module: its own logger,
 * metrics and SDK clients, as separate Lambda containers would.
 *
 * Two settings differ on purpose: `target` is the Node that runs the local stack (Lambda runs nodejs24.x,
 * the tests run Node 20), and the output is not minified, so stack traces in local logs are readable.
 */

export interface HandlerBundle {
  readonly file: string;
  /** The export to call, e.g. `handler` from `functions/ingress.handler`. */
  readonly exportName: string;
}

/** Splits `functions/ingress.handler` into its source file and export. */
export function handlerSource(root: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const extension of ['.ts', '.mts', '.js', '.mjs', '.cjs']) {
    const file = join(root, `${base}${extension}`);
    if (existsSync(file)) return { file, exportName };
  }
  throw new Error(`Handler ${handler}: no ${base}.ts or .js in ${root}`);
}

/** Builds one bundle per function into `outdir` and returns where each one is. */
export async function bundleFunctions(
  manifest: ServerlessManifest,
  functions: readonly FunctionDefinition[],
  outdir: string,
): Promise<Record<string, HandlerBundle>> {
  const settings = manifest.esbuild;
  const entryPoints: Record<string, string> = {};
  const bundles: Record<string, HandlerBundle> = {};
  for (const fn of functions) {
    const source = handlerSource(manifest.root, fn.handler);
    entryPoints[fn.key] = source.file;
    bundles[fn.key] = { file: join(outdir, `${fn.key}.js`), exportName: source.exportName };
  }
  const options: BuildOptions = {
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    keepNames: settings.keepNames !== false,
    treeShaking: settings.treeShaking !== false,
    mainFields: Array.isArray(settings.mainFields) ? settings.mainFields.map(String) : undefined,
    external: Array.isArray(settings.exclude) ? settings.exclude.map(String) : [],
    minify: false,
    // The local runtime evaluates a bundle as a function (node:vm), which has no module loader for import();
    // esbuild turns the SDK's lazy `import('node:https')` into require(), which behaves the same for builtins.
    supported: { 'dynamic-import': false },
    sourcemap: false,
    logLevel: 'silent',
    absWorkingDir: manifest.root,
  };
  await build(options);
  return bundles;
}
