import { build } from 'esbuild';
const r = await build({ stdin: { contents: process.argv[2], resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, treeShaking: true, platform: 'node', format: 'cjs', mainFields: ['module','main'], write: false, metafile: true, logLevel: 'silent', outdir: '/tmp/x' });
const o = Object.values(r.metafile.outputs)[0]; const ins = Object.entries(o.inputs).filter(([k]) => /dynamodb|client-sfn|client-ses|eventbridge/.test(k)).map(([k,v]) => v.bytesInOutput + ' ' + k.replace(/^.*node_modules\//,''));
console.log(o.bytes, ins.slice(0,12).join('\n'));
