// Throws random malformed arguments at every export of the package and at the native binding
// itself: wrong types, wrong lengths, NaN/Inf, out-of-range and unsorted indices, detached
// buffers, SharedArrayBuffer views. Every call must return or fail with an ItersolveError
// (the binding: an Error with a code) — never crash, never a stray TypeError.
import t from 'tap';
import * as lib from '../lib/index';
import { CscMatrix, CsrMatrix, ItersolveError, poisson2d, rng } from '../lib/index';
import { native } from '../lib/native';

const rand = rng(20261124);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];

function detachedF64(n: number): Float64Array {
  const a = new Float64Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}
function detachedI32(n: number): Int32Array {
  const a = new Int32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}
function sabF64(n: number): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(8 * n));
  for (let i = 0; i < n; i++) a[i] = rand();
  return a;
}
function sabI32(n: number, max: number): Int32Array {
  const a = new Int32Array(new SharedArrayBuffer(4 * n));
  for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * max);
  return a;
}

const good = poisson2d(4); // 16x16
const goodCsc = CscMatrix.fromCsr(good);
function f64(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++)
    a[i] = pick([rand(), -rand(), 0, NaN, Infinity, -Infinity, 1e308, -0]);
  return a;
}
function i32(n: number, max: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++)
    a[i] = pick([Math.floor(rand() * max), -1, max, 2 ** 31 - 1, -(2 ** 31), 0]);
  return a;
}
function sortedRowPtr(rows: number, nnz: number): Int32Array {
  const a = new Int32Array(rows + 1);
  for (let i = 1; i <= rows; i++) a[i] = Math.floor((nnz * i) / rows);
  return a;
}

/** One random argument. */
function arg(): unknown {
  const n = pick([0, 1, 2, 3, 5, 16, 17, 100]);
  switch (Math.floor(rand() * 28)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return pick([
        NaN,
        Infinity,
        -Infinity,
        -1,
        0,
        1,
        2,
        1.5,
        16,
        2 ** 31,
        -(2 ** 31),
        2 ** 53,
        -0,
      ]);
    case 3:
      return pick([
        '',
        'x',
        '%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1\n',
        '/nonexistent/file.mtx',
        'scalar',
        'avx2',
        'avx512',
        'neon',
      ]);
    case 4:
      return {};
    case 5:
      return [];
    case 6:
      return [1, 2, 3];
    case 7:
      return f64(n);
    case 8:
      return i32(n, 16);
    case 9:
      return new Float32Array(n);
    case 10:
      return new Uint8Array(n);
    case 11:
      return new BigInt64Array(n);
    case 12:
      return detachedF64(n);
    case 13:
      return detachedI32(n);
    case 14:
      return sabF64(n);
    case 15:
      return sabI32(n, 16);
    case 16:
      return () => 1;
    case 17:
      return Symbol('s');
    case 18:
      return 10n;
    case 19:
      return true;
    case 20:
      return good;
    case 21:
      return new ArrayBuffer(8);
    case 22:
      return new DataView(new ArrayBuffer(8));
    case 23:
      return {
        signal: pick([undefined, 'x', AbortSignal.abort(), {}]),
        timeLimitMs: pick([undefined, -1, NaN, 5, 'x']),
        onProgress: pick([undefined, 5, () => undefined]),
      };
    case 24:
      return {
        validate: pick([true, false, 'x', { structure: pick([true, false]), sorted: false }]),
      };
    case 25:
      return {
        x0: arg(),
        out: arg(),
        rtol: arg(),
        maxIterations: pick([0, 1, 5, -1, 1.5, NaN]),
        history: arg(),
      };
    case 26:
      return sortedRowPtr(pick([0, 1, 4, 16]), pick([0, 3, 16]));
    default:
      return new Float64Array(16).fill(1);
  }
}

function args(): unknown[] {
  return Array.from({ length: Math.floor(rand() * 7) }, arg);
}

