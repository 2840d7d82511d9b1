'use strict';
/**
 * ot suite (issue 10, section 5): optimal transport against POT run alongside in this same bench
 * run (bench/pot_ot.py with /usr/bin/python3 and Debian's python3-pot; `python3` on PATH too when
 * it can import ot). Both sides solve the very same numbers: this suite writes every problem to a
 * temporary folder (raw float64) and POT reads it from there.
 *
 *  a. The SNS paper's random assignment problem: n = m = 500, C_ij ~ U[0, 1) (lib.rng(1)),
 *     a = b = 1/n, ε = 1/1200. sinkhornNewton to a marginal error ≤ 1e-12 (20 warm-up
 *     iterations; Newton steps used), and our log-domain Sinkhorn to the same error (iterations,
 *     time): target SNS ≥ 20× faster. ms per iteration of our log-domain Sinkhorn (from that long
 *     run) against POT's sinkhorn_log (a run of a fixed number of iterations): target ≤ 1/5.
 *  b. 2D point clouds n = m = 2000 (X ~ N(0, I), Y ~ 1.5·N(1, I), weights U[0.1, 1.1)
 *     normalised; lib.rng(2)), squared Euclidean cost (costMatrix) divided by its maximum,
 *     ε = 0.01, tol 1e-9: sinkhornSync with the default method, first call and warm (best of the
 *     next runs), against POT's sinkhorn_log (target ≤ 0.3×) and sinkhorn_knopp (target ≤ 1×),
 *     first call against first call and best against best. Our stopping test (L1 error of both
 *     marginals ≤ 1e-9) is stricter than POT's (2-norm of the b-marginal error < 1e-9); the notes
 *     give both sides' L1 errors at exit.
 *  c. emd on uniform 2D clouds (lib.rng(3)), n = m = 500, 1000, 2000, a = b = 1/n, squared
 *     Euclidean cost: best of R calls against POT's ot.emd (target ≤ 1×) and the same cost.
 *  d. W2 between two 64×64 grid densities (two seeded Gaussian mixtures on the cell centres of
 *     [0, 1]², lib.rng(4)), squared Euclidean cost / max, ε = 1e-3: sinkhornNewton and log-domain
 *     Sinkhorn to a marginal error of 1e-9: iterations and time (SNS with a time limit of 180 s;
 *     no POT: its log-domain Sinkhorn needs ~0.5 s per iteration at n = 4096 here).
 * --quick: (a) the log-domain run stops after 300 iterations (ms/iteration only) and POT runs 30;
 * (b) two runs instead of three; (c) n = 500 and 1000; (d) a 32×32 grid.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const PYTHON = process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3';
const PYTHON_NEW = process.env.ITERSOLVE_BENCH_PYTHON_NEW || 'python3';
const SNS_SPEEDUP_TARGET = 20;
const LOG_PER_IT_TARGET = 0.2;
const CLOUD_LOG_TARGET = 0.3;
const CLOUD_KNOPP_TARGET = 1;
const EMD_TARGET = 1;

const now = () => Number(process.hrtime.bigint()) / 1e6;

function normal(rand) {
  // Box-Muller on lib.rng's uniforms (1 − u keeps the log finite).
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function scaleToMax(C) {
  let mx = 0;
  for (let i = 0; i < C.length; i++) if (C[i] > mx) mx = C[i];
  for (let i = 0; i < C.length; i++) C[i] /= mx;
  return C;
}

function lapProblem(lib, n) {
  const rand = lib.rng(1);
  const C = new Float64Array(n * n);
  for (let i = 0; i < C.length; i++) C[i] = rand();
  const a = new Float64Array(n).fill(1 / n);
  return { n, m: n, a, b: Float64Array.from(a), C };
}

function cloudProblem(lib, n) {
  const rand = lib.rng(2);
  const X = new Float64Array(2 * n);
  const Y = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) X[i] = normal(rand);
  for (let i = 0; i < 2 * n; i++) Y[i] = (1 + normal(rand)) * 1.5;
  const w = () => {
    const v = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] = rand() + 0.1;
    for (let i = 0; i < n; i++) v[i] /= s;
    return v;
  };
  const a = w();
  const b = w();
  const C = scaleToMax(lib.costMatrix(X, Y, { dimension: 2 }));
  return { n, m: n, a, b, C };
}

function uniformCloud(lib, n, seed) {
  const rand = lib.rng(seed);
  const X = new Float64Array(2 * n).map(() => rand());
  const Y = new Float64Array(2 * n).map(() => rand());
  const a = new Float64Array(n).fill(1 / n);
  return { n, m: n, a, b: Float64Array.from(a), C: lib.costMatrix(X, Y, { dimension: 2 }) };
}

/** Two normalised Gaussian mixtures on the k×k cell centres; C = squared Euclidean / max. */
function gridProblem(lib, k) {
  const rand = lib.rng(4);
  const n = k * k;
  const P = new Float64Array(2 * n);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      P[2 * (i * k + j)] = (i + 0.5) / k;
      P[2 * (i * k + j) + 1] = (j + 0.5) / k;
    }
  const mixture = () => {
    const comps = Array.from({ length: 3 }, () => ({
      x: 0.2 + 0.6 * rand(),
      y: 0.2 + 0.6 * rand(),
      s: 0.05 + 0.1 * rand(),
      w: 0.5 + rand(),
    }));
    const h = new Float64Array(n);
    let sum = 0;
    for (let p = 0; p < n; p++) {
      let v = 1e-6; // a floor: every cell has some mass
      for (const c of comps) {
        const dx = P[2 * p] - c.x;
        const dy = P[2 * p + 1] - c.y;
        v += c.w * Math.exp(-(dx * dx + dy * dy) / (2 * c.s * c.s));
      }
      sum += h[p] = v;
    }
    for (let p = 0; p < n; p++) h[p] /= sum;
    return h;
  };
  const a = mixture();
  const b = mixture();
  return { n, m: n, a, b, C: scaleToMax(lib.costMatrix(P, P, { dimension: 2 })) };
}

