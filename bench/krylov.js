'use strict';
/**
 * krylov suite (issue 3, section 5):
 *  1. Unpreconditioned CG on 2D Poisson N=1000 (n = 10⁶) to rtol 1e-8, b = ones, on 1 and on all
 *     threads, against SciPy's `cg` on the same problem in this same run (bench/scipy_krylov.py).
 *     Target: total time at the default thread count ≤ 0.55× SciPy's.
 *  2. IC(0)-PCG, Eisenstat SSOR-PCG and Jacobi-PCG on the same problem: iterations and time.
 *  3. Call overhead: median round trip of cgSync on a 100-unknown tridiagonal system
 *     (tridiag(−1, 4, −1), b = ones, rtol 1e-8: 13 iterations), against a pure-JS CG on the same
 *     system measured here, in interleaved batches. Target ≤ 5 µs.
 *  4. Throughput: 10 000 async CG solves of a 2 000-unknown SPD system (5-point Poisson on a
 *     40×50 grid, b seeded, rtol 1e-8: 160 iterations, ~1.5 ms each) using every core, against
 *     the same solves in a sync loop, in rounds that alternate the two. Target ≥ 1.8× the sync
 *     throughput.
 *
 * GB/s of a CG iteration use the minimum bytes a fused iteration moves (whatever the
 * implementation does): the SpMV (12·nnz + 4·(n+1), p read, q written: 16·n) plus the updates
 * (x, r, p, q read and x, r, p written once more: 56·n) plus 16·n for the second read of r and p
 * in p = r + βp — 12·nnz + 4·(n+1) + 88·n bytes, ≈ 152 MB at N=1000.
 * With --quick, CG runs are capped at 200 iterations on both sides (compare ms/iteration).
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { summarize } = require('./probe');

const PYTHON = process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3';
const N = 1000;
const CG_TARGET = 0.55; // total time / SciPy total time, default threads
const OVERHEAD_TARGET_US = 5;
const THROUGHPUT_TARGET = 1.8;

function cgBytes(n, nnz) {
  return 12 * nnz + 4 * (n + 1) + 88 * n;
}

function runScipy(quick) {
  if (!fs.existsSync(PYTHON)) return { skipped: `${PYTHON} not found` };
  const args = [path.join(__dirname, 'scipy_krylov.py'), String(N)];
  if (quick) args.push('--quick');
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) {
    const msg =
      (r.error && r.error.message) ||
      (r.stderr || '').trim().split('\n').slice(-1)[0] ||
      `exit ${r.status}`;
    return { skipped: `bench/scipy_krylov.py failed: ${msg}` };
  }
  try {
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    return { skipped: `bench/scipy_krylov.py printed no JSON (${e.message})` };
  }
}

function tridiag(lib, n, diag) {
  const nnz = 3 * n - 2;
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      colIdx[k] = i - 1;
      values[k++] = -1;
    }
    colIdx[k] = i;
    values[k++] = diag;
    if (i < n - 1) {
      colIdx[k] = i + 1;
      values[k++] = -1;
    }
    rowPtr[i + 1] = k;
  }
  return new lib.CsrMatrix(n, n, rowPtr, colIdx, values);
}

/** 5-point Poisson on an nx×ny grid plus shift·I (SPD). */
function grid(lib, nx, ny, shift) {
  const n = nx * ny;
  const rowPtr = new Int32Array(n + 1);
  const colIdx = [];
  const values = [];
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const r = i * nx + j;
      if (i > 0) {
        colIdx.push(r - nx);
        values.push(-1);
      }
      if (j > 0) {
        colIdx.push(r - 1);
        values.push(-1);
      }
      colIdx.push(r);
      values.push(4 + shift);
      if (j < nx - 1) {
        colIdx.push(r + 1);
        values.push(-1);
      }
      if (i < ny - 1) {
        colIdx.push(r + nx);
        values.push(-1);
      }
      rowPtr[r + 1] = colIdx.length;
    }
  return new lib.CsrMatrix(n, n, rowPtr, Int32Array.from(colIdx), Float64Array.from(values));
}

