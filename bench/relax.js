'use strict';
/**
 * relax suite (issue 9 §3 and §4): stationary solvers and learned relaxation.
 *
 *  a. Natural-order SOR on 2D Poisson N=1000 (n = 10⁶), one thread, ω = 1.9, b = ones, x0 = 0:
 *     ms per iteration (one sweep plus the exact residual test), from sorSync runs of K iterations
 *     with rtol 0 (never met) and maxIterations K: best over R runs of elapsedMs / K. Against
 *     ../shared/anchors/sor_probe.c compiled (gcc -O3) and run in this same bench run
 *     (`sor_probe 1000 K 1.9`: the best single iteration of K). Target ≤ 0.6× the anchor.
 *  b. The same with ordering 'multicolor' (red-black) on 2 threads; and the iteration counts of
 *     natural and multicolour SOR (ω = 1.9) to rtol 1e-8 on Poisson N = 200.
 *  c. The tuner's own overhead per solveSync on the n = 100 synthetic task (high variance): per
 *     round a fresh tuner of a fixed seed (so the same ω sequence every round, known from a first
 *     pass) solves 1000 instances with solveSync; each instance is also solved by sorSync with that
 *     ω, and by a second fresh tuner's suggest + sorSync + observe, the three timed back to back in
 *     an order rotating per instance (whichever runs first finds the instance out of cache);
 *     ratio = median over the rounds of Σ solveSync time / Σ sorSync time. Target ≤ 1.05. Also
 *     suggest + observe alone, in µs.
 *  d. The synthetic acceptance (§3): T = 5000 instances, mean SOR iterations over the last 1000,
 *     three seeds, high and low variance. Per seed the T × 20 table of iteration counts (every
 *     instance, every ω of the tuner's grid) is computed once with sorSync; the best fixed ω in
 *     hindsight (over the same last 1000 instances), the per-instance best, and the tuners —
 *     Tsallis-INF, per-bin Tsallis-INF and Chebyshev contextual (context c) — played through
 *     suggest/observe on that table. For seed 0 (high variance) the Tsallis-INF and Chebyshev
 *     tuners also run for real (tuner.solveSync on every instance): their iteration sequences must
 *     equal the table-driven ones. Acceptance: Tsallis-INF ≤ 1.08× best fixed (each seed);
 *     Chebyshev ≤ 0.8× best fixed on high variance. --quick: T = 1000, one seed.
 *  e. The heat equation (§3, lib/relax/heat.ts): 5000 Crank-Nicolson steps (--quick 300) with
 *     every strategy of `itersolve relax-demo`: total iterations, time, ratios to the best fixed ω.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const SOR_N = 1000;
const SOR_OMEGA = 1.9;
const SOR_TARGET = 0.6;
const OVERHEAD_TARGET = 0.05;
const TSALLIS_TARGET = 1.08;
const CHEB_TARGET = 0.8;
const ANCHOR = path.resolve(__dirname, '..', '..', 'shared', 'anchors', 'sor_probe.c');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const mean = (a, lo = 0, hi = a.length) => {
  let s = 0;
  for (let i = lo; i < hi; i++) s += a[i];
  return s / (hi - lo);
};

/** Compiles and runs sor_probe.c; { msPerIt, residual } or { skipped }. */
function runAnchor(N, K, omega) {
  if (!fs.existsSync(ANCHOR)) return { skipped: `${ANCHOR} not found` };
  const exe = path.join(os.tmpdir(), `itersolve-sor-probe-${process.pid}`);
  try {
    const cc = spawnSync('gcc', ['-O3', ANCHOR, '-o', exe, '-lm'], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0)
      return {
        skipped: `gcc failed: ${(cc.error && cc.error.message) || (cc.stderr || '').trim().split('\n')[0]}`,
      };
    const r = spawnSync(exe, [String(N), String(K), String(omega)], {
      encoding: 'utf8',
      timeout: 600000,
    });
    const m = /ms\/iteration ([\d.]+) residual ([\d.e+-]+)/.exec(r.stdout || '');
    if (r.status !== 0 || !m) return { skipped: `sor_probe failed: ${(r.stderr || '').trim()}` };
    return { msPerIt: Number(m[1]), residual: Number(m[2]), line: r.stdout.trim() };
  } finally {
    fs.rmSync(exe, { force: true });
  }
}

