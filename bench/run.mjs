#!/usr/bin/env node
// `npm run bench [-- [--quick] [name-filter …]]`
//
// Runs every `bench/<name>.bench.ts` (or those whose name contains a filter) and prints one table.
// Each benchmark is bundled with esbuild into bench/out/ and run in a fresh Node process, so one cannot
// warm or pollute the JIT, caches or module state of another. A benchmark's default export returns rows
// (see bench/harness.ts); the child sends them back over IPC, so its stdout (handler logs, EMF metrics)
// can go to /dev/null. Results, with the machine they were measured on, go to bench/out/results.json.
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const outDir = join(benchDir, 'out');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((arg) => !arg.startsWith('--'));

const files = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No benchmark matches ${filters.join(', ')}`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });

async function bundle(file) {
  const name = file.replace(/\.bench\.ts$/, '');
  const outfile = join(outDir, `${name}.bench.cjs`);
  await build({
    stdin: {
      contents: [
        `import run from './${file}';`,
        'const context = JSON.parse(process.env.BENCH_CONTEXT);',
        'run(context).then(',
        '  (rows) => process.send({ rows }, () => process.exit(0)),',
        '  (error) => process.send({ error: String(error?.stack ?? error) }, () => process.exit(1)),',
        ');',
      ].join('\n'),
      resolveDir: benchDir,
      sourcefile: `${name}.entry.ts`,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    // Tools a benchmark drives (esbuild runs its own binary) stay as they are in node_modules.
    external: ['esbuild'],
    sourcemap: 'inline',
    outfile,
    logLevel: 'warning',
  });
  return { name, outfile };
}

function execute({ name, outfile }) {
  return new Promise((resolvePromise, reject) => {
    const child = fork(outfile, [], {
      cwd: root,
      // The child's output is what the code under test logs (warnings and errors go to stderr); results
      // come over IPC. stderr is kept, and shown only if the benchmark fails.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Node-version notices from dependencies would only clutter the table.
      execArgv: ['--no-warnings'],
      env: { ...process.env, BENCH_CONTEXT: JSON.stringify({ root, outDir, quick }) },
    });
    let answer;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-16_384);
    });
    child.on('message', (message) => {
      answer = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer?.rows) resolvePromise(answer.rows);
      else reject(new Error(`${name} failed (exit ${code}):\n${answer?.error ?? 'no result'}\n${stderr}`));
    });
  });
}

function format(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

function verdict(row) {
  if (!row.goal) return { goal: '', status: '' };
  const met =
    (row.goal.max === undefined || row.value <= row.goal.max) &&
    (row.goal.min === undefined || row.value >= row.goal.min);
  const goal = [
    row.goal.min !== undefined ? `≥ ${row.goal.min}` : '',
    row.goal.max !== undefined ? `≤ ${row.goal.max}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { goal, status: met ? 'met' : 'MISSED', met };
}

function printTable(rows) {
  const table = rows.map((row) => {
    const { goal, status } = verdict(row);
    return [row.bench, row.case, format(row.value), row.unit, goal, status];
  });
  const header = ['bench', 'case', 'value', 'unit', 'goal', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((line) => line[column].length)),
  );
  const line = (cells) =>
    cells
      .map((cell, column) => (column === 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const cells of table) console.log(line(cells).trimEnd());
}

const machine = {
  node: process.version,
  platform: `${platform()} ${release()} ${arch()}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};
console.log(
  `Node ${machine.node} on ${machine.cpu} (${machine.cores} cores), ${machine.platform}${quick ? ' — quick run' : ''}\n`,
);

const rows = [];
let failed = false;
for (const file of files) {
  process.stderr.write(`running ${file} …\n`);
  try {
    rows.push(...(await execute(await bundle(file))));
  } catch (error) {
    failed = true;
    console.error(String(error?.message ?? error));
  }
}

printTable(rows);
const results = rows.map((row) => ({ ...row, met: verdict(row).met }));
writeFileSync(
  join(outDir, 'results.json'),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), quick, machine, rows: results }, null, 2)}\n`,
);
console.log(`\nSaved to ${join('bench', 'out', 'results.json')}`);
if (failed) process.exit(1);
