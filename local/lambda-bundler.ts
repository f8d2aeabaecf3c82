import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { buildIntoCache, bundleCacheKey, findCachedBundles } from './bundle-cache';
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

/**
 * Bundles every function (or reuses identical bundles from an earlier start, see `bundle-cache.ts`) under
 * `cacheRoot`, and returns where each one is.
 */
export async function bundleFunctions(
  manifest: ServerlessManifest,
  functions: readonly FunctionDefinition[],
  cacheRoot: string,
): Promise<Record<string, HandlerBundle>> {
  const settings = manifest.esbuild;
  const entryPoints: Record<string, string> = {};
  const exportNames: Record<string, string> = {};
  for (const fn of functions) {
    const source = handlerSource(manifest.root, fn.handler);
    entryPoints[fn.key] = source.file;
    exportNames[fn.key] = source.exportName;
  }
  const options: BuildOptions = {
    entryPoints,
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

  const key = bundleCacheKey(manifest.root, { ...options, entryPoints: Object.keys(entryPoints).sort() });
  const directory =
    findCachedBundles(cacheRoot, manifest.root, key) ??
    (await buildIntoCache(cacheRoot, manifest.root, key, async (outdir) => {
      const { metafile } = await build({ ...options, outdir, metafile: true });
      // Project files only: node_modules are covered by the lockfile in the cache key.
      return Object.keys(metafile.inputs).filter((path) => !path.includes('node_modules/'));
    }));
  return Object.fromEntries(
    Object.keys(entryPoints).map((fnKey) => [
      fnKey,
      { file: join(directory, `${fnKey}.js`), exportName: exportNames[fnKey]! },
    ]),
  );
}
