// Sparse arithmetic and access (CsrMatrix.add / subtract / scale / matmul / get / getRow /
// slice / toCoo / setDiagonal, identity / diagonalMatrix / kron / vstack / hstack, and the
// CscMatrix counterparts) against a dense reference on seeded random matrices: rectangular, with
// empty rows, 0×n and n×0. Values are small integers, so every sum and product is exact and the
// comparisons are exact; cancellation happens, which checks SciPy 1.17's explicit-zero rules
// (add / subtract / matmul drop exact zeros; scale / slice / kron / stack / setDiagonal keep
// stored entries). The sparse product is bit for bit the same on 1–4 threads.
import t from 'tap';
import {
  CscMatrix,
  CsrMatrix,
  ItersolveError,
  getThreads,
  poisson2d,
  rng,
  setThreads,
} from '../lib/index';
import { native } from '../lib/native';

const I = (a: number[]) => Int32Array.from(a);
const F = (a: number[]) => Float64Array.from(a);
type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

/** Seeded random CSR with integer values in [−3, 3] (explicit zeros included), empty rows. */
function intCsr(rows: number, cols: number, seed: number, density = 0.3): CsrMatrix {
  const rand = rng(seed);
  const rowPtr = new Int32Array(rows + 1);
  const ci: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (rand() >= 0.15)
      for (let c = 0; c < cols; c++)
        if (rand() < density) {
          ci.push(c);
          vals.push(Math.floor(rand() * 7) - 3);
        }
    rowPtr[r + 1] = ci.length;
  }
  return new CsrMatrix(rows, cols, rowPtr, I(ci), F(vals));
}

/** The same matrix stored unsorted, its first entry per row split in two repeated halves. */
function scrambled(A: CsrMatrix): CsrMatrix {
  const rowPtr = new Int32Array(A.rows + 1);
  const ci: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < A.rows; r++) {
    for (let k = A.rowPtr[r + 1] - 1; k >= A.rowPtr[r]; k--) {
      const first = k === A.rowPtr[r];
      ci.push(A.colIdx[k]);
      vals.push(first ? A.values[k] / 2 : A.values[k]);
      if (first) {
        ci.push(A.colIdx[k]);
        vals.push(A.values[k] / 2);
      }
    }
    rowPtr[r + 1] = ci.length;
  }
  return new CsrMatrix(A.rows, A.cols, rowPtr, I(ci), F(vals), { validate: { sorted: false } });
}

/** Throws unless C's rows are canonical (sorted, unique, in range, finite). */
function canonical(C: CsrMatrix): boolean {
  try {
    new CsrMatrix(C.rows, C.cols, C.rowPtr, C.colIdx, C.values);
    return true;
  } catch {
    return false;
  }
}

const dense = (A: CsrMatrix) => Array.from(A.toDense());
const nonzeros = (d: number[]) => d.filter((x) => x !== 0).length;
const zeroStored = (A: CsrMatrix) => A.values.some((x) => x === 0);

function expectError(
  t: TapTest,
  fn: () => unknown,
  code: string,
  argument: string | undefined,
  re: RegExp,
) {
  try {
    fn();
    t.fail(`expected ${code}`);
  } catch (e) {
    t.ok(e instanceof ItersolveError, 'is an ItersolveError');
    const err = e as ItersolveError;
    t.equal(err.code, code, err.message);
    if (argument !== undefined) t.equal(err.argument, argument);
    t.match(err.message, re);
  }
}

const SHAPES: [number, number][] = [
  [0, 0],
  [0, 4],
  [4, 0],
  [1, 1],
  [7, 7],
  [9, 17],
  [17, 9],
];

