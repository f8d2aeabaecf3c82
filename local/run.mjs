// Runs one of the local stack's TypeScript entry points: `node local/run.mjs start --fast`.
// esbuild (the bundler the deployment already uses) compiles the entry point and the project code it imports
// into one CommonJS file under .local/build; packages stay external and load from node_modules. This keeps
// `npm start` free of a TypeScript runtime loader dependency.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY_POINTS = ['start', 'demo'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
if (!ENTRY_POINTS.includes(name)) {
  console.error(`usage: node local/run.mjs <${ENTRY_POINTS.join('|')}> [options]`);
  process.exit(2);
}

const outfile = join(root, '.local', 'build', `${name}.cjs`);
await build({
  entryPoints: [join(root, 'local', `${name}.ts`)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${process.versions.node.split('.')[0]}`,
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.setSourceMapsEnabled(true);
// The SDK warns on Node < 22 that future versions will need it; nothing to act on for a local tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.argv = [process.argv[0], outfile, ...args];
createRequire(import.meta.url)(outfile);
