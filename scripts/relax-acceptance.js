'use strict';
/**
 * Issue 9 §3 acceptance of the relaxation tuners on the synthetic task, the quick way: per
 * (variance, seed) the SOR iteration table (T instances × the 20 default ω, sorSync from x0 = 0 to
 * rtol 1e-8, uncapped as in the paper) is computed once; the tuners then run on the table through
 * suggest/observe (the same calls solveSync makes, without re-solving). Reports, over the last
 * 1000 of T = 5000 instances: the best fixed ω on those instances, Tsallis-INF, per-bin
 * Tsallis-INF and Chebyshev contextual (context c), and the per-instance best; checks
 * Tsallis-INF ≤ 1.08 × best fixed (high and low variance, each seed) and Chebyshev ≤ 0.8 × best
 * fixed (high variance, each seed).
 *
 *   node scripts/relax-acceptance.js [--T 5000] [--seeds 1,2,3] [--cache DIR]
 *
 * Loads dist/ when it has the tuner, else lib/ through ts-node (transpile only). Set
 * ITERSOLVE_ADDON to use a private build. --cache keeps the tables (JSON) between runs.
 */
const fs = require('fs');
const path = require('path');

function load() {
  try {
    const lib = require('../dist/cjs/index.js');
    if (lib.RelaxationTuner) return lib;
  } catch {
    // fall through to the sources
  }
  process.env.TS_NODE_TRANSPILE_ONLY = '1';
  require('@isaacs/ts-node-temp-fork-for-pr-2009/register');
  return require('../lib/index.ts');
}

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const T = Number(arg('--T', '5000'));
const SEEDS = arg('--seeds', '1,2,3').split(',').map(Number);
const CACHE = arg('--cache', null);
const LAST = Math.min(1000, T);

const lib = load();
const { relaxSyntheticTask, sorSync, RelaxationTuner } = lib;
const OMEGAS = Array.from({ length: 20 }, (_, i) => 1 + (0.95 * i) / 19);
const K = OMEGAS.length;

function table(variance, seed) {
  const file = CACHE && path.join(CACHE, `relax-${variance}-${seed}-${T}.json`);
  if (file && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const inst = relaxSyntheticTask({ variance, seed, count: T });
  const iters = new Array(T);
  const t0 = Date.now();
  for (let t = 0; t < T; t++) {
    const { A, b } = inst[t];
    const row = new Array(K);
    for (let k = 0; k < K; k++)
      row[k] = sorSync(A, b, { omega: OMEGAS[k], maxIterations: 100000 }).iterations;
    iters[t] = row;
  }
  const out = { c: inst.map((p) => p.c), iters, ms: Date.now() - t0 };
  if (file) {
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(out));
  }
  return out;
}

function run(tab, options, contextual) {
  const tuner = new RelaxationTuner({ method: 'sor', seed: 7, ...options });
  const cost = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const c = contextual ? tab.c[t] : undefined;
    const w = tuner.suggest(c);
    const it = tab.iters[t][OMEGAS.indexOf(w)];
    tuner.observe(w, it, c);
    cost[t] = it;
  }
  return cost;
}

const mean = (a, from = 0) => {
  let s = 0;
  for (let i = from; i < a.length; i++) s += a[i];
  return s / (a.length - from);
};

let ok = true;
const fmt = (x) => x.toFixed(1).padStart(6);
console.log(
  `T = ${T}, means over the last ${LAST} instances (best fixed ω: the best on those instances)`,
);
console.log(
  'variance seed  best-ω  fixed  tsallis (ratio)   bins(8) (ratio)   cheb (ratio)   per-instance',
);
for (const variance of ['high', 'low']) {
  const range = [-0.15, 0.45];
  for (const seed of SEEDS) {
    const tab = table(variance, seed);
    const from = T - LAST;
    const fixed = OMEGAS.map((_, k) =>
      mean(
        tab.iters.map((r) => r[k]),
        from,
      ),
    );
    const kBest = fixed.indexOf(Math.min(...fixed));
    const best = fixed[kBest];
    const perInstance = mean(
      tab.iters.map((r) => Math.min(...r)),
      from,
    );
    const ts = mean(run(tab, {}, false), from);
    const bins = mean(run(tab, { context: { kind: 'bins', range, bins: 8 } }, true), from);
    const cheb = mean(run(tab, { context: { kind: 'chebyshev', range } }, true), from);
    const tsOk = ts <= 1.08 * best;
    const chebOk = variance !== 'high' || cheb <= 0.8 * best;
    ok = ok && tsOk && chebOk;
    console.log(
      `${variance.padEnd(8)} ${String(seed).padStart(4)}  ${OMEGAS[kBest].toFixed(2)}  ${fmt(best)}` +
        `  ${fmt(ts)} (${(ts / best).toFixed(3)}${tsOk ? '' : ' FAIL'})` +
        `  ${fmt(bins)} (${(bins / best).toFixed(3)})` +
        `  ${fmt(cheb)} (${(cheb / best).toFixed(3)}${chebOk ? '' : ' FAIL'})` +
        `  ${fmt(perInstance)} (${(perInstance / best).toFixed(3)})` +
        (tab.ms ? `   [table ${(tab.ms / 1000).toFixed(1)} s]` : ''),
    );
  }
}
console.log(ok ? 'acceptance: pass' : 'acceptance: FAIL');
process.exitCode = ok ? 0 : 1;
