import { build } from 'esbuild';
const r = await build({ stdin: { contents: "import { createSqsClient } from './lib/shared/aws-clients'; console.log(createSqsClient);", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, treeShaking: true, platform: 'node', format: 'cjs', mainFields: ['module','main'], write: false, metafile: true, logLevel: 'silent', outdir: '/tmp/x' });
const m = r.metafile.inputs;
for (const [k, v] of Object.entries(m)) for (const imp of v.imports) if (/client-dynamodb\/dist-es\/index|lib-dynamodb\/dist-es\/index/.test(imp.path)) console.log(k.replace(/^.*node_modules\//,''), '->', imp.path.replace(/^.*node_modules\//,''), imp.kind);
