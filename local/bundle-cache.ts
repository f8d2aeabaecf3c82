import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Reuses the handler bundles of an earlier start when none of their inputs changed, so starting the local
 * stack again (the next end-to-end test file, the next `npm start`) skips a few seconds of bundling.
 *
 * An entry records every project file esbuild read (from its metafile) with a hash of its content, plus a
 * key for everything else that shapes the output (build options, the lockfile, the Node major). An entry
 * is used only if all of that still matches, so an edited handler or library file is always rebuilt.
 * Entries are written to a temporary directory and renamed into place, so concurrent starts (Jest workers)
 * never see half an entry.
 */

const MANIFEST = 'inputs.json';
const KEEP_ENTRIES = 4;

interface EntryManifest {
  readonly key: string;
  /** Project-relative path → sha256 of its content. */
  readonly inputs: Readonly<Record<string, string>>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function hashFile(root: string, path: string): string | undefined {
  try {
    return sha256(readFileSync(join(root, path)));
  } catch {
    return undefined;
  }
}

/** The key of everything but the project files: build options, the lockfile, the Node major version. */
export function bundleCacheKey(root: string, options: unknown): string {
  const lockfile = hashFile(root, 'package-lock.json') ?? 'no-lockfile';
  return sha256(JSON.stringify({ options, lockfile, node: process.versions.node.split('.')[0] })).slice(
    0,
    16,
  );
}

/** An entry directory whose bundles were built from exactly the current inputs, if there is one. */
export function findCachedBundles(cacheRoot: string, root: string, key: string): string | undefined {
  if (!existsSync(cacheRoot)) return undefined;
  for (const name of readdirSync(cacheRoot)) {
    if (!name.startsWith(`${key}-`)) continue;
    const directory = join(cacheRoot, name);
    try {
      const manifest = JSON.parse(readFileSync(join(directory, MANIFEST), 'utf8')) as EntryManifest;
      const fresh = Object.entries(manifest.inputs).every(([path, hash]) => hashFile(root, path) === hash);
      if (manifest.key === key && fresh) return directory;
    } catch {
      // An unreadable entry is simply not used; pruning removes it later.
    }
  }
  return undefined;
}

/**
 * Builds into a fresh directory with `build(outdir)` (which returns the project-relative inputs it read),
 * records them, and moves the directory into the cache.
 */
export async function buildIntoCache(
  cacheRoot: string,
  root: string,
  key: string,
  build: (outdir: string) => Promise<readonly string[]>,
): Promise<string> {
  mkdirSync(cacheRoot, { recursive: true });
  const staging = join(cacheRoot, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging);
  try {
    const inputs = await build(staging);
    const hashes: Record<string, string> = {};
    for (const path of inputs) hashes[path] = hashFile(root, path) ?? 'missing';
    const manifest: EntryManifest = { key, inputs: hashes };
    writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest));
    const entry = join(cacheRoot, `${key}-${sha256(JSON.stringify(hashes)).slice(0, 16)}`);
    if (existsSync(entry)) {
      // Another start built the same thing meanwhile; use its entry.
      rmSync(staging, { recursive: true, force: true });
    } else {
      renameSync(staging, entry);
    }
    pruneCache(cacheRoot);
    return entry;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Keeps the most recent entries, and staging directories of starts that died mid-build for an hour. Removing
 * an entry in use is safe: a function's bundle is read into memory when the host starts.
 */
function pruneCache(cacheRoot: string): void {
  const entries = readdirSync(cacheRoot).map((name) => ({
    name,
    modified: statSync(join(cacheRoot, name)).mtimeMs,
  }));
  const complete = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => b.modified - a.modified);
  const abandoned = entries.filter(
    (e) => e.name.startsWith('.staging-') && e.modified < Date.now() - 3_600_000,
  );
  for (const { name } of [...complete.slice(KEEP_ENTRIES), ...abandoned]) {
    rmSync(join(cacheRoot, name), { recursive: true, force: true });
  }
}
