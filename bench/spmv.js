'use strict';
/**
 * spmv suite: y = A x (CsrMatrix.multiply into a preallocated y) on 2D / 3D Poisson, against a
 * read-bandwidth probe measured in this same process (addon SIMD `sum`), and SciPy's `A @ x` on
 * the same matrices (bench/scipy_spmv.py, when /usr/bin/python3 has scipy).
 *
 * Bytes per SpMV = 12·nnz + 4·(rows+1) + 16·rows
 *   12 B per nonzero (8 B value + 4 B int32 column index), 4 B per row pointer (rows+1 of them),
 *   16 B per row (x read once, y written once). GB/s = bytes / best time, 1 GB = 1e9 B.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { timeRuns, summarize, ReadProbe } = require('./probe');

const FORMULA =
  'bytes = 12*nnz + 4*(rows+1) + 16*rows  (8 B value + 4 B int32 col per nonzero; int32 row pointers; x read + y written once)';
const TARGET = 0.8; // one-thread SpMV GB/s as a fraction of the one-thread read probe
const PYTHON = process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3'; // SciPy anchor interpreter
const PROBE_MIB = 256;

const PROBLEMS = [
  { name: 'poisson2d', n: 1000, label: 'poisson2d(1000)' },
  { name: 'poisson3d', n: 100, label: 'poisson3d(100)' },
];

function spmvBytes(rows, nnz) {
  return 12 * nnz + 4 * (rows + 1) + 16 * rows;
}

/** Same vector as bench/scipy_spmv.py: x[i] = 1 + (i % 7) / 8 (exact in binary). */
function benchX(n) {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 + (i % 7) / 8;
  return x;
}

function scipyAvailable() {
  if (!fs.existsSync(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import scipy, numpy; print(scipy.__version__)'], {
    encoding: 'utf8',
    timeout: 20000,
  });
  if (r.error) return { ok: false, why: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0)
    return { ok: false, why: `${PYTHON} cannot import scipy (apt-get install -y python3-scipy)` };
  return { ok: true, version: r.stdout.trim() };
}

function runScipy({ runs, warmup }) {
  const avail = scipyAvailable();
  if (!avail.ok) return { skipped: avail.why };
  const script = path.join(__dirname, 'scipy_spmv.py');
  const args = [
    script,
    '--runs',
    String(runs),
    '--warmup',
    String(warmup),
    ...PROBLEMS.map((p) => `${p.name}:${p.n}`),
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 180000, maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) {
    const msg =
      (r.error && r.error.message) ||
      (r.stderr || '').trim().split('\n').slice(-1)[0] ||
      `exit ${r.status}`;
    return { skipped: `bench/scipy_spmv.py failed: ${msg}` };
  }
  try {
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    return { skipped: `bench/scipy_spmv.py printed no JSON (${e.message})` };
  }
}

