import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIntoCache, bundleCacheKey, findCachedBundles } from '../../../local/bundle-cache';

describe('handler bundle cache', () => {
  let root: string;
  let cache: string;
  let builds: number;

  /** A stand-in for esbuild: writes one output and reports the project files it read. */
  const build = async (outdir: string): Promise<string[]> => {
    builds += 1;
    writeFileSync(join(outdir, 'ingress.js'), `// build ${builds}`);
    return ['functions/ingress.ts', 'lib/config.ts'];
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-cache-root-'));
    cache = join(root, '.local', 'build', 'bundles');
    builds = 0;
    mkdirSync(join(root, 'functions'));
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'functions', 'ingress.ts'), 'export const handler = 1;');
    writeFileSync(join(root, 'lib', 'config.ts'), 'export const x = 1;');
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds nothing before the first build, then the entry that build made', async () => {
    // Prepare
    const key = bundleCacheKey(root, { target: 'node20' });

    // Act
    const before = findCachedBundles(cache, root, key);
    const entry = await buildIntoCache(cache, root, key, build);

    // Assess
    expect(before).toBeUndefined();
    expect(findCachedBundles(cache, root, key)).toBe(entry);
    expect(builds).toBe(1);
  });

  it('misses once a file the bundle was built from changes', async () => {
    const key = bundleCacheKey(root, { target: 'node20' });
    await buildIntoCache(cache, root, key, build);

    writeFileSync(join(root, 'lib', 'config.ts'), 'export const x = 2;');

    expect(findCachedBundles(cache, root, key)).toBeUndefined();
  });

  it('keys on the build options and the lockfile', () => {
    const key = bundleCacheKey(root, { target: 'node20' });

    expect(bundleCacheKey(root, { target: 'node22' })).not.toBe(key);
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    expect(bundleCacheKey(root, { target: 'node20' })).not.toBe(key);
  });

  it('keeps one entry when two starts build the same inputs at once, and no staging directory', async () => {
    const key = bundleCacheKey(root, { target: 'node20' });

    const [a, b] = await Promise.all([
      buildIntoCache(cache, root, key, build),
      buildIntoCache(cache, root, key, build),
    ]);

    expect(a).toBe(b);
    expect(readdirSync(cache)).toHaveLength(1);
  });
});