t.test('add / subtract / scale against the dense reference', async (t) => {
  let seed = 1;
  for (const [m, n] of SHAPES) {
    const A = intCsr(m, n, seed++);
    const B = intCsr(m, n, seed++);
    const dA = dense(A);
    const dB = dense(B);
    const S = A.add(B);
    const D = A.subtract(B);
    t.ok(canonical(S) && canonical(D), `${m}×${n} canonical`);
    t.same([S.rows, S.cols], [m, n]);
    const sum = dA.map((x, i) => x + dB[i]);
    const diff = dA.map((x, i) => x - dB[i]);
    t.same(dense(S), sum);
    t.same(dense(D), diff);
    // exact zeros of a sum are not stored (SciPy's csr_binop_csr): nnz = dense non-zeros
    t.equal(S.nnz, nonzeros(sum));
    t.equal(D.nnz, nonzeros(diff));
    t.equal(A.subtract(A).nnz, 0, 'A − A stores nothing');
    // non-canonical operands give the same canonical result
    t.same(dense(scrambled(A).add(B)), sum);
    t.ok(canonical(scrambled(A).add(scrambled(B))));
    // CscMatrix operands mix in
    t.same(dense(A.add(B.toCsc())), sum);
    // scale keeps the pattern (explicit zeros too), α = 0 included, as SciPy's A * α
    const Z = A.scale(0);
    t.same(Array.from(Z.rowPtr), Array.from(A.rowPtr));
    t.same(Array.from(Z.colIdx), Array.from(A.colIdx));
    t.equal(Z.nnz, A.nnz);
    t.same(
      dense(A.scale(-2.5)),
      dA.map((x) => -2.5 * x + 0),
    );
    t.not(A.scale(1).values, A.values, 'scale copies');
  }
  expectError(
    t,
    () => intCsr(3, 4, 1).add(intCsr(4, 3, 2)),
    'ERR_DIMENSION_MISMATCH',
    'B',
    /B: expected a 3×4 matrix \(the shape of A\), received a 4×3 matrix/,
  );
  expectError(
    t,
    () => intCsr(3, 4, 1).subtract(F([1, 2]) as never),
    'ERR_INVALID_ARGUMENT',
    'B',
    /B: expected a CsrMatrix or CscMatrix, received Float64Array\(2\)/,
  );
  expectError(t, () => intCsr(3, 4, 1).scale(NaN), 'ERR_INVALID_ARGUMENT', 'alpha', /finite/);
  const big = CsrMatrix.fromDense(1, 1, F([1e308]));
  expectError(t, () => big.add(big), 'ERR_INVALID_ARGUMENT', 'B', /finite values.*overflow/);
  expectError(t, () => big.scale(10), 'ERR_INVALID_ARGUMENT', 'alpha', /overflow/);
});

t.test('matmul against the dense reference; SciPy semantics; vector and dense forms', async (t) => {
  let seed = 100;
  const shapes: [number, number, number][] = [
    [0, 0, 0],
    [0, 4, 3],
    [4, 0, 3],
    [3, 4, 0],
    [1, 1, 1],
    [7, 9, 5],
    [9, 7, 12],
    [20, 20, 20],
  ];
  for (const [m, k, n] of shapes) {
    const A = intCsr(m, k, seed++);
    const B = intCsr(k, n, seed++);
    const dA = dense(A);
    const dB = dense(B);
    const ref = new Array<number>(m * n).fill(0);
    for (let i = 0; i < m; i++)
      for (let l = 0; l < k; l++)
        for (let j = 0; j < n; j++) ref[i * n + j] += dA[i * k + l] * dB[l * n + j];
    const C = A.matmul(B);
    t.ok(canonical(C), `${m}×${k}·${k}×${n} canonical`);
    t.same([C.rows, C.cols], [m, n]);
    t.same(dense(C), ref);
    t.equal(C.nnz, nonzeros(ref), 'exact zeros of the product are not stored');
    t.notOk(zeroStored(C));
    t.same(dense(scrambled(A).matmul(scrambled(B))), ref, 'non-canonical operands');
    t.same(dense(A.matmul(B.toCsc())), ref, 'a CscMatrix B');
    // CscMatrix · CscMatrix gives a CscMatrix
    const Cc = A.toCsc().matmul(B.toCsc());
    t.ok(Cc instanceof CscMatrix);
    t.same(dense(Cc.toCsr()), ref);
    // A @ x and A @ dense block
    const x = F(Array.from({ length: k }, (_, i) => i - 2));
    const y = A.matmul(x);
    t.same(Array.from(y), Array.from(A.multiply(x)));
    const Dn = A.matmul({ rows: k, cols: n, data: F(dB) });
    t.same([Dn.rows, Dn.cols, Dn.order], [m, n, 'C']);
    t.same(Array.from(Dn.data), ref);
    const DnF = A.matmul({ rows: k, cols: n, data: B.toCsc().toDense(undefined, 'F'), order: 'F' });
    t.same(Array.from(DnF.data), ref, 'column-major dense B');
  }
  // the SciPy 1.17 example: [[1, 2], [0, 3]] @ [[1, 0], [−0.5, 0]] has one entry (−1.5 at (1, 0))
  const A = CsrMatrix.fromDense(2, 2, F([1, 2, 0, 3]));
  const C = A.matmul(CsrMatrix.fromDense(2, 2, F([1, 0, -0.5, 0])));
  t.equal(C.nnz, 1);
  t.same(Array.from(C.values), [-1.5]);
  expectError(
    t,
    () => A.matmul(intCsr(3, 2, 1)),
    'ERR_DIMENSION_MISMATCH',
    'B',
    /B: expected 2 rows \(the columns of A\), received a 3×2 matrix/,
  );
  expectError(t, () => A.matmul(F([1, 2, 3])), 'ERR_DIMENSION_MISMATCH', 'x', /length 2/);
  expectError(
    t,
    () => A.matmul({ rows: 3, cols: 1, data: F([1, 2, 3]) }),
    'ERR_DIMENSION_MISMATCH',
    'B',
    /B: expected 2 rows/,
  );
  expectError(
    t,
    () => A.toCsc().matmul(intCsr(3, 2, 1).toCsc()),
    'ERR_DIMENSION_MISMATCH',
    'B',
    /B: expected 2 rows/,
  );
});

