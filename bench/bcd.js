'use strict';
/**
 * bcd suite (issue 11, section 6): Lasso by coordinate descent against scikit-learn run alongside
 * in this same bench run (bench/sklearn_bcd.py with /usr/bin/python3 and Debian's python3-sklearn;
 * `python3` on PATH too when it can import sklearn; override them with ITERSOLVE_BENCH_PYTHON /
 * ITERSOLVE_BENCH_PYTHON_NEW). Both sides solve the very same numbers: this suite draws every
 * problem in JS (lib.rng seeds, Box-Muller normals) and writes it to a temporary folder in
 * bench/sklearn_bcd.py's manifest format (raw little-endian float64 / int32), which sklearn reads.
 *
 *  a. benchopt's Lasso simulated design: n = 500, p = 5000, rows ~ N(0, T), T_ij = 0.6^|i−j|
 *     (the AR(1) recursion x_j = 0.6 x_{j−1} + 0.8 e_j), 50 informative features (random
 *     positions, N(0, 1) coefficients), y = Xw* + noise scaled to ‖Xw*‖/‖noise‖ = 3 (SNR 3); dense
 *     column-major X, no intercept; λ = 0.1 and 0.01 λ_max (λ_max = ‖Xᵀy‖∞/n), tol 1e-6 on both
 *     sides (stop when the duality gap ≤ tol·‖y‖²/n, sklearn's rule). lassoSync against sklearn's
 *     Lasso(precompute=False, selection='cyclic'): first call against first call, warm (best of
 *     the later runs) against sklearn's best; target: the total over both λ ≤ 0.5× sklearn's.
 *  b. sparse CSC X: n = 10 000, p = 50 000, density 1e-3 (500 000 distinct uniformly placed
 *     entries, N(0, 1) values), 100 informative features, SNR 3, the same λ fractions and tol.
 *     No target in the issue: the ratio is reported.
 *  c. a 20-value lassoPath against sklearn's lasso_path on the same grid (λ_max·geomspace(1, 1e-2,
 *     20), the dense design of (a), tol 1e-6, warm starts along the path on both sides) — run only
 *     when the library exports lassoPath.
 *  d. the proxBcd variance-reduction section (bench/bcd-prox.js) and the MLP digits section
 *     (bench/bcd-mlp.js), each called with the suite's options when the file exists; their rows
 *     and notes are appended to this suite's.
 * At the end the notes compare the objectives and duality gaps of both sides at exit.
 * Every figure is wall clock around the call (process.hrtime / time.perf_counter), reading and
 * generating data excluded; sklearn's coordinate descent is single-threaded Cython, ours is too
 * (the 'thr' column says what the addon's pool holds, which Lasso does not use).
 * --quick: n = 200, p = 2000 dense; n = 2000, p = 10 000 sparse; 2 runs per fit instead of 3.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const PYTHON = process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3';
const PYTHON_NEW = process.env.ITERSOLVE_BENCH_PYTHON_NEW || 'python3';
const DENSE_TARGET = 0.5;
const TOL = 1e-6;
const FRACTIONS = [0.1, 0.01];
const PATH_VALUES = 20;

const now = () => Number(process.hrtime.bigint()) / 1e6;

function normals(rand, k) {
  // Box-Muller on lib.rng's uniforms (1 − u keeps the log finite); both values of a pair used.
  const out = new Float64Array(k);
  for (let i = 0; i < k; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < k) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** y = Xw* + noise with ‖Xw*‖/‖noise‖ = snr; mul(w, out) computes Xw. */
