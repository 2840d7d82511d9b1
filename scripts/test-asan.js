#!/usr/bin/env node
'use strict';
// Runs the native unit tests and the whole tap suite against the ASan + UBSan build
// (build-asan/, made by `npm run build:asan`). Node itself is not instrumented, so the sanitizer
// runtimes are preloaded; leak checking is off because V8 keeps allocations alive until exit.
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const addon = path.join(root, 'build-asan', 'Debug', 'itersolve.node');
// The pure C++ test programs CMakeLists.txt builds (test/native/*_tests.cpp).
const testBins = [
  'native_tests',
  'mmio_tests',
  'krylov_cg_tests',
  'krylov_more_tests',
  'krylov_robust_tests',
  'sketch_tests',
  'ordering_tests',
  'precond_tests',
  'stationary_tests',
  'sinkhorn_tests',
  'emd_tests',
  'newton_tests',
  'lasso_tests',
  'logistic_tests',
  'group_lasso_tests',
  'path_tests',
  'prox_bcd_tests',
  'gemm_tests',
  'mlp_tests',
  'csc_tests',
  'amd_tests',
  'symbolic_tests',
  'cholesky_tests',
  'lu_supernodal_tests',
  'lu_tests',
  'csr_ops_tests',
  'nd_tests',
  'lanczos_tests',
].map((n) => path.join(root, 'build-asan', n));
for (const f of [addon, ...testBins]) {
  if (!fs.existsSync(f)) {
    console.error(`test-asan: ${path.relative(root, f)} is missing; run npm run build:asan first`);
    process.exit(1);
  }
}
const lib = (name) =>
  execFileSync(process.env.CXX || 'g++', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  LD_PRELOAD: [lib('libasan.so'), lib('libubsan.so')].join(' '),
  ASAN_OPTIONS:
    'detect_leaks=0:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1:handle_segv=0',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  ITERSOLVE_ADDON: addon,
};

// The native test programs run ITERSOLVE_ASAN_JOBS at a time (default: the cores, at most 2),
// each one's output printed whole when it ends, with its wall time.
function runNative(bins, jobs) {
  return new Promise((resolve) => {
    const queue = [...bins];
    let running = 0;
    let failed = 0;
    const next = () => {
      if (queue.length === 0) {
        if (running === 0) resolve(failed);
        return;
      }
      const bin = queue.shift();
      const t0 = Date.now();
      const child = spawn(bin, [], {
        env: { ...env, LD_PRELOAD: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = [];
      child.stdout.on('data', (d) => out.push(d));
      child.stderr.on('data', (d) => out.push(d));
      running++;
      child.on('close', (code, signal) => {
        running--;
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        console.log(`# ${path.basename(bin)} under ASan + UBSan (${secs} s)`);
        process.stdout.write(Buffer.concat(out));
        if (code !== 0) {
          console.log(`# ${path.basename(bin)} FAILED (${signal || `exit ${code}`})`);
          failed = failed || code || 1;
        }
        next();
      });
    };
    for (let i = 0; i < Math.min(jobs, queue.length); i++) next();
  });
}

async function main() {
  const jobs =
    Number(process.env.ITERSOLVE_ASAN_JOBS) ||
    Math.min(2, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const failed = await runNative(testBins, jobs);
  if (failed) process.exit(failed);
  runTap();
}

// The tap files that exercise no native code of their own under this build, left out of the
// ASan pass (they still run in `npm test`): type-level checks of the .d.ts files (tsc only), the
// SVG plot writer (pure TypeScript), the package manifest checks, and the CLI tests that spawn a
// fresh node per case (each child would load the sanitizer runtimes again; the code paths they
// reach are the same facades and bindings the in-process tests cover; petsc-solve's cases each start
// a supervisor node and a fake mpiexec node with its ranks, and reach no native code but norm2),
// and the two files .taprc
// excludes from `npm test` (CI runs them as steps of their own). Arguments given to this script
// replace the default list.
const ASAN_SKIP = new Set([
  'types.test.ts',
  'plot.test.ts',
  'package.test.ts',
  'cli.test.ts',
  'petsc-solve.test.ts',
  'native-avx512-emulated.test.ts',
  'simd-isolation.test.ts',
]);
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : fs
        .readdirSync(path.join(root, 'test'))
        .filter((f) => f.endsWith('.test.ts') && !ASAN_SKIP.has(f))
        .sort()
        .map((f) => path.join('test', f));

function runTap() {
  console.log('# tap suite against build-asan/Debug/itersolve.node');
  // Coverage is off here: this run is about memory errors, not lines.
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'),
      '--disable-coverage',
      '--timeout=900',
      ...files,
    ],
    {
      stdio: 'inherit',
      env,
      cwd: root,
    },
  );
  process.exit(r.status === null ? 1 : r.status);
}

main();
