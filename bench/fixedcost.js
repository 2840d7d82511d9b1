'use strict';
/**
 * Fixed cost of a solve, in SpMV-equivalents: `cgSync(poisson2d(N), b, { maxIterations: 1 })`
 * (one iteration: one product with A, plus the true-residual check at exit — 2 SpMVs of
 * arithmetic) timed against a warm SpMV (A.multiply into a preallocated y) measured in the same
 * process. Each scenario whose first call matters runs in a fresh child process, because the first
 * solve of a process is the one that pays for fresh memory (first touch costs ~4 ms per MB on the
 * project's VM, about 60× a second pass).
 *
 *   node bench/fixedcost.js [--n 1000] [--reps 15] [--threads k] [--json]
 *   ITERSOLVE_ADDON=$PWD/build-h5-rel/Release/itersolve.node node bench/fixedcost.js
 *
 * Rows: first call and warm calls, with and without `out` (a caller-provided solution buffer,
 * warm), Sync and Promise forms, plus two references: the first touch of a fresh n-vector
 * (`new Float64Array(n).fill(0)`, what any solve without `out` must pay for its result) and the
 * delay before the first onProgress of an IC(0)-PCG solve (whose preconditioner build is slow).
 */
const { spawnSync } = require('child_process');
const path = require('path');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const N = Number(arg('--n', 1000));
const REPS = Number(arg('--reps', 15));
const THREADS = Number(arg('--threads', 0)); // 0: the default (every core)

// The facade: dist/cjs (npm run build), or ITERSOLVE_LIB=<folder with index.js> (a private
// `tsc --outDir` build of lib/ matching a private addon build).
function lib() {
  const dir = process.env.ITERSOLVE_LIB || path.resolve(__dirname, '..', 'dist', 'cjs');

  return require(path.resolve(dir, 'index.js'));
}

function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// b with a seeded pattern (exact in binary), so no run depends on Math.random.
function rhs(n) {
  const b = new Float64Array(n);
  for (let i = 0; i < n; ++i) b[i] = 1 + (i % 7) / 8;
  return b;
}

let spmvX;
let spmvY;
function timeSpmv(A) {
  const t0 = now();
  A.multiply(spmvX, spmvY);
  return now() - t0;
}

function warmSpmv(A) {
  spmvX = rhs(A.cols);
  spmvY = new Float64Array(A.rows);
  for (let i = 0; i < 3; ++i) A.multiply(spmvX, spmvY);
  const t = [];
  for (let i = 0; i < 20; ++i) t.push(timeSpmv(A));
  return median(t);
}

// One child: builds the problem, measures the warm SpMV, then the scenario.
async function child(mode) {
  const { poisson2d, cgSync, cg, setThreads } = lib();
  if (THREADS > 0) setThreads(THREADS);
  const A = poisson2d(N);
  const b = rhs(A.rows);
  const spmv = warmSpmv(A);
  const out = new Float64Array(A.rows).fill(0); // warm: touched once here
  const opts = (withOut) => (withOut ? { maxIterations: 1, out } : { maxIterations: 1 });
  const res = { mode, spmvMs: spmv };
  if (mode === 'sync' || mode === 'sync-out') {
    const withOut = mode === 'sync-out';
    let t0 = now();
    const r = cgSync(A, b, opts(withOut));
    res.firstMs = now() - t0;
    res.matvecs = r.matvecs;
    // Warm calls interleaved with SpMVs, so a drift in the machine's speed hits both alike.
    const warm = [];
    const spmvs = [];
    for (let i = 0; i < REPS; ++i) {
      spmvs.push(timeSpmv(A));
      t0 = now();
      cgSync(A, b, opts(withOut));
      warm.push(now() - t0);
    }
    res.warmMs = median(warm);
    res.spmvMs = median([spmv, ...spmvs]);
  } else if (mode === 'async' || mode === 'async-out') {
    const withOut = mode === 'async-out';
    let t0 = now();
    await cg(A, b, opts(withOut));
    res.firstMs = now() - t0;
    const warm = [];
    const spmvs = [];
    for (let i = 0; i < REPS; ++i) {
      spmvs.push(timeSpmv(A));
      t0 = now();
      await cg(A, b, opts(withOut));
      warm.push(now() - t0);
    }
    res.warmMs = median(warm);
    res.spmvMs = median([spmv, ...spmvs]);
  } else if (mode === 'touch') {
    const t = [];
    for (let i = 0; i < REPS; ++i) {
      const t0 = now();
      const v = new Float64Array(A.rows).fill(0);
      t.push(now() - t0);
      if (v[0] !== 0) throw new Error('unreachable');
    }
    res.firstMs = t[0];
    res.warmMs = median(t);
  } else if (mode === 'progress') {
    // IC(0)-PCG: the factorisation is built inside the job before the first iteration.
    const delays = [];
    for (let i = 0; i < 3; ++i) {
      let first = -1;
      const t0 = now();
      await cg(A, b, {
        preconditioner: 'ic0',
        maxIterations: 5,
        onProgress: (p) => {
          if (first < 0) {
            first = now() - t0;
            res.firstProgress = p;
          }
        },
      });
      delays.push({ firstProgressMs: first, totalMs: now() - t0 });
    }
    res.progress = delays;
  }
  return res;
}

function runChild(mode) {
  const r = spawnSync(
    process.execPath,
    [
      __filename,
      '--child',
      mode,
      '--n',
      String(N),
      '--reps',
      String(REPS),
      '--threads',
      String(THREADS),
    ],
    {
      env: process.env,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function main() {
  if (process.argv.includes('--child')) {
    const res = await child(arg('--child'));
    process.stdout.write(JSON.stringify(res) + '\n');
    return;
  }
  const rows = [];
  for (const mode of ['sync', 'sync-out', 'async', 'async-out', 'touch', 'progress'])
    rows.push(runChild(mode));
  if (process.argv.includes('--json')) {
    console.log(
      JSON.stringify(
        { n: N * N, reps: REPS, addon: process.env.ITERSOLVE_ADDON || 'default', rows },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `cgSync(poisson2d(${N}), b, { maxIterations: 1 }), ${REPS} warm reps; addon: ${process.env.ITERSOLVE_ADDON || 'default'}`,
  );
  console.log('scenario      warm SpMV ms   first ms (SpMV-eq)   warm ms (SpMV-eq)');
  for (const r of rows) {
    if (r.mode === 'progress') {
      for (const p of r.progress)
        console.log(
          `progress      ${r.spmvMs.toFixed(2).padStart(8)}      IC(0) cg: first onProgress after ${p.firstProgressMs.toFixed(1)} ms (solve ${p.totalMs.toFixed(1)} ms)`,
        );
      console.log(`              first progress object: ${JSON.stringify(r.firstProgress)}`);
      continue;
    }
    const f = (ms) => `${ms.toFixed(1).padStart(7)} (${(ms / r.spmvMs).toFixed(1).padStart(5)})`;
    console.log(
      `${r.mode.padEnd(12)}  ${r.spmvMs.toFixed(2).padStart(8)}      ${f(r.firstMs)}      ${f(r.warmMs)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