/** Plain typed-array CG (the pure-JS reference for the call-overhead row). */
function jsCg(A, b, x, rtol, maxIt) {
  const n = A.rows;
  const { rowPtr, colIdx, values } = A;
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  let rr = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) s += values[k] * x[colIdx[k]];
    r[i] = b[i] - s;
    p[i] = r[i];
    rr += r[i] * r[i];
    bb += b[i] * b[i];
  }
  const tol2 = rtol * rtol * bb;
  let it = 0;
  while (rr > tol2 && it < maxIt) {
    let pq = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) s += values[k] * p[colIdx[k]];
      q[i] = s;
      pq += p[i] * s;
    }
    const alpha = rr / pq;
    let rr2 = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      rr2 += r[i] * r[i];
    }
    const beta = rr2 / rr;
    rr = rr2;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    it++;
  }
  return it;
}

/**
 * Per-call µs of fns[i] over `batches` rounds; each round times a batch of `per` calls of every
 * fn in turn, so all of them see the same machine state (a shared VM's speed drifts by 2x over
 * seconds). Returns one summary per fn and the median of the per-round ratios fns[0] / fns[1].
 */
function interleavedPerCallUs(fns, batches, per) {
  const t = fns.map(() => []);
  const ratios = [];
  for (let b = 0; b < batches; b++) {
    for (let f = 0; f < fns.length; f++) {
      const fn = fns[f];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < per; i++) fn();
      t[f].push(Number(process.hrtime.bigint() - t0) / 1e3 / per);
    }
    ratios.push(t[0][b] / t[1][b]);
  }
  return { each: t.map(summarize), ratio: summarize(ratios).medianMs };
}