/** Best ms per iteration of `runs` sorSync calls of K iterations each (from x0 = 0). */
function sorMsPerIt(lib, A, b, x, K, runs, ordering) {
  const opts = { omega: SOR_OMEGA, rtol: 0, maxIterations: K, out: x, ordering };
  lib.sorSync(A, b, { ...opts, maxIterations: 2 }); // warm-up: page in, start the pool
  let best = Infinity;
  let last;
  for (let i = 0; i < runs; i++) {
    last = lib.sorSync(A, b, opts);
    best = Math.min(best, last.elapsedMs / last.iterations);
  }
  return { msPerIt: best, iterations: last.iterations, residualNorm: last.residualNorm };
}

/** The T × K table of SOR iteration counts: instance t, ω index a → table[t*K + a]. */
function iterationTable(lib, instances, omegas) {
  const K = omegas.length;
  const table = new Int32Array(instances.length * K);
  const x = new Float64Array(instances[0].b.length);
  for (let t = 0; t < instances.length; t++) {
    const { A, b } = instances[t];
    for (let a = 0; a < K; a++)
      table[t * K + a] = lib.sorSync(A, b, { omega: omegas[a], out: x }).iterations;
  }
  return table;
}

/** Plays a tuner through suggest/observe on the table; its per-instance iteration counts. */
function playTable(tuner, instances, table, contextual) {
  const K = tuner.omegas.length;
  const its = new Int32Array(instances.length);
  let ms = 0;
  for (let t = 0; t < instances.length; t++) {
    const c = contextual ? instances[t].c : undefined;
    const t0 = now();
    const w = tuner.suggest(c);
    const it = table[t * K + tuner.omegas.indexOf(w)];
    tuner.observe(w, it, c);
    ms += now() - t0;
    its[t] = it;
  }
  return { its, usPerInstance: (ms * 1000) / instances.length };
}

function tunerFactories(lib, range) {
  return [
    ['Tsallis-INF', false, (seed) => new lib.RelaxationTuner({ method: 'sor', seed })],
    [
      'Tsallis-INF bins (c)',
      true,
      (seed) =>
        new lib.RelaxationTuner({ method: 'sor', seed, context: { kind: 'bins', range, bins: 6 } }),
    ],
    [
      'Chebyshev CB (c)',
      true,
      (seed) =>
        new lib.RelaxationTuner({ method: 'sor', seed, context: { kind: 'chebyshev', range } }),
    ],
  ];
}