async function check(
  t: TapTest,
  name: string,
  call: () => unknown,
  isBinding: boolean,
  stats: { ok: number; err: number },
) {
  try {
    const r = call();
    if (r instanceof Promise) await r;
    stats.ok++;
  } catch (e) {
    stats.err++;
    if (isBinding) {
      if (!(e instanceof Error) || typeof (e as { code?: unknown }).code !== 'string') {
        t.fail(`${name}: binding threw without a code: ${String(e)}`);
      }
    } else if (!(e instanceof ItersolveError)) {
      t.fail(`${name}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  }
}
type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

// Sync functions that would run for long on valid random input are given small limits by the
// arg generator (maxIterations ≤ 5 in option objects); setThreads/setSimd are restored after.
const before = { threads: lib.getThreads(), simd: lib.simd() };
t.teardown(() => {
  lib.setThreads(before.threads);
  lib.setSimd(before.simd);
});

t.test('every package export survives random malformed arguments', async (t) => {
  const stats = { ok: 0, err: 0 };
  const classes: unknown[] = [
    CsrMatrix,
    CscMatrix,
    ItersolveError,
    lib.AbortError,
    lib.Preconditioner,
    lib.RelaxationTuner,
    lib.CholeskyFactor,
    lib.LuFactor,
  ];
  const fns = Object.entries(lib).filter(
    ([, v]) => typeof v === 'function' && !classes.includes(v),
  );
  t.ok(fns.length >= 15, `${fns.length} functions`);
  for (const [name, fn] of fns) {
    for (let i = 0; i < 300; i++) {
      const a = args();
      if (name === 'powerIterationSync' || name === 'powerIteration') {
        // keep the runs short: always bound iterations when an options object is passed
        if (a.length > 1 && typeof a[1] === 'object' && a[1] !== null)
          (a[1] as Record<string, unknown>).maxIterations = 5;
        else a.length = Math.min(a.length, 1);
      }
      if (name === 'poisson2d' || name === 'poisson3d')
        if (typeof a[0] === 'number' && a[0] > 64) a[0] = 4;
      if (name === 'setThreads' && typeof a[0] === 'number' && a[0] > 8) a[0] = 2;
      if (name === 'writeMatrixMarket') a[1] = '/nonexistent-dir/itersolve-fuzz.mtx';
      // never write into the working directory, never start an MPI job
      if (name === 'writePetscBinary' || name === 'writePetscBinarySync')
        a[1] = '/nonexistent-dir/itersolve-fuzz.bin';
      if (name === 'petscSolve' || name === 'petscSolveSync') {
        const o = a[2];
        if (o === undefined || (typeof o === 'object' && o !== null && !ArrayBuffer.isView(o)))
          a[2] = { ...(o as object), program: '/nonexistent-dir/itersolve-petsc' };
      }
      // optimal transport: an epsilon (often valid) and few iterations when options are passed
      if (
        /^(sinkhorn|sinkhornBatch|sinkhornNewton|emd|wasserstein)(Sync)?$/.test(name) &&
        a.length > 3
      ) {
        const o = a[3];
        if (typeof o === 'object' && o !== null && !ArrayBuffer.isView(o) && !Array.isArray(o)) {
          const r = o as Record<string, unknown>;
          if (name.startsWith('sinkhorn') || rand() < 0.5)
            r.epsilon = pick([0.1, 1, 0, -1, NaN, undefined]);
          if (name.startsWith('sinkhornNewton')) r.maxNewtonIterations = pick([0, 2]);
          else r.maxIterations = pick([1, 5, -1, 1.5]);
        }
      }
      await check(t, name, () => (fn as (...x: unknown[]) => unknown)(...a), false, stats);
    }
  }
  // RelaxationTuner: constructor, fromJSON and methods on random arguments
  for (let i = 0; i < 300; i++) {
    const tuner = new lib.RelaxationTuner({ method: 'sor', seed: i });
    await check(
      t,
      'new RelaxationTuner',
      () => new (lib.RelaxationTuner as unknown as new (...x: unknown[]) => unknown)(...args()),
      false,
      stats,
    );
    await check(
      t,
      'RelaxationTuner.fromJSON',
      () => lib.RelaxationTuner.fromJSON(arg()),
      false,
      stats,
    );
    for (const m of ['suggest', 'observe', 'solveSync', 'solve'] as const)
      await check(
        t,
        `RelaxationTuner#${m}`,
        () => (tuner[m] as (...x: unknown[]) => unknown)(...args()),
        false,
        stats,
      );
  }
  // constructor, statics and methods
  for (let i = 0; i < 2000; i++) {
    const rows = pick([0, 1, 2, 4, 16]);
    const cols = pick([0, 1, 2, 4, 16]);
    const nnz = pick([0, 1, 3, 16]);
    const cand: unknown[] = [
      pick([rows, arg()]),
      pick([cols, arg()]),
      pick([sortedRowPtr(rows, nnz), i32(rows + 1, nnz + 1), sabI32(rows + 1, nnz), arg()]),
      pick([i32(nnz, cols), sabI32(nnz, cols), arg()]),
      pick([f64(nnz), sabF64(nnz), arg()]),
      pick([undefined, arg()]),
    ];
    await check(
      t,
      'new CsrMatrix',
      () => new (CsrMatrix as unknown as new (...x: unknown[]) => unknown)(...cand),
      false,
      stats,
    );
    await check(
      t,
      'CsrMatrix.fromCoo',
      () =>
        (CsrMatrix.fromCoo as (...x: unknown[]) => unknown)(
          rows,
          cols,
          i32(nnz, rows + 1),
          i32(nnz, cols + 1),
          f64(nnz),
        ),
      false,
      stats,
    );
    await check(
      t,
      'CsrMatrix.fromDense',
      () => (CsrMatrix.fromDense as (...x: unknown[]) => unknown)(...args()),
      false,
      stats,
    );
    const m = pick([
      'multiply',
      'multiplyTranspose',
      'toDense',
      'diagonal',
      'isSymmetric',
      'transpose',
      'toCsc',
    ]) as keyof CsrMatrix;
    await check(
      t,
      `CsrMatrix#${String(m)}`,
      () => (good[m] as (...x: unknown[]) => unknown).call(good, ...args()),
      false,
      stats,
    );
    // CscMatrix: the same candidates read as (rows, cols, colPtr, rowIdx, values, options)
    const cscCand = [cand[1], cand[0], ...cand.slice(2)];
    await check(
      t,
      'new CscMatrix',
      () => new (CscMatrix as unknown as new (...x: unknown[]) => unknown)(...cscCand),
      false,
      stats,
    );
    await check(
      t,
      'CscMatrix.fromCoo',
      () =>
        (CscMatrix.fromCoo as (...x: unknown[]) => unknown)(
          rows,
          cols,
          i32(nnz, rows + 1),
          i32(nnz, cols + 1),
          f64(nnz),
        ),
      false,
      stats,
    );
    await check(
      t,
      'CscMatrix.fromDense',
      () =>
        (CscMatrix.fromDense as (...x: unknown[]) => unknown)(
          ...(rand() < 0.5
            ? args()
            : [
                {
                  rows: pick([rows, arg()]),
                  cols,
                  data: pick([f64(rows * cols), arg()]),
                  order: pick(['C', 'F', arg()]),
                },
              ]),
        ),
      false,
      stats,
    );
    await check(
      t,
      'CscMatrix.fromCsr',
      () => (CscMatrix.fromCsr as (...x: unknown[]) => unknown)(pick([good, arg()]), ...args()),
      false,
      stats,
    );
    const cm = pick([
      'multiply',
      'multiplyTranspose',
      'toDense',
      'toCsr',
      'transpose',
    ]) as keyof CscMatrix;
    await check(
      t,
      `CscMatrix#${String(cm)}`,
      () => (goodCsc[cm] as (...x: unknown[]) => unknown).call(goodCsc, ...args()),
      false,
      stats,
    );
    const s = pick(['create', 'jacobi', 'ssor', 'ic0', 'ilu0']) as 'create';
    const P = lib.Preconditioner as unknown as Record<string, (...x: unknown[]) => unknown>;
    await check(t, `Preconditioner.${s}`, () => P[s](pick([good, arg()]), ...args()), false, stats);
    const pj = lib.Preconditioner.jacobi(good);
    await check(
      t,
      'Preconditioner#apply',
      () => (pj.apply as (...x: unknown[]) => unknown).call(pj, ...args()),
      false,
      stats,
    );
  }
  t.ok(
    stats.ok > 0 && stats.err > 0,
    `${stats.ok} calls returned, ${stats.err} threw ItersolveError`,
  );
});