t.test('matmul is bit-identical for any thread count (threaded path)', async (t) => {
  const before = getThreads();
  t.teardown(() => setThreads(before));
  // 2D Poisson 120² (14400 rows) times a random-valued copy: well past the parallel threshold
  const P = poisson2d(120);
  const rand = rng(7);
  const Q = new CsrMatrix(
    P.rows,
    P.cols,
    P.rowPtr,
    P.colIdx,
    P.values.map(() => rand() - 0.5),
  );
  setThreads(1);
  const C1 = P.matmul(Q);
  t.ok(canonical(C1));
  for (const n of [2, 3, 4]) {
    setThreads(n);
    const Cn = P.matmul(Q);
    const bytes = (a: Int32Array | Float64Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    t.ok(bytes(Cn.rowPtr).equals(bytes(C1.rowPtr)), `${n} threads: rowPtr`);
    t.ok(bytes(Cn.colIdx).equals(bytes(C1.colIdx)), `${n} threads: colIdx`);
    t.ok(bytes(Cn.values).equals(bytes(C1.values)), `${n} threads: values bit for bit`);
  }
  // and it is right: (P Q) x = P (Q x)
  const x = F(Array.from({ length: P.cols }, (_, i) => Math.sin(i)));
  const y1 = C1.multiply(x);
  const y2 = P.multiply(Q.multiply(x));
  let err = 0;
  let nrm = 0;
  for (let i = 0; i < y1.length; i++) {
    err = Math.max(err, Math.abs(y1[i] - y2[i]));
    nrm = Math.max(nrm, Math.abs(y2[i]));
  }
  t.ok(err <= 1e-13 * nrm, `(PQ)x vs P(Qx): ${err}`);
});

t.test('get / getRow / toCoo', async (t) => {
  const A = intCsr(9, 17, 5);
  const d = dense(A);
  for (let i = 0; i < 9; i++)
    for (let j = 0; j < 17; j++) {
      t.equal(A.get(i, j), d[i * 17 + j]);
      // negative indices count from the end, as in SciPy
      if (i === 8 || j === 16) t.equal(A.get(i - 9, j - 17), d[i * 17 + j]);
    }
  const S = scrambled(A);
  t.equal(S.get(3, 5), A.get(3, 5), 'repeated entries summed');
  const C = A.toCsc();
  t.equal(C.get(-1, -1), A.get(8, 16));
  t.equal(C.get(2, 3), A.get(2, 3));
  const row = A.getRow(4);
  t.same(Array.from(row.indices), Array.from(A.colIdx.subarray(A.rowPtr[4], A.rowPtr[5])));
  t.same(Array.from(row.values), Array.from(A.values.subarray(A.rowPtr[4], A.rowPtr[5])));
  row.values[0] = 99;
  t.not(A.values[A.rowPtr[4]], 99, 'getRow copies');
  t.same(Array.from(A.getRow(-1).indices), Array.from(A.getRow(8).indices));
  // toCoo round-trips through fromCoo, for both formats
  for (const M of [A, intCsr(0, 3, 1), intCsr(4, 0, 1)]) {
    const coo = M.toCoo();
    t.same([coo.rows, coo.cols, coo.values.length], [M.rows, M.cols, M.nnz]);
    t.same(
      dense(CsrMatrix.fromCoo(coo.rows, coo.cols, coo.rowIdx, coo.colIdx, coo.values)),
      dense(M),
    );
    const cc = M.toCsc().toCoo();
    t.same(dense(CsrMatrix.fromCoo(cc.rows, cc.cols, cc.rowIdx, cc.colIdx, cc.values)), dense(M));
  }
  expectError(
    t,
    () => A.get(9, 0),
    'ERR_INVALID_ARGUMENT',
    'i',
    /i: expected an integer in \[-9, 8\], received 9/,
  );
  expectError(t, () => A.get(0, -18), 'ERR_INVALID_ARGUMENT', 'j', /received -18/);
  expectError(t, () => A.get(0.5, 0), 'ERR_INVALID_ARGUMENT', 'i', /received 0.5/);
  expectError(t, () => A.getRow(10), 'ERR_INVALID_ARGUMENT', 'i', /\[-9, 8\]/);
  expectError(t, () => C.get(0, 17), 'ERR_INVALID_ARGUMENT', 'j', /\[-17, 16\]/);
});

t.test('slice: ranges and fancy index arrays (repeats, any order, negatives)', async (t) => {
  let seed = 200;
  for (const [m, n] of SHAPES) {
    const A = intCsr(m, n, seed++, 0.4);
    const dA = dense(A);
    const rand = rng(seed * 3);
    const rows = I(Array.from({ length: 2 * m }, () => Math.floor(rand() * m)));
    const cols = I(Array.from({ length: 2 * n }, () => Math.floor(rand() * n)));
    const all = (k: number) => Array.from({ length: k }, (_, i) => i);
    const cases: [Parameters<CsrMatrix['slice']>[0], number[], number[]][] = [
      [{ rows, cols }, Array.from(rows), Array.from(cols)],
      [{ rows }, Array.from(rows), all(n)],
      [{ cols }, all(m), Array.from(cols)],
      [{}, all(m), all(n)],
      [{ rows: I([]), cols }, [], Array.from(cols)],
      [{ rows: [1, 3], cols: { start: 2, end: 5 } }, all(m).slice(1, 3), all(n).slice(2, 5)],
      [{ rows: [-2, 100] }, all(m).slice(-2), all(n)],
      [{ cols: [3, 1] }, all(m), []],
      [{ rows: I(m > 0 ? [-1, 0, -1] : []) }, m > 0 ? [m - 1, 0, m - 1] : [], all(n)],
    ];
    for (const [spec, r, c] of cases) {
      for (const M of [A, scrambled(A)]) {
        const C = M.slice(spec);
        t.ok(canonical(C));
        t.same([C.rows, C.cols], [r.length, c.length]);
        const ref = r.flatMap((i) => c.map((j) => dA[i * n + j]));
        t.same(dense(C), ref);
        // stored entries are kept (explicit zeros too): count the selected stored ones
        let stored = 0;
        for (const i of r)
          for (const j of c)
            for (let q = A.rowPtr[i]; q < A.rowPtr[i + 1]; q++) stored += A.colIdx[q] === j ? 1 : 0;
        t.equal(C.nnz, stored);
      }
    }
  }
  const A = intCsr(3, 4, 1);
  expectError(
    t,
    () => A.slice({ rows: I([0, 3]) }),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /rows: expected indices in \[-3, 2\], received rows\[1\] = 3/,
  );
  expectError(t, () => A.slice({ cols: I([-5]) }), 'ERR_INVALID_ARGUMENT', 'cols', /= -5/);
  expectError(t, () => A.slice({ rows: [0, 1.5] }), 'ERR_INVALID_ARGUMENT', 'rows.end', /integer/);
  expectError(
    t,
    () => A.slice({ rows: [0, 1, 2] as never }),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /a \[start, end\) range or an Int32Array/,
  );
  expectError(t, () => A.slice(5 as never), 'ERR_INVALID_ARGUMENT', 'spec', /options object/);
});

t.test('setDiagonal, identity, diagonalMatrix', async (t) => {
  let seed = 300;
  for (const [m, n] of SHAPES) {
    const A = intCsr(m, n, seed++);
    const dA = dense(A);
    for (const k of [-1, 0, 2]) {
      const len = Math.max(0, Math.min(m - Math.max(0, -k), n - Math.max(0, k)));
      for (const count of [len, Math.floor(len / 2)]) {
        const d = F(Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 0 : 10 + i)));
        for (const M of [A, scrambled(A)]) {
          const D = M.setDiagonal(d, k);
          t.ok(canonical(D));
          const want = dA.slice();
          let added = 0;
          for (let i = 0; i < count; i++) {
            const r = i + Math.max(0, -k);
            const c = r + k;
            let present = false;
            for (let q = A.rowPtr[r]; q < A.rowPtr[r + 1]; q++) present ||= A.colIdx[q] === c;
            if (!present) added++;
            want[r * n + c] = d[i];
          }
          t.same(dense(D), want, `${m}×${n} k=${k} ${count} values`);
          t.equal(D.nnz, A.nnz + added, 'every value stored, zeros too (SciPy setdiag)');
        }
      }
      // a scalar fills the whole diagonal
      const D = A.setDiagonal(7, k);
      for (let i = 0; i < len; i++) t.equal(D.get(i + Math.max(0, -k), i + Math.max(0, k)), 7);
    }
  }
  // A is not changed
  const A = CsrMatrix.fromDense(2, 2, F([1, 0, 0, 0]));
  const D = A.setDiagonal(F([0, 5]));
  t.same(dense(A), [1, 0, 0, 0]);
  // SciPy 1.17: M.setdiag([0, 5]) on [[1, 0], [0, 0]] stores 2 entries (the zero too)
  t.equal(D.nnz, 2);
  t.same(dense(D), [0, 0, 0, 5]);
  expectError(
    t,
    () => intCsr(3, 4, 1).setDiagonal(F([1, 2, 3, 4])),
    'ERR_DIMENSION_MISMATCH',
    'd',
    /d: expected at most 3 values \(the length of diagonal 0 of a 3×4 matrix\), received length 4/,
  );
  expectError(t, () => A.setDiagonal(F([NaN])), 'ERR_INVALID_ARGUMENT', 'd[0]', /finite/);
  expectError(t, () => A.setDiagonal(1, 0.5), 'ERR_INVALID_ARGUMENT', 'k', /integer/);

  const E = CsrMatrix.identity(4);
  t.equal(E.nnz, 4);
  t.same(dense(E), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  t.same([CsrMatrix.identity(0).rows, CsrMatrix.identity(0).nnz], [0, 0]);
  const G = CsrMatrix.diagonalMatrix(F([2, 0, -1]));
  t.equal(G.nnz, 2, 'zeros are not stored (scipy.sparse.diags(d).tocsr())');
  t.same(dense(G), [2, 0, 0, 0, 0, 0, 0, 0, -1]);
  expectError(t, () => CsrMatrix.identity(-1), 'ERR_INVALID_ARGUMENT', 'n', /received -1/);
  expectError(
    t,
    () => CsrMatrix.diagonalMatrix(F([Infinity])),
    'ERR_INVALID_ARGUMENT',
    'd[0]',
    /finite/,
  );
});