function response(rand, n, p, k, snr, mul) {
  const w = new Float64Array(p);
  // k distinct positions (partial Fisher-Yates).
  const idx = Int32Array.from({ length: p }, (_, j) => j);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (p - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const coefs = normals(rand, k);
  for (let i = 0; i < k; i++) w[idx[i]] = coefs[i];
  const Xw = mul(w);
  const noise = normals(rand, n);
  const scale = norm(Xw) / (snr * norm(noise));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Xw[i] + scale * noise[i];
  return y;
}

function norm(v) {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** benchopt's simulated Lasso design: column-major X (n × p), Toeplitz correlation rho. */
function toeplitzProblem(lib, n, p, rho, k, snr) {
  const rand = lib.rng(11);
  const data = normals(rand, n * p);
  const s = Math.sqrt(1 - rho * rho);
  for (let j = 1; j < p; j++) {
    const c = j * n;
    for (let i = 0; i < n; i++) data[c + i] = rho * data[c - n + i] + s * data[c + i];
  }
  const X = { rows: n, cols: p, data, order: 'F' };
  const y = response(rand, n, p, k, snr, (w) => {
    const out = new Float64Array(n);
    for (let j = 0; j < p; j++)
      if (w[j] !== 0) for (let i = 0; i < n; i++) out[i] += w[j] * data[j * n + i];
    return out;
  });
  const lmax = (() => {
    let m = 0;
    for (let j = 0; j < p; j++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += data[j * n + i] * y[i];
      m = Math.max(m, Math.abs(d));
    }
    return m / n;
  })();
  return { n, p, X, y, lambdaMax: lmax };
}

/** CSC X with nnz = round(density·n·p) distinct uniformly placed N(0, 1) entries. */
function sparseProblem(lib, n, p, density, k, snr) {
  const rand = lib.rng(12);
  const want = Math.round(density * n * p);
  // Linear indices j·n + i (column-major), drawn until `want` distinct ones (n·p < 2^53).
  const set = new Set();
  while (set.size < want) set.add(Math.floor(rand() * n * p));
  const lin = Float64Array.from(set).sort();
  const colPtr = new Int32Array(p + 1);
  const rowIdx = new Int32Array(want);
  for (let q = 0; q < want; q++) {
    const j = Math.floor(lin[q] / n);
    rowIdx[q] = lin[q] - j * n;
    colPtr[j + 1]++;
  }
  for (let j = 0; j < p; j++) colPtr[j + 1] += colPtr[j];
  const values = normals(rand, want);
  const X = new lib.CscMatrix(n, p, colPtr, rowIdx, values);
  const y = response(rand, n, p, k, snr, (w) => {
    const out = new Float64Array(n);
    for (let j = 0; j < p; j++)
      if (w[j] !== 0)
        for (let q = colPtr[j]; q < colPtr[j + 1]; q++) out[rowIdx[q]] += w[j] * values[q];
    return out;
  });
  let m = 0;
  for (let j = 0; j < p; j++) {
    let d = 0;
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) d += values[q] * y[rowIdx[q]];
    m = Math.max(m, Math.abs(d));
  }
  return { n, p, X, y, lambdaMax: m / n, nnz: want };
}

function writeArray(dir, file, a) {
  fs.writeFileSync(path.join(dir, file), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return file;
}

function manifestX(dir, name, X) {
  if (X.data)
    return { format: 'dense', order: 'F', data: writeArray(dir, `${name}_X.f64`, X.data) };
  return {
    format: 'csc',
    nnz: X.values.length,
    indptr: writeArray(dir, `${name}_indptr.i32`, X.colPtr),
    indices: writeArray(dir, `${name}_indices.i32`, X.rowIdx),
    data: writeArray(dir, `${name}_data.f64`, X.values),
  };
}

function hasSklearn(python) {
  const r = spawnSync(
    python,
    ['-c', 'import sklearn, sys; print(sklearn.__version__, sys.executable)'],
    { encoding: 'utf8', timeout: 60000 },
  );
  if (r.error) return { ok: false, why: `${python}: ${r.error.code || r.error.message}` };
  if (r.status !== 0)
    return {
      ok: false,
      why: `${python} cannot import sklearn (${(r.stderr || '').trim().split('\n').slice(-1)[0]})`,
    };
  const [version, executable] = r.stdout.trim().split(' ');
  return { ok: true, version, executable };
}

function runSklearn(python, dir) {
  const r = spawnSync(python, [path.join(__dirname, 'sklearn_bcd.py'), dir], {
    encoding: 'utf8',
    timeout: 1800000,
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error || r.status !== 0)
    return {
      skipped: `bench/sklearn_bcd.py failed: ${(r.error && r.error.message) || `exit ${r.status}`} ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`,
    };
  try {
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    return { skipped: `bench/sklearn_bcd.py printed no JSON (${e.message})` };
  }
}

const pass = (ok) => (ok ? 'PASS' : 'MISS');
const fmtE = (x) => (Number.isFinite(x) ? x.toExponential(2) : String(x));
const nnzOf = (w) => w.reduce((c, v) => c + (v !== 0 ? 1 : 0), 0);

/** runs calls of fn; first and best (of the later ones when there are any) wall times. */
function timeFit(fn, runs) {
  const times = [];
  let r = null;
  for (let k = 0; k < runs; k++) {
    const t0 = now();
    r = fn();
    times.push(now() - t0);
  }
  const warm = times.length > 1 ? Math.min(...times.slice(1)) : times[0];
  return { result: r, firstMs: times[0], warmMs: warm, runsMs: times };
}

async function section(file, opts, rows, notes, data, key) {
  const f = path.join(__dirname, file);
  if (!fs.existsSync(f)) {
    notes.push(`(d) bench/${file} not present: section skipped`);
    return;
  }
  const mod = require(f);
  if (typeof mod.run !== 'function') {
    notes.push(`(d) bench/${file} exports no run(opts): section skipped`);
    return;
  }
  opts.log(`(d) bench/${file}...`);
  const res = (await mod.run(opts)) || {};
  for (const r of res.rows || []) rows.push({ ...r, problem: `(d) ${r.problem}` });
  for (const n of res.notes || []) notes.push(`(d) ${n}`);
  data[key] = res.data || {};
}

async function run(opts) {
  const { lib, native, quick, log } = opts;
  const rows = [];
  const notes = [];
  const data = {};
  const thr = native.getThreads();
  const runs = quick ? 2 : 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-bcd-bench-'));
  try {
    const [dn, dp] = quick ? [200, 2000] : [500, 5000];
    const [sn, sp] = quick ? [2000, 10000] : [10000, 50000];
    log(`building the problems (dense ${dn}x${dp}, sparse ${sn}x${sp})...`);
    const dense = toeplitzProblem(lib, dn, dp, 0.6, 50, 3);
    const sparse = sparseProblem(lib, sn, sp, 1e-3, 100, 3);
    const hasPath = typeof lib.lassoPathSync === 'function';
    const grid = [];
    for (let k = 0; k < PATH_VALUES; k++)
      grid.push(dense.lambdaMax * Math.pow(1e-2, k / (PATH_VALUES - 1)));
    const problem = (name, kind, P, extra) => ({
      name,
      kind,
      n: P.n,
      p: P.p,
      X: manifestX(dir, name, P.X),
      y: writeArray(dir, `${name}_y.f64`, P.y),
      fitIntercept: false,
      tol: TOL,
      maxIter: 100000,
      runs,
      ...extra,
    });
    const manifest = {
      problems: [
        problem('dense', 'lasso', dense, { lambdas: FRACTIONS.map((f) => f * dense.lambdaMax) }),
        problem('sparse', 'lasso', sparse, {
          lambdas: FRACTIONS.map((f) => f * sparse.lambdaMax),
        }),
      ],
    };
    if (hasPath) {
      const d = manifest.problems[0];
      manifest.problems.push({ ...d, name: 'path', kind: 'path', lambdas: grid, runs: 2 });
    }
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));

    // ---- scikit-learn, in its own process(es), before ours ----
    const sks = {};
    for (const [key, py] of [
      ['debian', PYTHON],
      ['path', PYTHON_NEW],
    ]) {
      const h = hasSklearn(py);
      if (!h.ok) {
        notes.push(`sklearn (${key}) skipped: ${h.why}`);
        sks[key] = { skipped: h.why };
        continue;
      }
      if (key === 'path' && sks.debian && sks.debian.executable === h.executable) continue;
      log(`sklearn ${h.version} (${py} bench/sklearn_bcd.py)...`);
      sks[key] = runSklearn(py, dir);
      if (sks[key].skipped) notes.push(`sklearn (${key}) skipped: ${sks[key].skipped}`);
    }
    data.sklearn = sks;
    const sk = sks.debian && !sks.debian.skipped ? sks.debian : null;
    const skNew = sks.path && !sks.path.skipped ? sks.path : null;
    const skRes = (s, name) => (s ? s.results.find((r) => r.name === name) : null);

    // ---- a, b: Lasso fits ----
    const agreement = [];
    for (const [label, key, P] of [
      ['(a) dense', 'dense', dense],
      ['(b) sparse', 'sparse', sparse],
    ]) {
      const skP = skRes(sk, key);
      const tot = { first: 0, warm: 0, skFirst: 0, skBest: 0 };
      data[key] = { n: P.n, p: P.p, lambdaMax: P.lambdaMax, nnz: P.nnz, fits: [] };
      FRACTIONS.forEach((frac, i) => {
        const lambda = frac * P.lambdaMax;
        log(`${label} lassoSync λ = ${frac} λ_max, ${runs} runs...`);
        const t = timeFit(
          () =>
            lib.lassoSync(P.X, P.y, {
              lambda,
              tol: TOL,
              fitIntercept: false,
              maxIterations: 100000,
            }),
          runs,
        );
        const r = t.result;
        const s = skP ? skP.fits[i] : null;
        log(
          `  ${r.iterations} epochs, first ${t.firstMs.toFixed(1)} ms, warm ${t.warmMs.toFixed(1)} ms, ${nnzOf(r.coef)} nonzeros, gap ${fmtE(r.dualGap)} (${r.reason})` +
            (s
              ? `; sklearn ${s.nIter} epochs, first ${s.firstMs.toFixed(1)} ms, best ${s.bestMs.toFixed(1)} ms`
              : ''),
        );
        tot.first += t.firstMs;
        tot.warm += t.warmMs;
        if (s) {
          tot.skFirst += s.firstMs;
          tot.skBest += s.bestMs;
        }
        const desc = `${label} ${P.n}x${P.p}${P.nnz ? ` nnz ${P.nnz}` : ''} lasso ${frac} lmax`;
        for (const [when, ms, skMs] of [
          ['first call', t.firstMs, s && s.firstMs],
          ['warm', t.warmMs, s && s.bestMs],
        ])
          rows.push({
            problem: `${desc} ${when}${r.converged ? '' : ` (${r.reason})`}`,
            threads: thr,
            iterations: r.iterations,
            bestMs: ms,
            scipyMs: skMs,
            ratio: s ? ms / skMs : null,
          });
        data[key].fits.push({
          fraction: frac,
          lambda,
          firstMs: t.firstMs,
          warmMs: t.warmMs,
          runsMs: t.runsMs,
          iterations: r.iterations,
          reason: r.reason,
          objective: r.objective,
          dualGap: r.dualGap,
          nnz: nnzOf(r.coef),
          sklearn: s,
        });
        if (s)
          agreement.push(
            `${label} ${frac} lmax: objective ours ${r.objective.toPrecision(12)} sklearn ${s.objective.toPrecision(12)} (rel diff ${fmtE(Math.abs(r.objective - s.objective) / Math.abs(s.objective))}); ` +
              `gap ours ${fmtE(r.dualGap)} sklearn ${fmtE(s.dualGap)} (tol·‖y‖²/n = ${fmtE((TOL * P.y.reduce((a, v) => a + v * v, 0)) / P.n)}); nonzeros ${nnzOf(r.coef)} / ${s.nnz}; epochs ${r.iterations} / ${s.nIter}`,
          );
      });
      if (skP) {
        for (const [when, ours, theirs] of [
          ['first call', tot.first, tot.skFirst],
          ['warm', tot.warm, tot.skBest],
        ]) {
          const ratio = ours / theirs;
          rows.push({
            problem: `${label} total over ${FRACTIONS.join(' + ')} lmax, ${when}`,
            threads: thr,
            bestMs: ours,
            scipyMs: theirs,
            ratio,
            target: key === 'dense' ? pass(ratio <= DENSE_TARGET) : null,
          });
        }
        data[key].total = tot;
      }
    }

    // ---- c: the path ----
    if (hasPath) {
      log(`(c) lassoPathSync ${PATH_VALUES} values on the dense design, 2 runs...`);
      const t = timeFit(
        () =>
          lib.lassoPathSync(dense.X, dense.y, {
            lambdas: Float64Array.from(grid),
            tol: TOL,
            fitIntercept: false,
            maxIterations: 100000,
          }),
        2,
      );
      const r = t.result;
      const s = skRes(sk, 'path');
      for (const [when, ms, skMs] of [
        ['first call', t.firstMs, s && s.firstMs],
        ['warm', t.warmMs, s && s.bestMs],
      ])
        rows.push({
          problem: `(c) lassoPath ${PATH_VALUES} values ${dense.n}x${dense.p} to 1e-2 lmax ${when}${r.converged ? '' : ` (${r.reason})`}`,
          threads: thr,
          iterations: r.iterations,
          bestMs: ms,
          scipyMs: skMs,
          ratio: s ? ms / skMs : null,
        });
      data.path = {
        lambdas: grid,
        firstMs: t.firstMs,
        warmMs: t.warmMs,
        runsMs: t.runsMs,
        iterations: r.iterations,
        reason: r.reason,
        objectives: Array.from(r.objectives),
        dualGaps: Array.from(r.dualGaps),
        sklearn: s,
      };
      if (s) {
        let worst = 0;
        let worstGap = 0;
        for (let k = 0; k < PATH_VALUES; k++) {
          worst = Math.max(worst, Math.abs(r.objectives[k] - s.objectives[k]) / s.objectives[k]);
          worstGap = Math.max(worstGap, r.dualGaps[k]);
        }
        agreement.push(
          `(c) path: largest relative objective difference over the ${PATH_VALUES} values ${fmtE(worst)}; largest gap ours ${fmtE(worstGap)}, sklearn ${fmtE(Math.max(...s.dualGaps))}`,
        );
      }
    } else {
      notes.push('(c) lassoPath is not in this build of the library: the path section is not run');
    }

    // ---- d: the other sections ----
    await section('bcd-prox.js', opts, rows, notes, data, 'prox');
    await section('bcd-mlp.js', opts, rows, notes, data, 'mlp');

    for (const a of agreement) notes.push(`agreement ${a}`);
    notes.push(
      `tol ${TOL} on both sides: stop when the duality gap <= tol·‖y‖²/n (no intercept); ratio = ours / sklearn; 'SciPy ms' column = sklearn's time (first call vs first call, warm = best of the later runs vs sklearn's best); target: dense total <= ${DENSE_TARGET}x`,
    );
    if (sk)
      notes.push(
        `sklearn ${sk.sklearn} (${sk.executable}, Python ${sk.python}, numpy ${sk.numpy}, scipy ${sk.scipy}, BLAS ${sk.blas})`,
      );
    if (skNew) {
      const d = skRes(skNew, 'dense');
      const s = skRes(skNew, 'sparse');
      notes.push(
        `newer sklearn ${skNew.sklearn} (${skNew.executable}): dense ${d.fits.map((f) => `${f.bestMs.toFixed(0)} ms`).join(', ')}; sparse ${s.fits.map((f) => `${f.bestMs.toFixed(0)} ms`).join(', ')}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows, notes, data };
}

module.exports = { run };
