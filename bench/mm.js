'use strict';
/**
 * Matrix Market I/O: readMatrixMarket (sync), readMatrixMarketAsync and writeMatrixMarket on two
 * files of the 2D Poisson N=1000 structure (10⁶ rows, 4 996 000 entries), as writeMatrixMarket
 * writes them:
 *   - poisson: the matrix itself (values 4 and -1; ~83 MB),
 *   - random:  the same pattern with random values in (-1, 1) (17-digit values; ~168 MB),
 * plus the poisson file gzip-compressed (.mtx.gz: read through node:zlib).
 * SciPy's scipy.io.mmread on the same files is timed in the same run by bench/scipy_mm.py with
 * every interpreter found: `python3` on PATH (the newest SciPy, fast_matrix_market since 1.12) and
 * /usr/bin/python3 (Debian's SciPy 1.10). Rounds alternate itersolve and SciPy so both see the
 * same moments of a busy machine; best of the rounds. Ratio = itersolve / newest SciPy mmread
 * (< 1: itersolve faster). SciPy's mmread returns COO; "mmread+tocsr" is the like-for-like figure
 * (itersolve returns CSR with sorted columns and summed duplicates). SciPy's mmwrite of the
 * matrix it read is timed once per file (round 1).
 *   ITERSOLVE_BENCH_PYTHON      the Debian interpreter (default /usr/bin/python3)
 *   ITERSOLVE_BENCH_PYTHON_NEW  the newest one (default: python3 on PATH)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const HELPER = path.join(__dirname, 'scipy_mm.py');

function interpreters() {
  const list = [];
  const seen = new Set();
  for (const py of [
    process.env.ITERSOLVE_BENCH_PYTHON_NEW || 'python3',
    process.env.ITERSOLVE_BENCH_PYTHON || '/usr/bin/python3',
  ]) {
    const r = spawnSync(
      py,
      ['-c', 'import sys, scipy; print(sys.executable); print(scipy.__version__)'],
      { encoding: 'utf8', timeout: 60000 },
    );
    if (r.status !== 0) {
      list.push({
        py,
        skipped: (r.stderr || r.error?.message || 'no SciPy').trim().split('\n').pop(),
      });
      continue;
    }
    const [exe, version] = r.stdout.trim().split('\n');
    const real = fs.realpathSync(exe);
    if (seen.has(real)) continue;
    seen.add(real);
    list.push({ py, exe, version });
  }
  // newest SciPy first
  const key = (v) => (v.version || '0').split('.').map((x) => parseInt(x, 10) || 0);
  list.sort((a, b) => {
    const x = key(a),
      y = key(b);
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
    return 0;
  });
  return list;
}

function scipyRound(py, files, writeDir) {
  const args = [HELPER, '--runs', '1', ...(writeDir ? ['--write', writeDir] : []), ...files];
  const r = spawnSync(py.py, args, { encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 20 });
  if (r.status !== 0) return { skipped: (r.stderr || 'failed').trim().split('\n').pop() };
  return JSON.parse(r.stdout);
}

// Wall time in ms; the CPU time of every thread of the process goes to cpu[] when given (on a
// shared machine the wall time of a parallel read depends on what else runs, its CPU time less).
async function time(fn, cpu) {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (cpu) {
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e3);
  }
  return wall;
}

function sameMatrix(A, B) {
  const eq = (x, y) =>
    x.length === y.length &&
    Buffer.compare(
      Buffer.from(x.buffer, x.byteOffset, x.byteLength),
      Buffer.from(y.buffer, y.byteOffset, y.byteLength),
    ) === 0;
  return (
    A.rows === B.rows && eq(A.rowPtr, B.rowPtr) && eq(A.colIdx, B.colIdx) && eq(A.values, B.values)
  );
}

async function run({ lib, quick, log }) {
  const n = quick ? 500 : 1000;
  const rounds = quick ? 2 : 4;
  const threads = lib.getThreads();
  const P = lib.poisson2d(n);
  const R = lib.poisson2d(n);
  const rand = lib.rng(42);
  for (let k = 0; k < R.values.length; k++) R.values[k] = rand() * 2 - 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-bench-mm-'));
  const files = {
    poisson: path.join(dir, `poisson2d-${n}.mtx`),
    random: path.join(dir, `poisson2d-${n}-random.mtx`),
  };
  const gzFile = path.join(dir, `poisson2d-${n}.mtx.gz`);
  const mats = { poisson: P, random: R };
  const t = {
    readSync: {},
    readAsync: {},
    write: {},
    scipy: {},
    scipyCsr: {},
    scipyWrite: {},
    cpuSync: {},
    scipyCpu: {},
  };
  const pys = interpreters();
  try {
    log(`writing ${files.poisson}, ${files.random}, ${gzFile} ...`);
    for (const k of Object.keys(files)) {
      t.write[k] = [];
      for (let i = 0; i < 2; i++)
        t.write[k].push(await time(() => lib.writeMatrixMarket(mats[k], files[k])));
      t.readSync[k] = [];
      t.readAsync[k] = [];
      t.cpuSync[k] = [];
    }
    const gzWrite = await time(() => lib.writeMatrixMarket(P, gzFile));
    t.readSync.gz = [];
    t.readAsync.gz = [];
    const bytes = {
      poisson: fs.statSync(files.poisson).size,
      random: fs.statSync(files.random).size,
      gz: fs.statSync(gzFile).size,
    };
    for (const py of pys)
      if (!py.skipped) {
        t.scipy[py.version] = { poisson: [], random: [] };
        t.scipyCsr[py.version] = { poisson: [], random: [] };
        t.scipyWrite[py.version] = { poisson: [], random: [] };
        t.scipyCpu[py.version] = { poisson: [], random: [] };
      }
    for (let round = 0; round < rounds; round++) {
      for (const k of Object.keys(files)) {
        let B;
        t.readSync[k].push(
          await time(() => {
            B = lib.readMatrixMarket(files[k]);
          }, t.cpuSync[k]),
        );
        if (!sameMatrix(B, mats[k])) throw new Error(`${k}: round trip mismatch`);
        t.readAsync[k].push(
          await time(async () => {
            B = await lib.readMatrixMarketAsync(files[k]);
          }),
        );
        if (!sameMatrix(B, mats[k])) throw new Error(`${k}: async round trip mismatch`);
      }
      let G;
      t.readSync.gz.push(
        await time(() => {
          G = lib.readMatrixMarket(gzFile);
        }),
      );
      t.readAsync.gz.push(
        await time(async () => {
          G = await lib.readMatrixMarketAsync(gzFile);
        }),
      );
      if (!sameMatrix(G, P)) throw new Error('gz round trip mismatch');
      for (const py of pys) {
        if (py.skipped) continue;
        // mmwrite once (round 1): Debian's SciPy takes tens of seconds per file
        const res = scipyRound(py, [files.poisson, files.random], round === 0 ? dir : undefined);
        if (res.skipped) {
          py.skipped = res.skipped;
          continue;
        }
        py.fastMatrixMarket = res.fastMatrixMarket;
        py.python = res.python;
        for (const [k, r] of [
          ['poisson', res.results[0]],
          ['random', res.results[1]],
        ]) {
          if (r.nnz !== mats[k].nnz)
            log(
              `warning: SciPy ${py.version} read nnz ${r.nnz} from ${k}, expected ${mats[k].nnz}`,
            );
          t.scipy[py.version][k].push(r.best_ms);
          t.scipyCsr[py.version][k].push(r.best_tocsr_ms);
          if (r.write_ms !== undefined) t.scipyWrite[py.version][k].push(r.write_ms);
          t.scipyCpu[py.version][k].push(r.best_cpu_ms);
        }
      }
      log(`round ${round + 1}/${rounds} done`);
    }
    const best = (a) => Math.min(...a);
    const mbps = (k, ms) => bytes[k] / 1e3 / ms;
    const live = pys.filter((p) => !p.skipped);
    const newest = live[0];
    const rows = [];
    const notes = [];
    for (const k of ['poisson', 'random']) {
      const label = `${k} ${(bytes[k] / 1e6).toFixed(0)} MB`;
      const sp = newest ? best(t.scipy[newest.version][k]) : undefined;
      const rs = best(t.readSync[k]);
      const ra = best(t.readAsync[k]);
      rows.push({
        problem: `mm read ${label}`,
        threads,
        bestMs: rs,
        gbps: bytes[k] / 1e6 / rs,
        scipyMs: sp,
        ratio: sp ? rs / sp : undefined,
      });
      rows.push({
        problem: `mm readAsync ${label}`,
        threads,
        bestMs: ra,
        gbps: bytes[k] / 1e6 / ra,
        scipyMs: sp,
        ratio: sp ? ra / sp : undefined,
      });
      for (const py of live) {
        rows.push({
          problem: `  SciPy ${py.version} mmread ${k}`,
          bestMs: best(t.scipy[py.version][k]),
          gbps: bytes[k] / 1e6 / best(t.scipy[py.version][k]),
        });
        rows.push({
          problem: `  SciPy ${py.version} mmread+tocsr ${k}`,
          bestMs: best(t.scipyCsr[py.version][k]),
        });
      }
      const spw =
        newest && t.scipyWrite[newest.version][k].length
          ? best(t.scipyWrite[newest.version][k])
          : undefined;
      rows.push({
        problem: `mm write ${label}`,
        threads,
        bestMs: best(t.write[k]),
        gbps: bytes[k] / 1e6 / best(t.write[k]),
        scipyMs: spw,
        ratio: spw ? best(t.write[k]) / spw : undefined,
      });
      for (const py of live)
        if (t.scipyWrite[py.version][k].length)
          rows.push({
            problem: `  SciPy ${py.version} mmwrite ${k}`,
            bestMs: best(t.scipyWrite[py.version][k]),
          });
      notes.push(
        `${k}: ${bytes[k]} bytes; MB/s read ${mbps(k, rs).toFixed(0)} sync, ${mbps(k, ra).toFixed(0)} async, write ${mbps(k, best(t.write[k])).toFixed(0)}` +
          live
            .map(
              (py) => `; SciPy ${py.version} ${mbps(k, best(t.scipy[py.version][k])).toFixed(0)}`,
            )
            .join(''),
      );
      notes.push(
        `${k}: CPU ms of a read (all threads, best): itersolve ${best(t.cpuSync[k]).toFixed(0)}` +
          live
            .map(
              (py) => `, SciPy ${py.version} mmread ${best(t.scipyCpu[py.version][k]).toFixed(0)}`,
            )
            .join('') +
          (newest
            ? ` (ratio ${(best(t.cpuSync[k]) / best(t.scipyCpu[newest.version][k])).toFixed(2)})`
            : ''),
      );
    }
    rows.push({
      problem: `mm read poisson .mtx.gz ${(bytes.gz / 1e6).toFixed(0)} MB`,
      threads,
      bestMs: best(t.readSync.gz),
    });
    rows.push({ problem: `mm readAsync poisson .mtx.gz`, threads, bestMs: best(t.readAsync.gz) });
    rows.push({ problem: `mm write poisson .mtx.gz`, threads: 1, bestMs: gzWrite });
    notes.push(
      'GB/s column = GB of file per second; ratio = itersolve / newest SciPy (read: mmread, which returns COO; write: mmwrite, timed once); read = parse + CSR (sorted, duplicates summed) in typed arrays',
    );
    for (const py of pys)
      notes.push(
        py.skipped
          ? `SciPy via ${py.py}: skipped (${py.skipped})`
          : `SciPy ${py.version} (${py.exe}, Python ${py.python}${py.fastMatrixMarket ? ', fast_matrix_market' : ''})`,
      );
    notes.push(`${rounds} rounds, itersolve and SciPy alternating; best of the rounds`);
    return {
      rows,
      notes,
      data: { bytes, nnz: P.nnz, threads, rounds, timesMs: t, interpreters: pys },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