t.test('kron, vstack, hstack', async (t) => {
  let seed = 400;
  for (const [m, n] of SHAPES) {
    const A = intCsr(m, n, seed++, 0.4);
    const B = intCsr(3, 2, seed++, 0.5);
    const dA = dense(A);
    const dB = dense(B);
    const K = CsrMatrix.kron(scrambled(A), B.toCsc());
    t.ok(canonical(K));
    t.same([K.rows, K.cols, K.nnz], [3 * m, 2 * n, A.nnz * B.nnz]);
    const ref: number[] = [];
    for (let i = 0; i < 3 * m; i++)
      for (let j = 0; j < 2 * n; j++)
        ref.push(dA[Math.floor(i / 3) * n + Math.floor(j / 2)] * dB[(i % 3) * 2 + (j % 2)]);
    t.same(dense(K), ref);

    const V = intCsr(4, n, seed++);
    const S = CsrMatrix.vstack([A, scrambled(V), A.toCsc()]);
    t.ok(canonical(S));
    t.same([S.rows, S.cols, S.nnz], [2 * m + 4, n, 2 * A.nnz + V.nnz]);
    t.same(dense(S), [...dA, ...dense(V), ...dA]);
    const H = intCsr(m, 3, seed++);
    const dH = dense(H);
    const T = CsrMatrix.hstack([A, H]);
    t.ok(canonical(T));
    t.same([T.rows, T.cols, T.nnz], [m, n + 3, A.nnz + H.nnz]);
    const refH: number[] = [];
    for (let i = 0; i < m; i++)
      refH.push(...dA.slice(i * n, i * n + n), ...dH.slice(i * 3, i * 3 + 3));
    t.same(dense(T), refH);
  }
  const A = intCsr(3, 4, 1);
  const B = intCsr(2, 5, 2);
  expectError(
    t,
    () => CsrMatrix.vstack([A, A, B]),
    'ERR_DIMENSION_MISMATCH',
    'matrices[2]',
    /matrices\[2\]: expected 4 columns \(as matrices\[0\]\), received a 2×5 matrix/,
  );
  expectError(t, () => CsrMatrix.hstack([A, B]), 'ERR_DIMENSION_MISMATCH', 'matrices[1]', /3 rows/);
  expectError(t, () => CsrMatrix.vstack([]), 'ERR_INVALID_ARGUMENT', 'matrices', /at least one/);
  expectError(
    t,
    () => CsrMatrix.hstack([A, 3 as never]),
    'ERR_INVALID_ARGUMENT',
    'matrices[1]',
    /CsrMatrix/,
  );
  expectError(t, () => CsrMatrix.kron(A, null as never), 'ERR_INVALID_ARGUMENT', 'B', /CsrMatrix/);
  // a Kronecker product past int32 is refused natively before anything is formed
  const tall = new CsrMatrix(70000, 1, new Int32Array(70001), I([]), F([]));
  expectError(
    t,
    () => CsrMatrix.kron(tall, tall),
    'ERR_UNSUPPORTED',
    'B',
    /4900000000 rows, more than 2\^31 - 1/,
  );
});