t.test('the native binding re-checks what a caller could bypass', async (t) => {
  const b = native() as unknown as Record<string, (...x: unknown[]) => unknown>;
  const stats = { ok: 0, err: 0 };
  const names = Object.keys(b).filter(
    (k) =>
      typeof b[k] === 'function' &&
      k !== 'Cancel' &&
      k !== 'NativePreconditioner' &&
      k !== 'NativeFactor',
  );
  t.ok(names.length >= 20, `${names.length} binding functions`);
  for (const name of names) {
    for (let i = 0; i < 400; i++) {
      const a = args();
      // matrix-taking calls: often a consistent-looking CSR with untrusted contents
      if (rand() < 0.6) {
        const rows = pick([0, 1, 4, 16]);
        const cols = pick([0, 1, 4, 16]);
        const nnz = pick([0, 3, 16]);
        a.splice(
          0,
          6,
          rows,
          cols,
          pick([sortedRowPtr(rows, nnz), i32(rows + 1, nnz + 1)]),
          i32(nnz, cols + 2),
          f64(nnz),
          false,
        );
        if (name === 'mmWrite') a.unshift(null);
      }
      // the trusted flag is the caller's promise: a direct caller that passes true owns it
      for (let k = 0; k < a.length; k++) if (a[k] === true) a[k] = false;
      if (name === 'powerIteration' || name === 'powerIterationAsync') a[7] = pick([0, 1, 5]);
      if (name === 'setThreads' && typeof a[0] === 'number' && a[0] > 8) a[0] = 2;
      if (name === 'mmWrite' && typeof a[0] === 'string')
        a[0] = '/nonexistent-dir/itersolve-fuzz.mtx';
      if (name.endsWith('Async')) {
        const last = a.length - 1;
        if (
          last >= 0 &&
          typeof a[last] === 'object' &&
          a[last] !== null &&
          !ArrayBuffer.isView(a[last])
        ) {
          const o = a[last] as Record<string, unknown>;
          delete o.signal;
          if (typeof o.onProgress !== 'function') delete o.onProgress;
        }
      }
      await check(t, `binding.${name}`, () => b[name](...a), true, stats);
    }
  }
  // new NativePreconditioner(kind, rows, cols, rowPtr, colIdx, values, trusted, omega)
  const Ctor = b.NativePreconditioner as unknown as new (...x: unknown[]) => unknown;
  for (let i = 0; i < 1000; i++) {
    const rows = pick([0, 1, 4, 16]);
    const nnz = pick([0, 3, 16]);
    const a = [
      pick(['jacobi', 'ssor', 'ic0', 'ilu0', 'identity', 'x', arg()]),
      rows,
      pick([rows, 4]),
      pick([sortedRowPtr(rows, nnz), i32(rows + 1, nnz + 1)]),
      i32(nnz, rows + 2),
      f64(nnz),
      false,
      pick([1, 1.5, 0, 2, NaN, arg()]),
    ];
    await check(t, 'new NativePreconditioner', () => new Ctor(...a), true, stats);
  }
  t.ok(stats.err > 0, `${stats.ok} returned, ${stats.err} threw coded errors`);
  t.throws(() => (b.spmv as (...x: unknown[]) => unknown)(), { code: 'ERR_INVALID_ARGUMENT' });
});