async function run({ lib, native, quick, machine, log }) {
  // Interleaved rounds, so the probe and the SpMV timings sample the same moments of a possibly
  // busy machine: each round = one probe sum, then per problem 1 untimed + `perRound` timed SpMVs.
  const rounds = quick ? 7 : 20; // probe: best of `rounds`
  const perRound = 3; // SpMV: rounds * perRound timed runs (21 quick, 60 full)
  const runs = rounds * perRound;
  const warmup = quick ? 2 : 5; // SpMVs before the first round, per problem and thread count
  const all = Math.max(1, machine.cores);
  const threadList = all > 1 ? [1, all] : [1];
  const notes = [];

  // SciPy first, in its own process, before this one allocates its large arrays.
  log(`SciPy A @ x (${PYTHON} bench/scipy_spmv.py, ${runs} runs)...`);
  const scipy = runScipy({ runs, warmup });
  const scipyByLabel = new Map();
  if (scipy.skipped) notes.push(`SciPy skipped: ${scipy.skipped}`);
  else for (const r of scipy.results) scipyByLabel.set(r.problem, r);

  log('building matrices...');
  const mats = PROBLEMS.map((p) => {
    const A = p.name === 'poisson2d' ? lib.poisson2d(p.n) : lib.poisson3d(p.n);
    const nnz = A.rowPtr[A.rows] - A.rowPtr[0];
    return {
      ...p,
      A,
      rows: A.rows,
      nnz,
      bytes: spmvBytes(A.rows, nnz),
      x: benchX(A.cols),
      y: new Float64Array(A.rows),
    };
  });

  log(`read probe: ${PROBE_MIB} MiB of doubles...`);
  const probe = new ReadProbe(native, PROBE_MIB);

  const prevThreads = native.getThreads();
  const probeRows = [];
  const spmvRows = [];
  try {
    for (const t of threadList) {
      native.setThreads(t);
      probe.measure({ runs: 1, warmup: 1 }); // page in / warm the pool
      for (const m of mats) for (let i = 0; i < warmup; i++) m.A.multiply(m.x, m.y);
      const probeTimes = [];
      const times = mats.map(() => []);
      for (let round = 0; round < rounds; round++) {
        probeTimes.push(probe.measure({ runs: 1, warmup: 0 }).bestMs);
        mats.forEach((m, j) => {
          const r = timeRuns(() => m.A.multiply(m.x, m.y), { warmup: 1, runs: perRound });
          times[j].push(...r.timesMs);
        });
      }
      const ps = summarize(probeTimes);
      const pr = {
        threads: t,
        bytes: probe.bytes,
        mib: probe.bytes / 2 ** 20,
        ...ps,
        gbps: probe.bytes / (ps.bestMs * 1e-3) / 1e9,
        timesMs: probeTimes,
      };
      probeRows.push(pr);
      log(`probe ${t} thread(s): ${pr.gbps.toFixed(1)} GB/s`);
      mats.forEach((m, j) => {
        const { y } = m;
        const r = summarize(times[j]);
        const gbps = m.bytes / (r.bestMs * 1e-3) / 1e9;
        const frac = gbps / pr.gbps;
        let checksum = 0;
        for (let i = 0; i < y.length; i++) checksum += y[i];
        const sc = scipyByLabel.get(m.label);
        spmvRows.push({
          problem: m.label,
          threads: t,
          rows: m.rows,
          nnz: m.nnz,
          bytes: m.bytes,
          bestMs: r.bestMs,
          medianMs: r.medianMs,
          meanMs: r.meanMs,
          runs: r.runs,
          warmup,
          gbps,
          probeGbps: pr.gbps,
          fractionOfProbe: frac,
          target: t === 1 ? (frac >= TARGET ? 'PASS' : 'MISS') : null,
          checksum,
          scipyBestMs: sc ? sc.best_ms : null,
          scipyMedianMs: sc ? sc.median_ms : null,
          ratioToScipy: sc ? r.bestMs / sc.best_ms : null,
          timesMs: times[j],
        });
        log(`${m.label} ${t} thread(s): best ${r.bestMs.toFixed(3)} ms, ${gbps.toFixed(1)} GB/s`);
      });
    }
  } finally {
    native.setThreads(prevThreads);
    probe.release();
  }

  // Same matrices on both sides? nnz and Σ(A·x) must agree.
  for (const m of mats) {
    const sc = scipyByLabel.get(m.label);
    if (!sc) continue;
    const mine = spmvRows.find((r) => r.problem === m.label).checksum;
    const ok =
      sc.nnz === m.nnz &&
      sc.rows === m.rows &&
      Math.abs(sc.checksum - mine) <= 1e-9 * Math.max(1, Math.abs(mine));
    if (!ok)
      notes.push(
        `WARNING ${m.label}: SciPy matrix differs (nnz ${sc.nnz} vs ${m.nnz}, sum(Ax) ${sc.checksum} vs ${mine})`,
      );
  }

  const rows = [];
  for (const p of probeRows) {
    rows.push({
      problem: `read probe: sum ${p.mib} MiB`,
      threads: p.threads,
      bestMs: p.bestMs,
      medianMs: p.medianMs,
      gbps: p.gbps,
    });
  }
  for (const s of spmvRows) {
    rows.push({
      problem: `spmv ${s.problem}`,
      threads: s.threads,
      bestMs: s.bestMs,
      medianMs: s.medianMs,
      gbps: s.gbps,
      pctProbe: 100 * s.fractionOfProbe,
      scipyMs: s.scipyBestMs,
      ratio: s.ratioToScipy,
      target: s.target,
    });
  }

  notes.push(`SpMV ${FORMULA}; GB/s = bytes / best time (1 GB = 1e9 B)`);
  for (const m of mats)
    notes.push(
      `  ${m.label}: rows ${m.rows}, nnz ${m.nnz}, ${(m.bytes / 1e6).toFixed(2)} MB per SpMV`,
    );
  notes.push(
    `read probe: addon SIMD sum over ${PROBE_MIB} MiB of doubles, best of ${rounds}; GB/s = bytes / best time. ` +
      `% probe = SpMV GB/s / probe GB/s at the same thread count.`,
  );
  notes.push(
    `SpMV timing: A.multiply(x, out) into a preallocated out, ${warmup} warm-up + ${runs} timed runs ` +
      `(${rounds} rounds of ${perRound}, interleaved with the probe), best and median.`,
  );
  const verdicts = spmvRows
    .filter((s) => s.threads === 1)
    .map((s) => `${s.problem} ${s.target} (${(100 * s.fractionOfProbe).toFixed(0)}%)`);
  notes.push(
    `target: 1-thread SpMV >= ${TARGET * 100}% of the 1-thread probe: ${verdicts.join(', ')} (a MISS is reported, not an error)`,
  );
  if (spmvRows.some((s) => s.fractionOfProbe > 1)) {
    notes.push(
      'note: SpMV above 100% of the probe means the probe (one read stream, hardware prefetch only) is not an ' +
        'upper bound on this machine: the SpMV kernel issues software prefetches over several streams.',
    );
  }
  if (!scipy.skipped) {
    notes.push(
      `SciPy ${scipy.scipy} (numpy ${scipy.numpy}, python ${scipy.python}): A @ x, int32 indices, best of ${scipy.runs} ` +
        `(single-threaded; includes allocating y). ratio = itersolve best ms / SciPy best ms (< 1: itersolve faster).`,
    );
  }

  return {
    rows,
    notes,
    data: {
      formula: FORMULA,
      target: { fractionOfProbe: TARGET, threads: 1 },
      threadCounts: threadList,
      rounds,
      perRound,
      warmup,
      probe: probeRows,
      spmv: spmvRows,
      scipy,
    },
  };
}

module.exports = { run, spmvBytes, FORMULA };