async function run({ lib, native, quick, machine, log }) {
  const notes = [];
  const rows = [];
  const data = {};
  const all = Math.max(1, machine.cores);
  const prevThreads = native.getThreads();

  // 1 + 2: CG on Poisson N=1000. SciPy first, in its own process.
  log(`SciPy cg on poisson2d(${N}) (${PYTHON} bench/scipy_krylov.py${quick ? ' --quick' : ''})...`);
  const scipy = runScipy(quick);
  data.scipy = scipy;
  if (scipy.skipped) notes.push(`SciPy skipped: ${scipy.skipped}`);
  const A = lib.poisson2d(N);
  const n = A.rows;
  const nnz = A.nnz;
  const bytes = cgBytes(n, nnz);
  const b = new Float64Array(n).fill(1);
  const x = new Float64Array(n);
  const maxIterations = quick ? 200 : 10 * n;
  const scipyCg = scipy.skipped ? null : scipy.cg;
  const cgRuns = [];
  try {
    for (const t of all > 1 ? [1, all] : [1]) {
      native.setThreads(t);
      lib.cgSync(A, b, { out: x, maxIterations: 20 }); // warm-up: page in, start the pool
      log(`cg ${t} thread(s)...`);
      const r = lib.cgSync(A, b, { out: x, maxIterations });
      const msPerIt = r.elapsedMs / r.iterations;
      const gbps = bytes / (msPerIt * 1e-3) / 1e9;
      const ratio = scipyCg
        ? quick
          ? msPerIt / scipyCg.msPerIteration
          : r.elapsedMs / scipyCg.totalMs
        : null;
      const isDefault = t === all;
      cgRuns.push({
        threads: t,
        iterations: r.iterations,
        reason: r.reason,
        totalMs: r.elapsedMs,
        msPerIt,
        gbps,
        residualNorm: r.residualNorm,
        ratio,
      });
      rows.push({
        problem: `cg poisson2d(${N}) none`,
        threads: t,
        iterations: r.iterations,
        bestMs: r.elapsedMs,
        msPerIt,
        gbps,
        scipyMs: scipyCg ? scipyCg.totalMs : null,
        ratio,
        target: isDefault && ratio !== null ? (ratio <= CG_TARGET ? 'PASS' : 'MISS') : null,
      });
      log(
        `  ${r.iterations} its (${r.reason}), ${r.elapsedMs.toFixed(0)} ms, ${msPerIt.toFixed(2)} ms/it, ${gbps.toFixed(1)} GB/s`,
      );
    }
    native.setThreads(all);
    for (const [label, pre] of [
      ['ic0', 'ic0'],
      ['ssor(1.8) eisenstat', { type: 'ssor', omega: 1.8 }],
      ['jacobi', 'jacobi'],
    ]) {
      log(`pcg ${label}...`);
      const t0 = process.hrtime.bigint();
      const r = lib.cgSync(A, b, { out: x, preconditioner: pre, maxIterations });
      const totalMs = Number(process.hrtime.bigint() - t0) / 1e6; // includes building M
      const sc = label === 'jacobi' && !scipy.skipped ? scipy.jacobiCg : null;
      rows.push({
        problem: `pcg poisson2d(${N}) ${label}`,
        threads: all,
        iterations: r.iterations,
        bestMs: totalMs,
        msPerIt: r.elapsedMs / r.iterations,
        scipyMs: sc ? sc.totalMs : null,
        ratio: sc
          ? quick
            ? r.elapsedMs / r.iterations / sc.msPerIteration
            : totalMs / sc.totalMs
          : null,
      });
      data[`pcg_${label}`] = {
        iterations: r.iterations,
        reason: r.reason,
        totalMs,
        solveMs: r.elapsedMs,
        residualNorm: r.residualNorm,
      };
      log(`  ${r.iterations} its (${r.reason}), ${totalMs.toFixed(0)} ms`);
    }
  } finally {
    native.setThreads(prevThreads);
  }
  data.cg = cgRuns;

  // 3: call overhead.
  log('call overhead: cgSync on tridiag(100)...');
  const T = tridiag(lib, 100, 4);
  const tb = new Float64Array(100).fill(1);
  const tx = new Float64Array(100);
  const opts = { out: tx };
  const probe = lib.cgSync(T, tb, opts);
  const jx = new Float64Array(100);
  const jsIts = jsCg(T, tb, jx, 1e-8, 1000);
  const batches = quick ? 50 : 300;
  const per = 200;
  for (let i = 0; i < 2000; i++) lib.cgSync(T, tb, opts); // warm up the JIT
  const cgSync = lib.cgSync; // bound once, as `import { cgSync } from 'itersolve'` binds it
  const m = interleavedPerCallUs(
    [
      () => cgSync(T, tb, opts),
      () => {
        jx.fill(0);
        jsCg(T, tb, jx, 1e-8, 1000);
      },
    ],
    batches,
    per,
  );
  const [nat, js] = m.each;
  rows.push({
    problem: `cgSync tridiag(100), ${probe.iterations} its: median us/call`,
    threads: native.getThreads(),
    iterations: probe.iterations,
    medianMs: nat.medianMs / 1000,
    us: nat.medianMs,
    scipyMs: null,
    ratio: m.ratio,
    target: nat.medianMs <= OVERHEAD_TARGET_US ? 'PASS' : 'MISS',
  });
  rows.push({
    problem: `pure-JS CG tridiag(100), ${jsIts} its: median us/call`,
    threads: 1,
    iterations: jsIts,
    medianMs: js.medianMs / 1000,
    us: js.medianMs,
  });
  data.overhead = {
    itersolveUs: nat,
    pureJsUs: js,
    ratio: m.ratio,
    iterations: probe.iterations,
    jsIterations: jsIts,
  };
  log(
    `  itersolve ${nat.medianMs.toFixed(2)} us (best batch ${nat.bestMs.toFixed(2)}), pure JS ${js.medianMs.toFixed(2)} us, ratio ${m.ratio.toFixed(3)}`,
  );

  // 4: throughput.
  const G = grid(lib, 40, 50, 0);
  const count = quick ? 2000 : 10000;
  const rand = lib.rng(7);
  const rhs = new Float64Array(G.rows).map(() => rand() - 0.5);
  const outs = Array.from({ length: count }, () => new Float64Array(G.rows));
  // The solves are split into rounds of 250, each a sync loop then as many async solves, so both
  // halves see the same machine state (this VM's speed swings by ±50 % within seconds); totals
  // are summed over the rounds. The async solves' own elapsedMs shows how much slower a solve
  // runs while every core works (shared caches and memory, SMT siblings, turbo): cores × (sync
  // time) / (summed in-solve time) is the speedup this machine allows, the anchor for the ratio.
  const perRound = 250;
  const rounds = count / perRound;
  const cores = native.getThreads();
  log(
    `throughput: ${count} CG solves of ${G.rows} unknowns in ${rounds} rounds (sync loop, then async)...`,
  );
  for (let i = 0; i < 50; i++) lib.cgSync(G, rhs, { out: outs[i] });
  await Promise.all(outs.slice(0, 50).map((o) => lib.cg(G, rhs, { out: o })));
  let syncMs = 0;
  let asyncMs = 0;
  let inSolveMs = 0;
  let syncIts = 0;
  let asyncIts = 0;
  for (let r = 0; r < rounds; r++) {
    const chunk = outs.slice(r * perRound, (r + 1) * perRound);
    const ts = process.hrtime.bigint();
    for (const o of chunk) syncIts += lib.cgSync(G, rhs, { out: o }).iterations;
    syncMs += Number(process.hrtime.bigint() - ts) / 1e6;
    const ta = process.hrtime.bigint();
    const res = await Promise.all(chunk.map((o) => lib.cg(G, rhs, { out: o })));
    asyncMs += Number(process.hrtime.bigint() - ta) / 1e6;
    for (const x of res) {
      asyncIts += x.iterations;
      inSolveMs += x.elapsedMs;
    }
  }
  const speedup = syncMs / asyncMs;
  const ceiling = (cores * syncMs) / inSolveMs;
  rows.push({
    problem: `${count}x cgSync ${G.rows} unknowns (loop)`,
    threads: cores,
    iterations: syncIts / count,
    bestMs: syncMs,
    solvesPerS: (count / syncMs) * 1e3,
  });
  rows.push({
    problem: `${count}x cg ${G.rows} unknowns (async, all cores)`,
    threads: cores,
    iterations: asyncIts / count,
    bestMs: asyncMs,
    solvesPerS: (count / asyncMs) * 1e3,
    ratio: speedup,
    target: speedup >= THROUGHPUT_TARGET ? 'PASS' : 'MISS',
  });
  rows.push({
    problem: `anchor: speedup the machine allows (${(syncMs / count).toFixed(2)} ms/solve alone, ${(inSolveMs / count).toFixed(2)} all cores busy)`,
    threads: cores,
    ratio: ceiling,
  });
  data.throughput = {
    count,
    rounds,
    unknowns: G.rows,
    syncMs,
    asyncMs,
    inSolveMs,
    speedup,
    ceiling,
    syncIterations: syncIts / count,
  };
  log(
    `  sync ${syncMs.toFixed(0)} ms, async ${asyncMs.toFixed(0)} ms: ${speedup.toFixed(2)}x; machine allows ${ceiling.toFixed(2)}x (${((100 * speedup) / ceiling).toFixed(0)} % of it)`,
  );

  notes.push(
    `CG bytes per iteration (minimum of a fused iteration) = 12*nnz + 4*(n+1) + 88*n = ${(bytes / 1e6).toFixed(1)} MB for n = ${n}, nnz = ${nnz}; GB/s = bytes / (ms per iteration)`,
  );
  notes.push(
    quick
      ? 'quick: CG capped at 200 iterations on both sides; ratio = ms per iteration / SciPy ms per iteration'
      : `cg rows: ratio = total time / SciPy total time (target <= ${CG_TARGET} at ${all} threads); pcg rows include building the preconditioner`,
  );
  if (!scipy.skipped)
    notes.push(
      `SciPy ${scipy.scipy} (numpy ${scipy.numpy}, BLAS ${scipy.blas}): cg ${scipy.cg.iterations} its, ${scipy.cg.totalMs.toFixed(0)} ms ` +
        `(${scipy.cg.msPerIteration.toFixed(2)} ms/it); Jacobi-PCG ${scipy.jacobiCg.iterations} its; A @ x ${scipy.spmvMs.toFixed(2)} ms`,
    );
  notes.push(
    `call overhead: batches of ${per} calls of each, interleaved; ratio = median over rounds of itersolve / pure JS ` +
      `(target: itersolve <= ${OVERHEAD_TARGET_US} us median)`,
  );
  notes.push(
    `throughput: ratio = sync-loop time / async time, summed over ${rounds} rounds that each run a sync loop then as many async solves (target >= ${THROUGHPUT_TARGET}); ` +
      'anchor = cores x sync time / summed in-solve time of the async solves: the speedup this machine allows when every core works',
  );
  return { rows, notes, data };
}

module.exports = { run, tridiag };
