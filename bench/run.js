#!/usr/bin/env node
'use strict';
/**
 * itersolve benchmark runner.
 *
 *   node bench/run.js <suite...> [--quick] [--json out.json]
 *   npm run bench -- spmv --quick --json out.json
 *
 * Each suite is one file, bench/<suite>.js, exporting `async run(opts)`; opts carries
 * { lib, native, quick, machine, log, dist } (dist: the folder lib was loaded from). A suite
 * resolves to
 *   { rows: [...table rows...], notes: [...lines...], data: {...anything for --json...} }
 * where a table row has the columns below (missing ones print as blank).
 * The library is loaded from dist/cjs (build it first; ITERSOLVE_BENCH_DIST names another folder
 * of compiled lib/); nothing here builds anything.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
// ITERSOLVE_BENCH_DIST=/path/to/cjs loads another compiled copy of lib/ (e.g. a private tsc --outDir).
const DIST_DIR = process.env.ITERSOLVE_BENCH_DIST
  ? path.resolve(process.env.ITERSOLVE_BENCH_DIST)
  : path.join(ROOT, 'dist', 'cjs');
const DIST = path.join(DIST_DIR, 'index.js');

function usage(code) {
  const suites = listSuites();
  const text = [
    'usage: node bench/run.js <suite...> [--quick] [--json out.json]',
    '       npm run bench -- <suite...> [--quick] [--json out.json]',
    '',
    `suites: ${suites.join(', ') || '(none found)'}`,
    '  --quick        fewer repetitions (smoke run, ~15 s)',
    '  --json FILE    also write every figure to FILE',
    '  --help         this text',
  ].join('\n');
  (code ? process.stderr : process.stdout).write(text + '\n');
  process.exit(code);
}

function listSuites() {
  const skip = new Set(['run.js', 'probe.js']);
  return fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && !skip.has(f))
    .map((f) => f.slice(0, -3))
    .sort();
}

function parseArgs(argv) {
  const opts = { suites: [], quick: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--json') {
      if (i + 1 >= argv.length) fail('--json needs a file name');
      opts.json = argv[++i];
    } else if (a.startsWith('--json=')) opts.json = a.slice(7);
    else if (a === '--help' || a === '-h') usage(0);
    else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else opts.suites.push(a);
  }
  if (opts.suites.length === 0) {
    process.stderr.write('bench: name at least one suite\n');
    usage(2);
  }
  const known = listSuites();
  for (const s of opts.suites)
    if (!known.includes(s)) fail(`unknown suite "${s}" (known: ${known.join(', ')})`);
  return opts;
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

/** Loads dist/cjs and the addon, or exits with a message that says what to build. */
function loadLibrary() {
  if (!fs.existsSync(DIST)) {
    fail(
      `${DIST} is missing: build the TypeScript facades first\n` +
        '       npx tsc -p tsconfig.json && node scripts/esm-wrapper.js   (or: npm run build:ts)',
    );
  }
  const lib = require(DIST);
  const { native } = require(path.join(DIST_DIR, 'native.js'));
  let nat;
  try {
    nat = native();
    lib.info();
  } catch (e) {
    fail(
      `the native addon could not be loaded: ${String((e && e.message) || e).split('\n')[0]}\n` +
        '       build it with: npx node-gyp build -j 2   (expects build/Release/itersolve.node; ' +
        'or set ITERSOLVE_ADDON=/path/to/itersolve.node)',
    );
  }
  if (typeof nat.sum !== 'function' || typeof nat.setThreads !== 'function')
    fail('the loaded addon has no sum/setThreads: rebuild it (npx node-gyp build -j 2)');
  return { lib, native: nat };
}

function cpuModel() {
  try {
    const txt = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(txt) || /^Hardware\s*:\s*(.+)$/m.exec(txt);
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  const c = os.cpus();
  return c.length ? c[0].model : 'unknown CPU';
}

function machineInfo(lib) {
  const info = lib.info();
  const logical =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    cpu: cpuModel(),
    cores: logical,
    simd: info.simd,
    simdDetected: info.simdDetected,
    simdSupported: info.simdSupported,
    defaultThreads: info.defaultThreads,
    node: process.version,
    itersolve: info.version,
    platform: `${process.platform}-${process.arch}`,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  };
}

const COLUMNS = [
  ['suite', 'suite', 'l'],
  ['problem', 'problem', 'l'],
  ['threads', 'thr', 'r'],
  ['iterations', 'iters', 'r', 0],
  ['bestMs', 'best ms', 'r', 3],
  ['msPerIt', 'ms/it', 'r', 3],
  ['us', 'us/call', 'r', 2],
  ['solvesPerS', 'solves/s', 'r', 0],
  ['medianMs', 'median ms', 'r', 3],
  ['gbps', 'GB/s', 'r', 1],
  ['pctProbe', '% probe', 'r', 0, '%'],
  ['scipyMs', 'SciPy ms', 'r', 3],
  ['ratio', 'ratio', 'r', 2],
  ['target', 'target', 'l'],
];

function fmt(v, digits, suffix) {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '-';
  if (typeof v === 'number' && digits !== undefined) return v.toFixed(digits) + (suffix || '');
  return String(v) + (suffix || '');
}

function printTable(rows) {
  const cells = rows.map((r) => COLUMNS.map(([k, , , d, s]) => fmt(r[k], d, s)));
  const widths = COLUMNS.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) =>
    vals
      .map((v, i) => (COLUMNS[i][2] === 'r' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS.map(([, h]) => h)), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const c of cells) out.push(line(c));
  process.stdout.write(out.join('\n') + '\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const { lib, native } = loadLibrary();
  const machine = machineInfo(lib);
  const log = (s) => process.stderr.write(`  ${s}\n`);

  process.stdout.write(
    `itersolve ${machine.itersolve} bench${opts.quick ? ' (--quick)' : ''}\n` +
      `machine: ${machine.cpu}, ${machine.cores} logical cores, SIMD ${machine.simd}` +
      ` (detected ${machine.simdDetected}), node ${machine.node}, ${machine.platform}, ${machine.memGiB} GiB RAM\n\n`,
  );

  const results = {};
  const allRows = [];
  const allNotes = [];
  for (const name of opts.suites) {
    const suite = require(path.join(__dirname, `${name}.js`));
    if (typeof suite.run !== 'function') fail(`bench/${name}.js does not export run(opts)`);
    process.stderr.write(`[${name}] running...\n`);
    const ts = process.hrtime.bigint();
    const res =
      (await suite.run({ lib, native, quick: opts.quick, machine, log, dist: DIST_DIR })) || {};
    const seconds = Number(process.hrtime.bigint() - ts) / 1e9;
    for (const r of res.rows || []) allRows.push({ suite: name, ...r });
    for (const n of res.notes || []) allNotes.push(`[${name}] ${n}`);
    results[name] = { seconds, rows: res.rows || [], notes: res.notes || [], ...(res.data || {}) };
  }

  printTable(allRows);
  if (allNotes.length) process.stdout.write('\n' + allNotes.join('\n') + '\n');
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`\ntotal ${total.toFixed(1)} s\n`);

  if (opts.json) {
    const doc = {
      schema: 'itersolve-bench/1',
      date: new Date().toISOString(),
      command: `node bench/run.js ${process.argv.slice(2).join(' ')}`,
      quick: opts.quick,
      machine,
      totalSeconds: total,
      suites: results,
    };
    fs.writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    process.stdout.write(`wrote ${opts.json}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
