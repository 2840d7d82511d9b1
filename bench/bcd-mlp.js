'use strict';
/**
 * MLP digits section of the bcd suite (issue 11, section 4; bench/bcd.js calls run(opts), and
 * `npm run bench -- bcd-mlp` runs it alone): trainMlpBcd on scikit-learn's digits
 * (test/fixtures/bcd/digits.json: pixels / 16, one-hot targets, the fixture's stratified seeded
 * 80/20 split, 1437 train / 360 test), hidden [256, 256], γ = ρ = 1, α = 0.01, seed 0, for the
 * paper's initialisation (W = 0.01·randn, b = 0.1) and He's (W = randn·√(2/fan_in), b = 0).
 *
 * Per epoch: the split objective and the network's own loss ½‖f(X) − Y‖² (one run of the last
 * checkpoint's length gives every epoch's), and at checkpoint epochs the train and test accuracy
 * (runs are deterministic for a seed, so the run of k epochs is the first k epochs of the longer
 * one; each checkpoint is its own run) and ms per epoch (that run's elapsedMs / epochs; the
 * network loss's forward pass is included; the notes add the process CPU time per epoch over all
 * threads, which a busy machine inflates less than the wall clock).
 *
 * Beside them, the honest baselines, computed here with our own solvers (cgBatchSync on the ridge
 * normal equations, rtol 1e-12): sklearn's RidgeClassifier(alpha = 1) on the raw pixels (±1
 * targets, intercept by centring), and the same ridge readout on the frozen initial features of
 * the [256, 256] network (the weights of trainMlpBcdSync with epochs 0, the same seed and init),
 * with digits.json's `reference` accuracies (sklearn on numpy's draws) printed beside ours.
 * --quick: checkpoints 1, 2, 5, 10 instead of 1, 2, 3, 5, 10, 20, 40.
 */
const fs = require('fs');
const path = require('path');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'bcd', 'digits.json');
const HIDDEN = [256, 256];
const OPTIONS = { hidden: HIDDEN, gamma: 1, rho: 1, alpha: 0.01, seed: 0 };

function load() {
  const d = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
  const test = new Set(d.testIndices);
  const subset = (idx) => {
    const X = new Float64Array(idx.length * d.d);
    const Y = new Float64Array(idx.length * d.classes);
    const labels = idx.map((i) => Number(d.labels[i]));
    idx.forEach((i, s) => {
      for (let j = 0; j < d.d; j++) X[s * d.d + j] = parseInt(d.pixels[i][j], 36) / 16;
      Y[s * d.classes + labels[s]] = 1;
    });
    return {
      X: { rows: idx.length, cols: d.d, data: X, order: 'C' },
      Y: { rows: idx.length, cols: d.classes, data: Y, order: 'C' },
      labels,
    };
  };
  const all = [...Array(d.n).keys()];
  return {
    train: subset(all.filter((i) => !test.has(i))),
    test: subset(d.testIndices),
    classes: d.classes,
    reference: d.reference,
  };
}

/** Fraction of rows whose largest output is the label (out: rows × k row-major). */
function accuracy(out, labels, k) {
  let right = 0;
  labels.forEach((label, s) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[s * k + c] > out[s * k + best]) best = c;
    if (best === label) right++;
  });
  return right / labels.length;
}

/** ReLU features of the hidden layers of `weights` (all but the last layer) for X (row-major). */
function hiddenFeatures(weights, X) {
  let V = X.data;
  let width = X.cols;
  for (const L of weights.slice(0, -1)) {
    const out = new Float64Array(X.rows * L.rows);
    for (let s = 0; s < X.rows; s++) {
      const v = V.subarray(s * width, (s + 1) * width);
      for (let r = 0; r < L.rows; r++) {
        let z = L.b[r];
        const w = L.W.subarray(r * L.cols, (r + 1) * L.cols);
        for (let q = 0; q < width; q++) z += w[q] * v[q];
        out[s * L.rows + r] = z > 0 ? z : 0;
      }
    }
    V = out;
    width = L.rows;
  }
  return { rows: X.rows, cols: width, data: V };
}

/**
 * sklearn's RidgeClassifier(alpha) with fit_intercept: targets 2·onehot − 1, X and T centred,
 * (XcᵀXc + αI) W = XcᵀTc by cgBatchSync; returns the test predictions' accuracy.
 */
function ridgeAccuracy(lib, Ftrain, trainLabels, Ftest, testLabels, k, alpha) {
  const n = Ftrain.rows;
  const p = Ftrain.cols;
  const mean = new Float64Array(p);
  for (let s = 0; s < n; s++) for (let j = 0; j < p; j++) mean[j] += Ftrain.data[s * p + j] / n;
  const tmean = new Float64Array(k);
  const T = new Float64Array(n * k);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < k; c++) {
      T[s * k + c] = c === trainLabels[s] ? 1 : -1;
      tmean[c] += T[s * k + c] / n;
    }
  const Xc = new Float64Array(n * p);
  for (let s = 0; s < n; s++)
    for (let j = 0; j < p; j++) Xc[s * p + j] = Ftrain.data[s * p + j] - mean[j];
  const G = new Float64Array(p * p);
  for (let s = 0; s < n; s++) {
    const x = Xc.subarray(s * p, (s + 1) * p);
    for (let i = 0; i < p; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const row = i * p;
      for (let j = 0; j < p; j++) G[row + j] += xi * x[j];
    }
  }
  for (let i = 0; i < p; i++) G[i * p + i] += alpha;
  const B = new Float64Array(p * k); // column-major p × k: XcᵀTc
  for (let s = 0; s < n; s++)
    for (let c = 0; c < k; c++) {
      const t = T[s * k + c] - tmean[c];
      for (let j = 0; j < p; j++) B[c * p + j] += Xc[s * p + j] * t;
    }
  const A = lib.CsrMatrix.fromDense(p, p, G);
  const sol = lib.cgBatchSync(A, B, { rtol: 1e-12, maxIterations: 100 * p });
  const W = sol.x; // column-major p × k
  const out = new Float64Array(Ftest.rows * k);
  for (let s = 0; s < Ftest.rows; s++)
    for (let c = 0; c < k; c++) {
      let z = tmean[c];
      for (let j = 0; j < p; j++) z += (Ftest.data[s * p + j] - mean[j]) * W[c * p + j];
      out[s * k + c] = z;
    }
  return { accuracy: accuracy(out, testLabels, k), converged: sol.converged };
}

