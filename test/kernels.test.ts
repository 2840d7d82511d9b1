import { spawnSync } from 'child_process';
import * as path from 'path';
import t from 'tap';
import {
  axpby,
  axpy,
  dot,
  getThreads,
  info,
  norm2,
  poisson2d,
  setSimd,
  setThreads,
  simd,
  simdSupported,
  SimdPath,
} from '../lib/index';
import { native } from '../lib/native';
import { naiveSpmv, randomCsr, randomVector, relErr } from './helpers';

const detected = simd();
t.teardown(() => {
  setSimd(detected);
});

t.test('runtime info', async (t) => {
  const i = info();
  t.match(i.version, /^\d+\.\d+\.\d+/);
  t.ok(i.simdSupported.includes('scalar'));
  t.ok(i.simdSupported.includes(i.simd));
  t.equal(i.napiVersion, 9);
  t.ok(i.threads >= 1);
  t.same(simdSupported(), i.simdSupported);
  if (process.arch === 'x64') t.ok(['scalar', 'avx2', 'avx512'].includes(i.simdDetected));
  t.throws(() => setSimd('sse9' as SimdPath), { code: 'ERR_INVALID_ARGUMENT', argument: 'simd' });
  for (const p of ['avx2', 'avx512', 'neon'] as SimdPath[]) {
    if (!i.simdSupported.includes(p))
      t.throws(() => setSimd(p), { code: 'ERR_UNSUPPORTED' }, `${p} unsupported here`);
  }
});

function fixtures() {
  return [
    randomCsr(1, 1, 1, { emptyRowFraction: 0, density: 1 }),
    randomCsr(70, 90, 2, { emptyRowFraction: 0.2 }),
    randomCsr(5, 100003, 3, { density: 0, emptyRowFraction: 0, longRow: 2 }),
    randomCsr(2000, 2000, 4, { density: 0.01 }),
    poisson2d(301),
  ];
}

t.test(
  'every supported SIMD path agrees with the naive reference and with scalar to 1e-12',
  async (t) => {
    const mats = fixtures();
    const lengths = [0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 1000, 8191, 8193, 100003];
    const ref: Record<string, number[]> = {};
    for (const p of simdSupported()) {
      t.equal(setSimd(p), p);
      t.equal(simd(), p);
      const got: number[] = [];
      for (const [i, A] of mats.entries()) {
        const x = randomVector(A.cols, 100 + i);
        const y = A.multiply(x);
        t.ok(relErr(y, naiveSpmv(A, x)) <= 1e-12, `${p}: spmv matrix ${i}`);
        got.push(...y.slice(0, 50));
      }
      for (const n of lengths) {
        const x = randomVector(n, n + 1);
        const y = randomVector(n, n + 2);
        let d = 0;
        for (let i = 0; i < n; i++) d += x[i] * y[i];
        const dd = dot(x, y);
        t.ok(
          Math.abs(dd - d) <= 1e-12 * Math.max(1, Math.abs(d)) * Math.sqrt(n + 1),
          `${p}: dot n=${n}`,
        );
        t.ok(
          Math.abs(norm2(x) - Math.sqrt(dot(x, x))) <= 1e-12 * Math.max(1, norm2(x)),
          `${p}: norm2 n=${n}`,
        );
        const s = native().sum(x);
        let ss = 0;
        for (let i = 0; i < n; i++) ss += x[i];
        t.ok(
          Math.abs(s - ss) <= 1e-12 * Math.max(1, Math.abs(ss)) * Math.sqrt(n + 1),
          `${p}: sum n=${n}`,
        );
        const y1 = y.slice();
        axpy(0.5, x, y1);
        const y2 = y.slice();
        for (let i = 0; i < n; i++) y2[i] += 0.5 * x[i];
        t.ok(relErr(y1, y2) <= 1e-15, `${p}: axpy n=${n}`);
        const y3 = y.slice();
        axpby(2, x, -3, y3);
        for (let i = 0; i < n; i++) y2[i] = 2 * x[i] - 3 * y[i];
        t.ok(relErr(y3, y2) <= 1e-15, `${p}: axpby n=${n}`);
        got.push(dd);
      }
      ref[p] = got;
    }
    for (const p of Object.keys(ref))
      t.ok(relErr(ref[p], ref.scalar) <= 1e-12, `${p} agrees with scalar`);
  },
);

t.test('reductions give the same bits run to run and for every thread count', async (t) => {
  const n = 1_000_003;
  const x = randomVector(n, 7);
  const y = randomVector(n, 8);
  const A = poisson2d(500);
  const v = randomVector(A.cols, 9);
  const before = getThreads();
  const first = dot(x, y);
  const firstNorm = norm2(x);
  for (const threads of [1, 2, 3, 4]) {
    setThreads(threads);
    t.equal(getThreads(), threads);
    for (let rep = 0; rep < 3; rep++) {
      t.equal(dot(x, y), first, `dot with ${threads} threads, run ${rep}`);
      t.equal(norm2(x), firstNorm);
    }
    const yv = A.multiply(v);
    t.ok(
      relErr(yv, naiveSpmv(A, v)) === 0 || relErr(yv, naiveSpmv(A, v)) < 1e-15,
      `spmv with ${threads} threads`,
    );
  }
  setThreads(before);
  t.throws(() => setThreads(0), { code: 'ERR_INVALID_ARGUMENT', argument: 'n' });
  t.throws(() => setThreads(1.5), { code: 'ERR_INVALID_ARGUMENT' });
});

t.test('vector argument checks', async (t) => {
  const x = new Float64Array(3);
  t.throws(() => dot(x, new Float64Array(2)), { code: 'ERR_DIMENSION_MISMATCH', argument: 'y' });
  t.throws(() => dot([1, 2, 3] as never, x), { code: 'ERR_INVALID_ARGUMENT', argument: 'x' });
  t.throws(() => axpy(NaN, x, x), { code: 'ERR_INVALID_ARGUMENT', argument: 'a' });
  t.throws(() => axpby(1, x, Infinity, x), { code: 'ERR_INVALID_ARGUMENT', argument: 'b' });
  t.throws(() => norm2(new Float32Array(3) as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'x',
  });
  // aliasing is handled: y = a y + b y
  const z = Float64Array.from([1, 2, 3]);
  axpby(2, z, 3, z);
  t.same(Array.from(z), [5, 10, 15]);
  axpy(1, z, z);
  t.same(Array.from(z), [10, 20, 30]);
});

t.test('ITERSOLVE_SIMD forces a path at load time', async (t) => {
  const script = path.join(__dirname, 'fixtures', 'simd-child.js');
  for (const p of ['scalar', ...simdSupported()]) {
    const r = spawnSync(process.execPath, [script], {
      env: { ...process.env, ITERSOLVE_SIMD: p, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    t.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { simd: string; y: number[] };
    t.equal(out.simd, p, `ITERSOLVE_SIMD=${p}`);
  }
  // asking for more than the CPU has keeps the detected path, never SIGILL
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, ITERSOLVE_SIMD: 'avx512', NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(
    JSON.parse(r.stdout).simd,
    simdSupported().includes('avx512') ? 'avx512' : info().simdDetected,
  );
});