t.test('CscMatrix counterparts match the CSR results', async (t) => {
  let seed = 500;
  for (const [m, n] of SHAPES) {
    const A = intCsr(m, n, seed++);
    const B = intCsr(m, n, seed++);
    const a = A.toCsc();
    const b = B.toCsc();
    const sum = a.add(b);
    t.ok(sum instanceof CscMatrix);
    t.same(dense(sum.toCsr()), dense(A.add(B)));
    t.equal(sum.nnz, A.add(B).nnz);
    t.same(dense(a.subtract(B).toCsr()), dense(A.subtract(B)));
    t.equal(a.subtract(a).nnz, 0);
    const z = a.scale(0);
    t.equal(z.nnz, a.nnz);
    t.same(dense(a.scale(3).toCsr()), dense(A.scale(3)));
  }
  expectError(
    t,
    () =>
      intCsr(3, 4, 1)
        .toCsc()
        .add(intCsr(4, 3, 2).toCsc()),
    'ERR_DIMENSION_MISMATCH',
    'B',
    /expected a 3×4 matrix/,
  );
});

t.test('the raw bindings re-check what a direct caller could get wrong', async (t) => {
  const A = intCsr(3, 4, 1);
  const B = intCsr(4, 3, 2);
  expectNative(
    t,
    () => native().csrAdd(...A.args(), ...B.args(), 1, 1),
    'ERR_DIMENSION_MISMATCH',
    'B',
  );
  expectNative(
    t,
    () => native().csrMatmul(...A.args(), ...A.args()),
    'ERR_DIMENSION_MISMATCH',
    'B',
  );
  expectNative(
    t,
    () => native().csrSlice(...A.args(), I([5]), null),
    'ERR_INVALID_ARGUMENT',
    'rows',
  );
  expectNative(
    t,
    () => native().csrSlice(...A.args(), null, I([-1])),
    'ERR_INVALID_ARGUMENT',
    'cols',
  );
  expectNative(
    t,
    () => native().csrSetDiagonal(...A.args(), F([1, 2, 3, 4]), 0),
    'ERR_DIMENSION_MISMATCH',
    'd',
  );
  expectNative(
    t,
    () => native().csrStack([A.args(), B.args()], false),
    'ERR_DIMENSION_MISMATCH',
    'matrices[1]',
  );
  expectNative(t, () => native().csrStack([], true), 'ERR_INVALID_ARGUMENT', 'matrices');
  // untrusted arrays get the structure scan: a column index out of range is caught
  const bad = [3, 4, I([0, 1, 1, 1]), I([9]), F([1]), false] as const;
  expectNative(t, () => native().csrMatmul(...bad, ...B.args()), 'ERR_INVALID_MATRIX', 'colIdx');
});

function expectNative(t: TapTest, fn: () => unknown, code: string, argument: string) {
  try {
    fn();
    t.fail(`expected ${code}`);
  } catch (e) {
    const err = e as { code?: string; argument?: string; message: string };
    t.equal(err.code, code, err.message);
    t.equal(err.argument, argument, err.message);
  }
}