async function run(opts) {
  const { lib, quick, log } = opts;
  const rows = [];
  const notes = [];
  const data = { options: OPTIONS, inits: {} };
  if (typeof lib.trainMlpBcdSync !== 'function') {
    notes.push('mlp: the library has no trainMlpBcdSync: section skipped');
    return { rows, notes, data };
  }
  const { train, test, classes, reference } = load();
  const threads = opts.native && opts.native.getThreads ? opts.native.getThreads() : undefined;
  const checkpoints = quick ? [1, 2, 5, 10] : [1, 2, 3, 5, 10, 20, 40];

  // Baselines: ridge on the pixels, ridge readouts on the frozen initial features.
  const pixels = ridgeAccuracy(lib, train.X, train.labels, test.X, test.labels, classes, 1);
  rows.push({
    problem: `mlp digits: ridge classifier on pixels (α 1): test acc ${pixels.accuracy.toFixed(4)} (sklearn ${reference.ridgePixels.accuracy.toFixed(4)})`,
  });
  data.ridgePixels = { accuracy: pixels.accuracy, sklearn: reference.ridgePixels.accuracy };

  for (const init of ['paper', 'he']) {
    log(`mlp digits, init ${init}...`);
    const init0 = lib.trainMlpBcdSync(train.X, train.Y, { ...OPTIONS, init, epochs: 0 });
    const frozen = ridgeAccuracy(
      lib,
      hiddenFeatures(init0.weights, train.X),
      train.labels,
      hiddenFeatures(init0.weights, test.X),
      test.labels,
      classes,
      1,
    );
    const ref = reference[`ridgeFrozenFeatures_${init}`];
    const spread = `${Math.min(...ref.accuracies).toFixed(3)}–${Math.max(...ref.accuracies).toFixed(3)}`;
    rows.push({
      problem: `mlp digits ${init}: ridge readout on frozen initial features: test acc ${frozen.accuracy.toFixed(4)} (sklearn, numpy seeds 0–4: ${spread})`,
    });
    const perCheckpoint = [];
    let last;
    for (const e of checkpoints) {
      const c0 = process.cpuUsage();
      const r = lib.trainMlpBcdSync(train.X, train.Y, { ...OPTIONS, init, epochs: e });
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000;
      const trainAcc = accuracy(r.predict(train.X), train.labels, classes);
      const testAcc = accuracy(r.predict(test.X), test.labels, classes);
      perCheckpoint.push({
        epochs: e,
        objective: r.objective[e - 1],
        networkLoss: r.networkLoss[e - 1],
        trainAccuracy: trainAcc,
        testAccuracy: testAcc,
        ms: r.elapsedMs,
        msPerEpoch: r.elapsedMs / e,
        cpuMsPerEpoch: cpuMs / e,
      });
      rows.push({
        problem: `mlp digits ${init} [256,256] epoch ${e}: objective ${r.objective[e - 1].toPrecision(4)}, network loss ${r.networkLoss[e - 1].toPrecision(4)}, train acc ${trainAcc.toFixed(4)}, test acc ${testAcc.toFixed(4)}`,
        threads,
        iterations: e,
        bestMs: r.elapsedMs,
        msPerIt: r.elapsedMs / e,
      });
      last = r;
    }
    let rises = 0;
    for (let e = 1; e < last.epochs; e++) if (last.objective[e] > last.objective[e - 1]) rises++;
    let lossRises = 0;
    for (let e = 1; e < last.epochs; e++)
      if (last.networkLoss[e] > last.networkLoss[e - 1]) lossRises++;
    notes.push(
      `mlp ${init}: over ${last.epochs} epochs the split objective rose ${rises} times, the network loss ${lossRises} times; ` +
        `frozen-feature ridge readout ${frozen.accuracy.toFixed(4)}, BCD after ${last.epochs} epochs ${perCheckpoint[perCheckpoint.length - 1].testAccuracy.toFixed(4)}; ` +
        `CPU time ${perCheckpoint[perCheckpoint.length - 1].cpuMsPerEpoch.toFixed(1)} ms/epoch over all threads (wall ${perCheckpoint[perCheckpoint.length - 1].msPerEpoch.toFixed(1)})`,
    );
    data.inits[init] = {
      objective: Array.from(last.objective),
      networkLoss: Array.from(last.networkLoss),
      checkpoints: perCheckpoint,
      frozenReadout: { accuracy: frozen.accuracy, sklearn: ref.accuracies },
    };
  }
  notes.push(
    `mlp: ridge on pixels ${pixels.accuracy.toFixed(4)} (sklearn ${reference.ridgePixels.accuracy.toFixed(4)}); ` +
      'ms/epoch includes the per-epoch split objective and forward-pass loss',
  );
  return { rows, notes, data };
}

module.exports = { run };