async function run({ lib, native, quick, log, dist }) {
  const rows = [];
  const notes = [];
  const data = {};
  const prevThreads = native.getThreads();

  // ---- a, b: SOR per iteration against the C anchor -------------------------------------------
  const K = quick ? 10 : 30;
  const R = quick ? 2 : 5;
  log(`anchor: gcc -O3 sor_probe.c; sor_probe ${SOR_N} ${K} ${SOR_OMEGA}...`);
  const anchor = runAnchor(SOR_N, K, SOR_OMEGA);
  data.anchor = anchor;
  if (anchor.skipped) notes.push(`SOR anchor skipped: ${anchor.skipped}`);
  else log(`  ${anchor.line}`);
  const A = lib.poisson2d(SOR_N);
  const b = new Float64Array(A.rows).fill(1);
  const x = new Float64Array(A.rows);
  try {
    for (const [ordering, threads] of [
      ['natural', 1],
      ['multicolor', 2],
    ]) {
      native.setThreads(threads);
      log(`sor ${ordering}, ${threads} thread(s), ${R} x ${K} iterations...`);
      const m = sorMsPerIt(lib, A, b, x, K, R, ordering);
      const ratio = anchor.skipped ? null : m.msPerIt / anchor.msPerIt;
      rows.push({
        problem: `sor(${SOR_OMEGA}) ${ordering} poisson2d(${SOR_N}): ms/iteration`,
        threads,
        iterations: K,
        msPerIt: m.msPerIt,
        ratio,
        target:
          ordering === 'natural' && ratio !== null ? (ratio <= SOR_TARGET ? 'PASS' : 'MISS') : null,
      });
      data[`sor_${ordering}`] = { threads, ...m, ratio };
      log(
        `  ${m.msPerIt.toFixed(3)} ms/it${ratio === null ? '' : `, ${ratio.toFixed(2)}x the anchor`}`,
      );
    }
    if (!anchor.skipped)
      rows.push({
        problem: `anchor: sor_probe.c ${SOR_N} ${K} ${SOR_OMEGA} (gcc -O3)`,
        threads: 1,
        msPerIt: anchor.msPerIt,
      });

    // Iteration counts to rtol 1e-8, natural vs multicolour (N = 200).
    const N2 = quick ? 100 : 200;
    const A2 = lib.poisson2d(N2);
    const b2 = new Float64Array(A2.rows).fill(1);
    data.sorCounts = {};
    for (const [ordering, threads] of [
      ['natural', 1],
      ['multicolor', 2],
    ]) {
      native.setThreads(threads);
      log(`sor ${ordering} to rtol 1e-8 on poisson2d(${N2})...`);
      const r = lib.sorSync(A2, b2, { omega: SOR_OMEGA, rtol: 1e-8, ordering });
      rows.push({
        problem: `sor(${SOR_OMEGA}) ${ordering} poisson2d(${N2}) to rtol 1e-8 (${r.reason})`,
        threads,
        iterations: r.iterations,
        bestMs: r.elapsedMs,
        msPerIt: r.elapsedMs / r.iterations,
      });
      data.sorCounts[ordering] = { iterations: r.iterations, reason: r.reason, ms: r.elapsedMs };
      log(`  ${r.iterations} its (${r.reason}), ${r.elapsedMs.toFixed(0)} ms`);
    }
  } finally {
    native.setThreads(prevThreads);
  }

  // ---- c: the tuner's overhead per solveSync ---------------------------------------------------
  {
    native.setThreads(1);
    const count = quick ? 500 : 1000;
    const rounds = quick ? 3 : 7;
    const inst = lib.relaxSyntheticTask({ variance: 'high', seed: 1000, count });
    const xo = new Float64Array(100);
    const omegaSeq = new Float64Array(count);
    const seedTuner = 7;
    // The ω sequence a fresh tuner of this seed plays on these instances (the same every round).
    const first = new lib.RelaxationTuner({ method: 'sor', seed: seedTuner });
    for (let t = 0; t < count; t++)
      omegaSeq[t] = first.solveSync(inst[t].A, inst[t].b, { out: xo }).omega;
    for (let t = 0; t < count; t++)
      lib.sorSync(inst[t].A, inst[t].b, { omega: omegaSeq[t], out: xo });
    log(
      `tuner overhead: ${rounds} rounds of ${count} instances, each solved by tuner.solveSync, by suggest + sorSync + observe and by sorSync alone with the same ω, in rotating order...`,
    );
    const ratios = [];
    const manualRatios = [];
    let tunerMs = 0;
    let plainMs = 0;
    for (let k = 0; k < rounds; k++) {
      const tuner = new lib.RelaxationTuner({ method: 'sor', seed: seedTuner });
      const manual = new lib.RelaxationTuner({ method: 'sor', seed: seedTuner });
      const ms = [0, 0, 0]; // solveSync, suggest + sorSync + observe, sorSync
      for (let t = 0; t < count; t++) {
        const { A: At, b: bt } = inst[t];
        const w = omegaSeq[t];
        for (let j = 0; j < 3; j++) {
          const which = (j + t + k) % 3;
          const t0 = now();
          if (which === 0) {
            const r = tuner.solveSync(At, bt, { out: xo });
            if (r.omega !== w)
              throw new Error(`relax bench: the tuner's ω sequence changed at ${t}`);
          } else if (which === 1) {
            const wm = manual.suggest();
            manual.observe(wm, lib.sorSync(At, bt, { omega: wm, out: xo }).iterations);
          } else lib.sorSync(At, bt, { omega: w, out: xo });
          ms[which] += now() - t0;
        }
      }
      tunerMs += ms[0];
      plainMs += ms[2];
      ratios.push(ms[0] / ms[2]);
      manualRatios.push(ms[1] / ms[2]);
    }
    manualRatios.sort((a, b) => a - b);
    ratios.sort((a, b) => a - b);
    const med = ratios[(rounds - 1) >> 1];
    // The bookkeeping alone: suggest + observe of a fresh tuner on the same instances.
    const bare = new lib.RelaxationTuner({ method: 'sor', seed: 7 });
    const tb = now();
    for (let t = 0; t < count; t++) bare.observe(bare.suggest(), 100);
    const bareUs = ((now() - tb) * 1000) / count;
    rows.push({
      problem: `tuner.solveSync vs sorSync, same ω, synthetic n=100 (${rounds}x${count} solves)`,
      threads: 1,
      us: ((tunerMs - plainMs) * 1000) / (rounds * count),
      medianMs: plainMs / (rounds * count),
      ratio: med,
      target: med - 1 <= OVERHEAD_TARGET ? 'PASS' : 'MISS',
    });
    rows.push({
      problem: 'tuner suggest + observe alone (Tsallis-INF, 20 ω)',
      threads: 1,
      us: bareUs,
    });
    const medManual = manualRatios[(rounds - 1) >> 1];
    rows.push({
      problem: 'suggest + sorSync + observe vs sorSync, same instances',
      threads: 1,
      ratio: medManual,
    });
    data.overhead = {
      count,
      rounds,
      tunerMs,
      plainMs,
      ratios,
      medianRatio: med,
      manualRatios,
      medianManualRatio: medManual,
      bareUs,
    };
    log(
      `  tuner ${tunerMs.toFixed(0)} ms, plain ${plainMs.toFixed(0)} ms: median overhead ${(100 * (med - 1)).toFixed(2)} %, suggest+observe ${bareUs.toFixed(2)} us`,
    );
    native.setThreads(prevThreads);
  }

  // ---- d: synthetic acceptance -----------------------------------------------------------------
  const T = quick ? 1000 : 5000;
  const seeds = quick ? [0] : [0, 1, 2];
  const last = Math.min(1000, T / 2);
  const omegas = new lib.RelaxationTuner({ method: 'sor', seed: 0 }).omegas;
  const W = omegas.length;
  const range = [-0.15, 0.45];
  data.synthetic = [];
  native.setThreads(1);
  for (const variance of ['high', 'low']) {
    for (const seed of seeds) {
      log(`synthetic ${variance} variance, seed ${seed}: ${T} x ${W} SOR solves...`);
      const t0 = now();
      const inst = lib.relaxSyntheticTask({ variance, seed, count: T });
      const table = iterationTable(lib, inst, omegas);
      const tableMs = now() - t0;
      const lo = T - last;
      const colMean = omegas.map((_, a) => {
        let s = 0;
        for (let t = lo; t < T; t++) s += table[t * W + a];
        return s / last;
      });
      let bestA = 0;
      for (let a = 1; a < W; a++) if (colMean[a] < colMean[bestA]) bestA = a;
      const best = colMean[bestA];
      let perInst = 0;
      for (let t = lo; t < T; t++) {
        let m = Infinity;
        for (let a = 0; a < W; a++) m = Math.min(m, table[t * W + a]);
        perInst += m;
      }
      perInst /= last;
      const rec = {
        variance,
        seed,
        T,
        tableMs,
        bestFixedOmega: omegas[bestA],
        bestFixed: best,
        perInstance: perInst,
        tuners: {},
        columnMeans: colMean,
      };
      const tag = `${variance} var, seed ${seed}`;
      rows.push({
        problem: `synthetic ${tag}: best fixed ω = ${omegas[bestA].toFixed(2)}`,
        iterations: best,
        ratio: 1,
      });
      for (const [name, contextual, make] of tunerFactories(lib, range)) {
        const tuner = make(seed);
        const p = playTable(tuner, inst, table, contextual);
        const m = mean(p.its, lo, T);
        const ratio = m / best;
        let target = null;
        if (name === 'Tsallis-INF') target = ratio <= TSALLIS_TARGET ? 'PASS' : 'MISS';
        if (name.startsWith('Chebyshev') && variance === 'high')
          target = ratio <= CHEB_TARGET ? 'PASS' : 'MISS';
        rows.push({
          problem: `synthetic ${tag}: ${name}`,
          iterations: m,
          us: p.usPerInstance,
          ratio,
          target,
        });
        rec.tuners[name] = { mean: m, ratio, usPerInstance: p.usPerInstance };
        // Seed 0, high variance: the same tuner through real solveSync calls must agree.
        if (seed === 0 && variance === 'high' && name !== 'Tsallis-INF bins (c)') {
          const real = make(seed);
          const xs = new Float64Array(100);
          let same = 0;
          for (let t = 0; t < T; t++) {
            const r = real.solveSync(inst[t].A, inst[t].b, {
              out: xs,
              context: contextual ? inst[t].c : undefined,
            });
            if (r.iterations === p.its[t]) same++;
          }
          rec.tuners[name].solveSyncAgreement = same / T;
          notes.push(
            `${tag}: ${name} via tuner.solveSync on all ${T} instances: ${same}/${T} iteration counts equal to the table-driven run`,
          );
        }
        log(`  ${name}: ${m.toFixed(1)} (${ratio.toFixed(3)}x best fixed ${best.toFixed(1)})`);
      }
      rows.push({
        problem: `synthetic ${tag}: per-instance best`,
        iterations: perInst,
        ratio: perInst / best,
      });
      data.synthetic.push(rec);
    }
  }
  native.setThreads(prevThreads);

  // ---- e: heat equation ------------------------------------------------------------------------
  const steps = quick ? 300 : 5000;
  const { runHeatSync } = require(path.join(dist, 'relax', 'heat.js'));
  const { relaxDemoStrategies } = require(path.join(dist, 'cli', 'relax-demo.js'));
  const heat = [];
  for (const e of relaxDemoStrategies()) {
    log(`heat equation, ${steps} steps: ${e.label}...`);
    const r = runHeatSync({ steps, strategy: e.make() });
    heat.push({
      label: e.label,
      kind: e.kind,
      totalIterations: r.totalIterations,
      elapsedMs: r.elapsedMs,
      omegaMs: r.omegaMs,
      notConverged: r.notConverged,
    });
    log(`  ${r.totalIterations} iterations, ${r.elapsedMs.toFixed(0)} ms`);
  }
  const bestHeat = heat
    .filter((h) => h.kind === 'fixed')
    .reduce((a, h) => (h.totalIterations < a.totalIterations ? h : a));
  for (const h of heat)
    rows.push({
      problem: `heat ${steps} steps: ${h.label}${h.notConverged ? ` (${h.notConverged} unconverged)` : ''}`,
      threads: native.getThreads(),
      iterations: h.totalIterations,
      bestMs: h.elapsedMs,
      ratio: h.totalIterations / bestHeat.totalIterations,
    });
  data.heat = { steps, n: 99 * 99, bestFixed: bestHeat.label, strategies: heat };

  notes.push(
    `SOR rows: best over ${R} sorSync runs of ${K} iterations (rtol 0) of elapsedMs / ${K}; ratio = that / the anchor's best single iteration (target <= ${SOR_TARGET} natural, 1 thread)`,
  );
  notes.push(
    `tuner overhead: us/call = (tuner - plain) per solve, median ms = plain ms per solve, ratio = median over rounds of tuner / plain time (target <= ${1 + OVERHEAD_TARGET})`,
  );
  notes.push(
    `synthetic: iters = mean SOR iterations over the last ${last} of ${T} instances; ratio = / best fixed ω in hindsight on those instances ` +
      `(targets: Tsallis-INF <= ${TSALLIS_TARGET}, Chebyshev <= ${CHEB_TARGET} on high variance); us/call = suggest + observe per instance; contexts range [${range}]`,
  );
  notes.push(
    `heat: iters = total iterations over ${steps} steps (n = 99^2, SSOR-PCG to rtol 1e-8), best ms = whole run; ratio = iterations / best fixed ω (${bestHeat.label})`,
  );
  return { rows, notes, data };
}

module.exports = { run };