function writeProblem(dir, name, p) {
  const files = { C: `${name}_C.f64`, a: `${name}_a.f64`, b: `${name}_b.f64` };
  for (const k of ['C', 'a', 'b'])
    fs.writeFileSync(
      path.join(dir, files[k]),
      Buffer.from(p[k].buffer, p[k].byteOffset, p[k].byteLength),
    );
  return { name, n: p.n, m: p.m, ...files };
}

function hasPot(python) {
  const r = spawnSync(
    python,
    ['-c', 'import ot, sys; print(ot.__version__, sys.version.split()[0])'],
    {
      encoding: 'utf8',
      timeout: 60000,
    },
  );
  if (r.error) return { ok: false, why: `${python}: ${r.error.code || r.error.message}` };
  if (r.status !== 0)
    return {
      ok: false,
      why: `${python} cannot import ot (${(r.stderr || '').trim().split('\n').slice(-1)[0]})`,
    };
  return { ok: true, version: r.stdout.trim() };
}

function runPot(python, dir) {
  const r = spawnSync(python, [path.join(__dirname, 'pot_ot.py'), dir], {
    encoding: 'utf8',
    timeout: 1800000,
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.error || r.status !== 0)
    return {
      skipped: `bench/pot_ot.py failed: ${(r.error && r.error.message) || `exit ${r.status}`}`,
    };
  try {
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    return { skipped: `bench/pot_ot.py printed no JSON (${e.message})` };
  }
}

const pass = (ok) => (ok ? 'PASS' : 'MISS');
const fmtE = (x) => (Number.isFinite(x) ? x.toExponential(1) : String(x));

async function run({ lib, native, quick, log }) {
  const rows = [];
  const notes = [];
  const data = {};
  const thr = native.getThreads();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-ot-bench-'));
  try {
    // ---- the problems, written for POT ----
    const LAP_N = 500;
    const LAP_EPS = 1 / 1200;
    const CLOUD_N = 2000;
    const CLOUD_EPS = 0.01;
    const TOL = 1e-9;
    const EMD_NS = quick ? [500, 1000] : [500, 1000, 2000];
    const cloudRuns = quick ? 2 : 3;
    const potLapIts = quick ? 30 : 200;
    log('building the problems...');
    const lap = lapProblem(lib, LAP_N);
    const cloud = cloudProblem(lib, CLOUD_N);
    const emds = EMD_NS.map((n) => uniformCloud(lib, n, 3));
    const manifest = {
      problems: [
        { kind: 'lap', ...writeProblem(dir, 'lap', lap), epsilon: LAP_EPS, iterations: potLapIts },
        {
          kind: 'clouds',
          ...writeProblem(dir, 'clouds', cloud),
          epsilon: CLOUD_EPS,
          tol: TOL,
          runs: cloudRuns,
        },
        ...emds.map((p) => ({
          kind: 'emd',
          ...writeProblem(dir, `emd${p.n}`, p),
          runs: p.n >= 2000 ? 2 : 3,
        })),
      ],
    };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));

    // ---- POT, in its own process(es), before ours ----
    const pots = {};
    for (const [key, py] of [
      ['debian', PYTHON],
      ['path', PYTHON_NEW],
    ]) {
      const h = hasPot(py);
      if (!h.ok) {
        notes.push(`POT (${key}) skipped: ${h.why}`);
        pots[key] = { skipped: h.why };
        continue;
      }
      if (
        key === 'path' &&
        pots.debian &&
        pots.debian.pot &&
        h.version.startsWith(pots.debian.pot + ' ')
      ) {
        // The same interpreter/POT as the Debian one (PATH points at it): once is enough.
        const real = spawnSync(py, ['-c', 'import sys; print(sys.executable)'], {
          encoding: 'utf8',
        });
        if ((real.stdout || '').trim() === pots.debian.executable) continue;
      }
      log(`POT ${h.version} (${py} bench/pot_ot.py)...`);
      pots[key] = runPot(py, dir);
      if (pots[key].skipped) notes.push(`POT (${key}) skipped: ${pots[key].skipped}`);
    }
    data.pot = pots;
    const pot = pots.debian && !pots.debian.skipped ? pots.debian : null;
    const potNew = pots.path && !pots.path.skipped ? pots.path : null;
    const potRes = (p, name) => (p ? p.results.find((r) => r.name === name) : null);

    // ---- a. random assignment problem ----
    log(`(a) sinkhornNewton n=${LAP_N}, ε=1/1200, tol 1e-12...`);
    const sns = lib.sinkhornNewtonSync(lap.a, lap.b, lap.C, {
      epsilon: LAP_EPS,
      tol: 1e-12,
      plan: 'none',
    });
    log(
      `  ${sns.warmupIterations} + ${sns.newtonIterations} Newton (${sns.cgIterations} CG), ${sns.elapsedMs.toFixed(0)} ms, err ${fmtE(sns.marginalError)} (${sns.reason})`,
    );
    const logMax = quick ? 300 : 200000;
    log(`(a) log-domain Sinkhorn to 1e-12 (at most ${logMax} iterations)...`);
    const lg = lib.sinkhornSync(lap.a, lap.b, lap.C, {
      epsilon: LAP_EPS,
      method: 'log',
      tol: 1e-12,
      maxIterations: logMax,
      plan: 'none',
    });
    const msPerIt = lg.elapsedMs / lg.iterations;
    log(
      `  ${lg.iterations} its, ${lg.elapsedMs.toFixed(0)} ms (${msPerIt.toFixed(3)} ms/it), err ${fmtE(lg.marginalError)} (${lg.reason})`,
    );
    const speedup = lg.elapsedMs / sns.elapsedMs;
    const potLap = potRes(pot, 'lap');
    rows.push({
      problem: `(a) SNS lap n=${LAP_N} eps=1/1200 to 1e-12: ${sns.warmupIterations}+${sns.newtonIterations} Newton`,
      threads: thr,
      iterations: sns.iterations,
      bestMs: sns.elapsedMs,
      // A log-domain run that stops short of 1e-12 makes its time a lower bound of the time to
      // 1e-12, so the speedup is a lower bound too.
      ratio: quick ? null : 1 / speedup,
      target: quick ? null : pass(sns.marginalError <= 1e-12 && speedup >= SNS_SPEEDUP_TARGET),
    });
    rows.push({
      problem: `(a) log Sinkhorn lap n=${LAP_N} to 1e-12${lg.converged ? '' : ` (${lg.reason})`}`,
      threads: thr,
      iterations: lg.iterations,
      bestMs: lg.elapsedMs,
      msPerIt,
      scipyMs: potLap ? potLap.msPerIteration : null,
      ratio: potLap ? msPerIt / potLap.msPerIteration : null,
      target: potLap ? pass(msPerIt / potLap.msPerIteration <= LOG_PER_IT_TARGET) : null,
    });
    data.lap = {
      n: LAP_N,
      epsilon: LAP_EPS,
      sns: pick(sns, [
        'iterations',
        'warmupIterations',
        'newtonIterations',
        'cgIterations',
        'elapsedMs',
        'marginalError',
        'reason',
        'cost',
      ]),
      log: pick(lg, ['iterations', 'elapsedMs', 'marginalError', 'reason', 'cost']),
      logMsPerIteration: msPerIt,
      snsSpeedup: speedup,
      pot: potLap,
    };
    notes.push(
      `(a) SNS ${sns.warmupIterations} warm-up + ${sns.newtonIterations} Newton steps (${sns.cgIterations} CG iterations), marginal error ${fmtE(sns.marginalError)}, ${sns.elapsedMs.toFixed(0)} ms; ` +
        `log-domain ${lg.iterations} iterations to ${fmtE(lg.marginalError)}, ${(lg.elapsedMs / 1000).toFixed(1)} s: SNS ${lg.converged ? '' : 'at least '}${speedup.toFixed(0)}x faster (target >= ${SNS_SPEEDUP_TARGET}x; ratio column = SNS / log time)` +
        (quick ? ' [quick: log-domain capped, no speedup target]' : ''),
    );
    if (potLap)
      notes.push(
        `(a) ms/iteration: ours ${msPerIt.toFixed(3)} vs POT sinkhorn_log ${potLap.msPerIteration.toFixed(3)} (${potLap.iterations} iterations): ${(msPerIt / potLap.msPerIteration).toFixed(3)}x (target <= ${LOG_PER_IT_TARGET})`,
      );

    // ---- b. point clouds ----
    log(
      `(b) sinkhornSync clouds n=${CLOUD_N}, ε=${CLOUD_EPS}, tol ${TOL}: default method, ${cloudRuns} runs...`,
    );
    const cruns = [];
    let cr = null;
    for (let r = 0; r < cloudRuns; r++) {
      const t0 = now();
      cr = lib.sinkhornSync(cloud.a, cloud.b, cloud.C, { epsilon: CLOUD_EPS, tol: TOL });
      cruns.push(now() - t0);
    }
    const cbest = Math.min(...cruns.slice(1));
    log(
      `  ${cr.method}: ${cr.iterations} its, first ${cruns[0].toFixed(0)} ms, warm ${cbest.toFixed(0)} ms, err ${fmtE(cr.marginalError)}`,
    );
    const t0 = now();
    const clog = lib.sinkhornSync(cloud.a, cloud.b, cloud.C, {
      epsilon: CLOUD_EPS,
      tol: TOL,
      method: 'log',
    });
    const clogMs = now() - t0;
    const potC = potRes(pot, 'clouds');
    for (const [label, ms] of [
      ['first call', cruns[0]],
      ['warm', cbest],
    ]) {
      const potLogMs = potC ? (label === 'warm' ? potC.log.bestMs : potC.log.firstMs) : null;
      const potKnoppMs = potC ? (label === 'warm' ? potC.knopp.bestMs : potC.knopp.firstMs) : null;
      rows.push({
        problem: `(b) sinkhorn clouds n=${CLOUD_N} eps=0.01 ${cr.method} ${label} vs POT log`,
        threads: thr,
        iterations: cr.iterations,
        bestMs: ms,
        scipyMs: potLogMs,
        ratio: potC ? ms / potLogMs : null,
        target: potC ? pass(ms / potLogMs <= CLOUD_LOG_TARGET) : null,
      });
      rows.push({
        problem: `(b) sinkhorn clouds n=${CLOUD_N} eps=0.01 ${cr.method} ${label} vs POT knopp`,
        threads: thr,
        iterations: cr.iterations,
        bestMs: ms,
        scipyMs: potKnoppMs,
        ratio: potC ? ms / potKnoppMs : null,
        target: potC ? pass(ms / potKnoppMs <= CLOUD_KNOPP_TARGET) : null,
      });
    }
    rows.push({
      problem: `(b) sinkhorn clouds n=${CLOUD_N} eps=0.01 method 'log' (info)`,
      threads: thr,
      iterations: clog.iterations,
      bestMs: clogMs,
      scipyMs: potC ? potC.log.bestMs : null,
      ratio: potC ? clogMs / potC.log.bestMs : null,
    });
    data.clouds = {
      n: CLOUD_N,
      epsilon: CLOUD_EPS,
      tol: TOL,
      method: cr.method,
      iterations: cr.iterations,
      runsMs: cruns,
      marginalError: cr.marginalError,
      cost: cr.cost,
      log: { ms: clogMs, ...pick(clog, ['iterations', 'marginalError', 'cost']) },
      pot: potC,
    };
    if (potC)
      notes.push(
        `(b) at exit: ours (${cr.method}) ${cr.iterations} iterations, L1 marginal error ${fmtE(cr.marginalError)}, cost ${cr.cost.toPrecision(10)}; ` +
          `POT log ${potC.log.iterations} its, L1 ${fmtE(potC.log.marginalError)}, cost ${potC.log.cost.toPrecision(10)}; knopp ${potC.knopp.iterations} its, L1 ${fmtE(potC.knopp.marginalError)} ` +
          `(POT stops on the 2-norm of the b-marginal error < 1e-9, we on the L1 error of both <= 1e-9); first call vs POT's first call, warm = best of the later runs on both sides`,
      );

    // ---- c. emd ----
    data.emd = [];
    for (const p of emds) {
      const runs = p.n >= 2000 ? 2 : 3;
      log(`(c) emd n=${p.n}, ${runs} runs...`);
      const times = [];
      let r = null;
      for (let k = 0; k < runs; k++) {
        const ts = now();
        r = lib.emdSync(p.a, p.b, p.C);
        times.push(now() - ts);
      }
      const best = Math.min(...times);
      const pe = potRes(pot, `emd${p.n}`);
      const costRel = pe ? Math.abs(r.cost - pe.cost) / pe.cost : null;
      log(
        `  ${r.iterations} pivots, best ${best.toFixed(0)} ms, cost ${r.cost} (POT ${pe ? pe.cost : '-'})`,
      );
      rows.push({
        problem: `(c) emd uniform 2D clouds n=${p.n} (${r.iterations} pivots)`,
        threads: thr,
        iterations: r.iterations,
        bestMs: best,
        medianMs: times.slice().sort((x, y) => x - y)[Math.floor(times.length / 2)],
        scipyMs: pe ? pe.bestMs : null,
        ratio: pe ? best / pe.bestMs : null,
        target: pe ? pass(best / pe.bestMs <= EMD_TARGET && costRel <= 1e-12) : null,
      });
      data.emd.push({
        n: p.n,
        runsMs: times,
        pivots: r.iterations,
        cost: r.cost,
        reason: r.reason,
        pot: pe,
        costRel,
      });
      if (pe && !(costRel <= 1e-12))
        notes.push(`(c) n=${p.n}: cost differs from POT's by ${fmtE(costRel)} relative`);
    }

    // ---- d. W2 between grid densities ----
    const K = quick ? 32 : 64;
    const G_EPS = 1e-3;
    log(`(d) W2 ${K}x${K} grids (n = ${K * K}), ε=${G_EPS}, tol ${TOL}...`);
    const grid = gridProblem(lib, K);
    const gs = lib.sinkhornNewtonSync(grid.a, grid.b, grid.C, {
      epsilon: G_EPS,
      tol: TOL,
      plan: 'none',
      timeLimitMs: quick ? 60000 : 180000,
    });
    log(
      `  SNS ${gs.warmupIterations}+${gs.newtonIterations} (${gs.cgIterations} CG), ${gs.elapsedMs.toFixed(0)} ms, err ${fmtE(gs.marginalError)}`,
    );
    const gl = lib.sinkhornSync(grid.a, grid.b, grid.C, {
      epsilon: G_EPS,
      method: 'log',
      tol: TOL,
      maxIterations: 100000,
      plan: 'none',
      timeLimitMs: quick ? 20000 : 300000,
    });
    log(
      `  log ${gl.iterations} its, ${gl.elapsedMs.toFixed(0)} ms, err ${fmtE(gl.marginalError)} (${gl.reason})`,
    );
    rows.push({
      problem: `(d) W2 ${K}x${K} grids eps=1e-3 tol 1e-9: SNS ${gs.warmupIterations}+${gs.newtonIterations} Newton${gs.converged ? '' : ` (${gs.reason})`}`,
      threads: thr,
      iterations: gs.iterations,
      bestMs: gs.elapsedMs,
      ratio: gs.elapsedMs / gl.elapsedMs,
    });
    rows.push({
      problem: `(d) W2 ${K}x${K} grids eps=1e-3 tol 1e-9: log Sinkhorn${gl.converged ? '' : ` (${gl.reason})`}`,
      threads: thr,
      iterations: gl.iterations,
      bestMs: gl.elapsedMs,
      msPerIt: gl.elapsedMs / gl.iterations,
    });
    data.grid = {
      k: K,
      n: K * K,
      epsilon: G_EPS,
      tol: TOL,
      sns: pick(gs, [
        'iterations',
        'warmupIterations',
        'newtonIterations',
        'cgIterations',
        'elapsedMs',
        'marginalError',
        'reason',
        'cost',
      ]),
      log: pick(gl, ['iterations', 'elapsedMs', 'marginalError', 'reason', 'cost']),
    };
    notes.push(
      `(d) W2² (entropic, ε = 1e-3 of max C): SNS ${gs.cost.toPrecision(8)}, log ${gl.cost.toPrecision(8)}; ratio column = SNS time / log time`,
    );

    if (pot)
      notes.push(
        `POT ${pot.pot} (${pot.executable}, Python ${pot.python}, numpy ${pot.numpy}, BLAS ${pot.blas}); 'SciPy ms' column = POT's time`,
      );
    if (potNew) {
      const l = potRes(potNew, 'lap');
      const c = potRes(potNew, 'clouds');
      const e = potNew.results.filter((x) => x.name.startsWith('emd'));
      notes.push(
        `newer POT ${potNew.pot} (${potNew.executable}): lap ${l.msPerIteration.toFixed(3)} ms/it; clouds log ${c.log.bestMs.toFixed(0)} ms, knopp ${c.knopp.bestMs.toFixed(0)} ms; ` +
          `emd ${e.map((x) => `n=${x.n} ${x.bestMs.toFixed(0)} ms`).join(', ')}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows, notes, data };
}

function pick(o, keys) {
  const r = {};
  for (const k of keys) r[k] = o[k];
  return r;
}

module.exports = { run };
