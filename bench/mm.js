'use strict';
/**
 * Matrix Market I/O: readMatrixMarket (sync), readMatrixMarketAsync and writeMatrixMarket on a
 * generated 2D Poisson N=1000 file with random values (~170 MB, 5·10⁶ entries), best of a few
 * runs, in MB/s (1 MB = 1e6 B of file). Target: reading at ≥ 50 MB/s. When /usr/bin/python3 has
 * SciPy, scipy.io.mmread of the same file is timed alongside (ratio = itersolve / SciPy time).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const PY = process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3';

function scipyRead(file, reps) {
  if (!fs.existsSync(PY)) return { skipped: `${PY} not found` };
  const code = [
    'import sys, time, json',
    'import scipy, scipy.io',
    'f = sys.argv[1]; reps = int(sys.argv[2]); best = 1e9',
    'for _ in range(reps):',
    '    t = time.perf_counter(); A = scipy.io.mmread(f); best = min(best, time.perf_counter() - t)',
    'print(json.dumps({"bestMs": best * 1e3, "nnz": int(A.nnz), "scipy": scipy.__version__}))',
  ].join('\n');
  const r = spawnSync(PY, ['-c', code, file, String(reps)], { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) return { skipped: (r.stderr || 'SciPy unavailable').trim().split('\n').pop() };
  return JSON.parse(r.stdout);
}

async function best(reps, fn) {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint();
    await fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return b;
}

async function run({ lib, quick, log }) {
  const n = quick ? 500 : 1000;
  const reps = quick ? 2 : 3;
  const A = lib.poisson2d(n);
  const rand = lib.rng(42);
  for (let k = 0; k < A.values.length; k++) A.values[k] = rand() * 2 - 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-bench-mm-'));
  const file = path.join(dir, `poisson2d-${n}.mtx`);
  try {
    log(`  writing ${file} ...`);
    const writeMs = await best(reps, () => lib.writeMatrixMarket(A, file));
    const bytes = fs.statSync(file).size;
    const mb = bytes / 1e6;
    let B;
    const readMs = await best(reps, () => {
      B = lib.readMatrixMarket(file);
    });
    const asyncMs = await best(reps, async () => {
      B = await lib.readMatrixMarketAsync(file);
    });
    if (B.nnz !== A.nnz || B.values[12345] !== A.values[12345]) throw new Error('round trip mismatch');
    log(`  ${mb.toFixed(1)} MB: read ${(mb / (readMs / 1e3)).toFixed(0)} MB/s, write ${(mb / (writeMs / 1e3)).toFixed(0)} MB/s`);
    const sp = scipyRead(file, quick ? 1 : 2);
    const label = `poisson2d(${n}) ${mb.toFixed(0)} MB`;
    const target = (ms) => (mb / (ms / 1e3) >= 50 ? 'PASS' : 'MISS');
    const rows = [
      { problem: `mm read ${label}`, threads: 1, bestMs: readMs, gbps: mb / readMs, scipyMs: sp.bestMs, ratio: sp.bestMs ? readMs / sp.bestMs : undefined, target: target(readMs) },
      { problem: `mm readAsync ${label}`, threads: 1, bestMs: asyncMs, gbps: mb / asyncMs, target: target(asyncMs) },
      { problem: `mm write ${label}`, threads: 1, bestMs: writeMs, gbps: mb / writeMs },
    ];
    const notes = [
      `file ${bytes} bytes, ${A.nnz} entries; MB/s: read ${(mb / (readMs / 1e3)).toFixed(0)} (sync), ${(mb / (asyncMs / 1e3)).toFixed(0)} (async), write ${(mb / (writeMs / 1e3)).toFixed(0)}`,
      'read = parse + sort into CSR + copy into the result typed arrays; target: read >= 50 MB/s',
      sp.skipped ? `SciPy mmread skipped: ${sp.skipped}` : `SciPy ${sp.scipy} scipy.io.mmread: ${sp.bestMs.toFixed(0)} ms (${(mb / (sp.bestMs / 1e3)).toFixed(0)} MB/s)`,
    ];
    return { rows, notes, data: { bytes, nnz: A.nnz, readMs, asyncMs, writeMs, scipy: sp } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
