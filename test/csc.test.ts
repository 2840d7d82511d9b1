import t from 'tap';
import { CscMatrix, CsrMatrix, ItersolveError, getThreads, rng, setThreads } from '../lib/index';
import { native } from '../lib/native';
import { naiveSpmv, naiveSpmvT, randomCsr, randomVector, relErr } from './helpers';

const I = (a: number[]) => Int32Array.from(a);
const F = (a: number[]) => Float64Array.from(a);

// tap's Test type without importing internals
type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

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

/** Row-major dense copy of a CSR matrix computed in JS (repeated entries add up). */
function denseOf(A: CsrMatrix): Float64Array {
  const d = new Float64Array(A.rows * A.cols);
  for (let r = 0; r < A.rows; r++)
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) d[r * A.cols + A.colIdx[k]] += A.values[k];
  return d;
}

/** Column-major copy of a row-major rows×cols array. */
function toF(rows: number, cols: number, d: Float64Array): Float64Array {
  const o = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) o[j * rows + i] = d[i * cols + j];
  return o;
}

/** Seeded random CSR with some empty columns too (every third column index is never used). */
function randomCases(): { name: string; A: CsrMatrix }[] {
  const cases: { name: string; A: CsrMatrix }[] = [];
  const shapes: [number, number][] = [
    [0, 0],
    [0, 5],
    [5, 0],
    [1, 1],
    [1, 7],
    [7, 1],
    [13, 9],
    [9, 13],
    [40, 40],
    [64, 33],
  ];
  let seed = 11;
  for (const [r, c] of shapes)
    for (const density of [0, 0.2, 0.6]) {
      const A = randomCsr(r, c, seed++, { density, emptyRowFraction: 0.25 });
      cases.push({ name: `${r}x${c} d=${density} seed=${seed - 1}`, A });
    }
  // empty columns: drop every third column's entries
  const B = randomCsr(20, 12, 99, { density: 0.5 });
  const keep: number[] = [];
  for (let k = 0; k < B.nnz; k++) if (B.colIdx[k] % 3 !== 0) keep.push(k);
  const rowPtr = new Int32Array(B.rows + 1);
  for (let r = 0; r < B.rows; r++) {
    let n = 0;
    for (let k = B.rowPtr[r]; k < B.rowPtr[r + 1]; k++) if (B.colIdx[k] % 3 !== 0) n++;
    rowPtr[r + 1] = rowPtr[r] + n;
  }
  cases.push({
    name: '20x12 with empty columns',
    A: new CsrMatrix(
      20,
      12,
      rowPtr,
      Int32Array.from(keep.map((k) => B.colIdx[k])),
      Float64Array.from(keep.map((k) => B.values[k])),
    ),
  });
  cases.push({ name: 'one dense row', A: randomCsr(10, 30, 5, { longRow: 3, density: 0.05 }) });
  return cases;
}

t.test('wraps the caller arrays without copying', async (t) => {
  const colPtr = I([0, 1, 3]);
  const rowIdx = I([0, 0, 1]);
  const values = F([2, -1, 3]);
  // [[2, -1], [0, 3]]
  const A = new CscMatrix(2, 2, colPtr, rowIdx, values);
  t.equal(A.colPtr, colPtr);
  t.equal(A.rowIdx, rowIdx);
  t.equal(A.values, values);
  t.equal(A.nnz, 3);
  t.equal(A.rows, 2);
  t.equal(A.cols, 2);
  t.same(Array.from(A.multiply(F([1, 1]))), [1, 3]);
  t.same(Array.from(A.multiplyTranspose(F([1, 1]))), [2, 2]);
  values[0] = 5; // read in place
  t.same(Array.from(A.multiply(F([1, 1]))), [4, 3]);
  t.same(Array.from(A.toDense()), [5, -1, 0, 3]);
  t.same(Array.from(A.toDense(undefined, 'F')), [5, 0, -1, 3]);
});

t.test('construction checks name the argument, expected and received', async (t) => {
  const bad = (fn: () => unknown, code: string, arg: string, re: RegExp) =>
    expectError(t, fn, code, arg, re);
  bad(
    () => new CscMatrix(-1, 2, I([0, 0, 0]), I([]), F([])),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /rows: expected an integer.*received -1/,
  );
  bad(
    () => new CscMatrix(2, 1.5, I([0]), I([]), F([])),
    'ERR_INVALID_ARGUMENT',
    'cols',
    /received 1.5/,
  );
  bad(
    () => new CscMatrix(2, 2, F([0, 1, 2]) as never, I([0, 1]), F([1, 1])),
    'ERR_INVALID_ARGUMENT',
    'colPtr',
    /expected an Int32Array, received Float64Array\(3\)/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), [0, 1] as never, F([1, 1])),
    'ERR_INVALID_ARGUMENT',
    'rowIdx',
    /expected an Int32Array/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0, 1]), [1, 1] as never),
    'ERR_INVALID_ARGUMENT',
    'values',
    /expected a Float64Array/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0, 1]), F([1, 1]), 5 as never),
    'ERR_INVALID_ARGUMENT',
    'options',
    /options/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0, 1]), F([1, 1]), { validate: 3 as never }),
    'ERR_INVALID_ARGUMENT',
    'options.validate',
    /options.validate/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 2]), I([0, 1]), F([1, 1])),
    'ERR_DIMENSION_MISMATCH',
    'colPtr',
    /expected length cols \+ 1 = 3, received length 2/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0]), F([1, 1])),
    'ERR_DIMENSION_MISMATCH',
    'rowIdx',
    /expected length nnz = colPtr\[cols\] = 2, received length 1/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0, 1]), F([1])),
    'ERR_DIMENSION_MISMATCH',
    'values',
    /expected length nnz = colPtr\[cols\] = 2, received length 1/,
  );
  bad(
    () => new CscMatrix(2, 2, I([1, 1, 2]), I([0, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colPtr',
    /expected colPtr\[0\] = 0.*received 1/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 3, 2]), I([0, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colPtr',
    /non-decreasing offsets, received colPtr\[1\] = 3/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([0, 2]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'rowIdx',
    /row indices in \[0, 2\), received rowIdx\[1\] = 2 in column 1/,
  );
  bad(
    () => new CscMatrix(2, 2, I([0, 1, 2]), I([-1, 0]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'rowIdx',
    /received rowIdx\[0\] = -1 in column 0/,
  );
  bad(
    () => new CscMatrix(2, 1, I([0, 2]), I([1, 0]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'rowIdx',
    /strictly increasing .* unsorted row 0 after 1 at rowIdx\[1\] in column 0/,
  );
  bad(
    () => new CscMatrix(2, 1, I([0, 2]), I([1, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'rowIdx',
    /duplicate row 1 after 1/,
  );
  bad(
    () => new CscMatrix(2, 1, I([0, 2]), I([0, 1]), F([1, NaN])),
    'ERR_INVALID_MATRIX',
    'values',
    /expected finite values, received values\[1\] = NaN/,
  );
  bad(
    () => new CscMatrix(2, 1, I([0, 1]), I([0]), F([-Infinity])),
    'ERR_INVALID_MATRIX',
    'values',
    /-Infinity/,
  );
  // O(1) safety even without checks
  bad(
    () => new CscMatrix(2, 2, I([1, 1, 2]), I([0, 1]), F([1, 1]), { validate: false }),
    'ERR_INVALID_MATRIX',
    'colPtr',
    /colPtr\[0\] = 0/,
  );
});

t.test('each check can be skipped for trusted data', async (t) => {
  const unsorted = () =>
    new CscMatrix(2, 1, I([0, 2]), I([1, 0]), F([1, 2]), { validate: { sorted: false } });
  t.doesNotThrow(unsorted);
  t.same(Array.from(unsorted().multiply(F([2]))), [4, 2], 'unsorted columns multiply right');
  t.doesNotThrow(
    () => new CscMatrix(1, 1, I([0, 1]), I([0]), F([NaN]), { validate: { finite: false } }),
  );
  t.throws(() => new CscMatrix(1, 1, I([0, 1]), I([3]), F([1]), { validate: { sorted: false } }), {
    code: 'ERR_INVALID_MATRIX',
    argument: 'rowIdx',
  });
  t.doesNotThrow(() => new CscMatrix(1, 1, I([0, 1]), I([0]), F([1]), { validate: true }));
});

t.test('CSR → CSC → CSR round trips exactly; dense copies agree', async (t) => {
  for (const { name, A } of randomCases()) {
    const C = CscMatrix.fromCsr(A);
    const C2 = A.toCsc();
    t.ok(C2 instanceof CscMatrix, `${name}: toCsc`);
    t.same(Array.from(C2.rowIdx), Array.from(C.rowIdx), `${name}: toCsc = fromCsr`);
    t.same(Array.from(C2.colPtr), Array.from(C.colPtr), `${name}: toCsc = fromCsr`);
    t.equal(C.rows, A.rows, name);
    t.equal(C.cols, A.cols, name);
    t.equal(C.nnz, A.nnz, name);
    // the conversion is a valid, fully checked CSC matrix
    t.doesNotThrow(() => new CscMatrix(C.rows, C.cols, C.colPtr, C.rowIdx, C.values), name);
    const B = C.toCsr();
    t.same(Array.from(B.rowPtr), Array.from(A.rowPtr), `${name}: rowPtr`);
    t.same(Array.from(B.colIdx), Array.from(A.colIdx), `${name}: colIdx`);
    t.same(Array.from(B.values), Array.from(A.values), `${name}: values`);
    const d = denseOf(A);
    t.same(Array.from(C.toDense()), Array.from(d), `${name}: toDense C`);
    t.same(
      Array.from(C.toDense(undefined, 'F')),
      Array.from(toF(A.rows, A.cols, d)),
      `${name}: toDense F`,
    );
    const out = new Float64Array(A.rows * A.cols);
    t.equal(C.toDense(out), out, `${name}: into out`);
    // dense → CSC in both layouts and the row-major triple all give the same arrays
    for (const D of [
      CscMatrix.fromDense({ rows: A.rows, cols: A.cols, data: d }),
      CscMatrix.fromDense({ rows: A.rows, cols: A.cols, data: toF(A.rows, A.cols, d), order: 'F' }),
      CscMatrix.fromDense(A.rows, A.cols, d),
    ]) {
      t.same(Array.from(D.colPtr), Array.from(C.colPtr), `${name}: fromDense colPtr`);
      t.same(Array.from(D.rowIdx), Array.from(C.rowIdx), `${name}: fromDense rowIdx`);
      t.same(Array.from(D.values), Array.from(C.values), `${name}: fromDense values`);
    }
    // Aᵀ: its CSC arrays are A's CSR arrays
    const T = C.transpose();
    t.equal(T.rows, A.cols);
    t.equal(T.cols, A.rows);
    t.same(Array.from(T.colPtr), Array.from(A.rowPtr), `${name}: transpose`);
    t.same(Array.from(T.rowIdx), Array.from(A.colIdx), `${name}: transpose`);
  }
});

t.test('fromCoo sums duplicates in input order and sorts', async (t) => {
  const rand = rng(7);
  for (const [rows, cols, n] of [
    [0, 0, 0],
    [3, 0, 0],
    [0, 4, 0],
    [1, 1, 5],
    [6, 4, 30],
    [17, 23, 200],
  ]) {
    const ri = new Int32Array(n);
    const ci = new Int32Array(n);
    const vals = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      ri[k] = Math.floor(rand() * rows);
      ci[k] = Math.floor(rand() * cols);
      vals[k] = Math.round(rand() * 16 - 8);
    }
    const C = CscMatrix.fromCoo(rows, cols, ri, ci, vals);
    const R = CsrMatrix.fromCoo(rows, cols, ri, ci, vals);
    const name = `${rows}x${cols} n=${n}`;
    t.doesNotThrow(() => new CscMatrix(rows, cols, C.colPtr, C.rowIdx, C.values), name);
    t.same(Array.from(C.toDense()), Array.from(R.toDense()), name);
    const B = C.toCsr();
    t.same(
      Array.from(B.rowPtr),
      Array.from(R.rowPtr),
      `${name}: same pattern as CsrMatrix.fromCoo`,
    );
    t.same(Array.from(B.colIdx), Array.from(R.colIdx), name);
  }
  const C = CscMatrix.fromCoo(2, 2, I([1, 0, 1, 1]), I([0, 1, 0, 1]), F([1, 2, 3, 4]));
  t.same(Array.from(C.colPtr), [0, 1, 3]);
  t.same(Array.from(C.rowIdx), [1, 0, 1]);
  t.same(Array.from(C.values), [4, 2, 4]);
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, I([2]), I([0]), F([1])),
    'ERR_INVALID_MATRIX',
    'rowIdx',
    /row indices in \[0, 2\), received rowIdx\[0\] = 2/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, I([0]), I([-1]), F([1])),
    'ERR_INVALID_MATRIX',
    'colIdx',
    /received colIdx\[0\] = -1/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, I([0]), I([0, 1]), F([1])),
    'ERR_DIMENSION_MISMATCH',
    'colIdx',
    /length 1, received length 2/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, I([0]), I([0]), F([])),
    'ERR_DIMENSION_MISMATCH',
    'values',
    /length 1/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, [0] as never, I([0]), F([1])),
    'ERR_INVALID_ARGUMENT',
    'rowIdx',
    /Int32Array/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(-2, 2, I([0]), I([0]), F([1])),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /integer/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(2, 2, I([0]), I([0]), F([NaN])),
    'ERR_INVALID_MATRIX',
    'values',
    /finite/,
  );
  expectError(
    t,
    () => CscMatrix.fromCoo(1, 1, I([0, 0]), I([0, 0]), F([1e308, 1e308])),
    'ERR_INVALID_MATRIX',
    'values',
    /Infinity/,
  );
});

t.test('conversions of an unsorted CSR with repeats: sorted, unique, summed', async (t) => {
  // row 0: cols 2, 0, 2 (repeat); row 1: empty; row 2: cols 1, 0, 1, 1
  const A = new CsrMatrix(
    3,
    3,
    I([0, 3, 3, 7]),
    I([2, 0, 2, 1, 0, 1, 1]),
    F([1, 2, 3, 4, 5, 6, 7]),
    { validate: { sorted: false } },
  );
  const C = CscMatrix.fromCsr(A);
  t.same(Array.from(C.colPtr), [0, 2, 3, 4]);
  t.same(Array.from(C.rowIdx), [0, 2, 2, 0]);
  t.same(Array.from(C.values), [2, 5, 17, 4]);
  t.same(Array.from(C.toDense()), Array.from(denseOf(A)));
  const B = C.toCsr();
  t.same(Array.from(B.rowPtr), [0, 2, 2, 4]);
  t.same(Array.from(B.colIdx), [0, 2, 0, 1]);
  t.same(Array.from(B.values), [2, 4, 5, 17]);
  // the same from a CSC with unsorted, repeated rows
  const U = new CscMatrix(3, 2, I([0, 3, 4]), I([2, 0, 2, 1]), F([1, 2, 3, 4]), {
    validate: { sorted: false },
  });
  const R = U.toCsr();
  t.same(Array.from(R.rowPtr), [0, 1, 2, 3]);
  t.same(Array.from(R.colIdx), [0, 1, 0]);
  t.same(Array.from(R.values), [2, 4, 4]);
  t.same(Array.from(U.toDense()), [2, 0, 0, 4, 4, 0]);
  t.same(Array.from(U.multiply(F([1, 10]))), [2, 40, 4]);
  t.same(Array.from(U.multiplyTranspose(F([1, 10, 100]))), [402, 40]);
  expectError(t, () => CscMatrix.fromCsr({} as never), 'ERR_INVALID_ARGUMENT', 'A', /a CsrMatrix/);
});

t.test('products match dense references', async (t) => {
  for (const { name, A } of randomCases()) {
    const C = CscMatrix.fromCsr(A);
    const x = randomVector(A.cols, 3);
    const xt = randomVector(A.rows, 4);
    t.ok(relErr(C.multiply(x), naiveSpmv(A, x)) <= 1e-14, `${name}: A x`);
    t.ok(relErr(C.multiplyTranspose(xt), naiveSpmvT(A, xt)) <= 1e-14, `${name}: Aᵀ x`);
    const y = new Float64Array(A.rows).fill(NaN);
    t.equal(C.multiply(x, y), y, `${name}: into out (overwritten)`);
    t.ok(relErr(y, naiveSpmv(A, x)) <= 1e-14);
  }
});

t.test('A x is bit-identical for any thread count (threaded path)', async (t) => {
  const before = getThreads();
  t.teardown(() => setThreads(before));
  // nnz ≥ 65536 and ≥ 8 per column: the row-range tasks run
  const A = randomCsr(3000, 400, 21, { density: 0.12, emptyRowFraction: 0.05 });
  t.ok(A.nnz >= 65536, `nnz ${A.nnz}`);
  const C = CscMatrix.fromCsr(A);
  const x = randomVector(A.cols, 8);
  setThreads(1);
  const y1 = C.multiply(x);
  const yt1 = C.multiplyTranspose(randomVector(A.rows, 9));
  for (const n of [2, 3, 4]) {
    setThreads(n);
    t.same(Array.from(C.multiply(x)), Array.from(y1), `${n} threads: A x`);
    t.same(
      Array.from(C.multiplyTranspose(randomVector(A.rows, 9))),
      Array.from(yt1),
      `${n} threads: Aᵀ x`,
    );
  }
  t.ok(relErr(y1, naiveSpmv(A, x)) <= 1e-14);
  // unsorted columns take the serial path and still agree with the dense product
  const U = new CscMatrix(
    C.rows,
    C.cols,
    C.colPtr,
    C.rowIdx.slice().reverse(),
    C.values.slice().reverse(),
    {
      validate: { sorted: false },
    },
  );
  const Ud = U.toCsr();
  setThreads(4);
  t.ok(relErr(U.multiply(x), naiveSpmv(Ud, x)) <= 1e-13, 'unsorted columns');
});

t.test('argument errors of the methods and statics', async (t) => {
  const C = CscMatrix.fromDense(2, 3, F([1, 0, 2, 0, 3, 0]));
  expectError(
    t,
    () => C.multiply(F([1, 2])),
    'ERR_DIMENSION_MISMATCH',
    'x',
    /length 3, received length 2/,
  );
  expectError(t, () => C.multiply([1, 2, 3] as never), 'ERR_INVALID_ARGUMENT', 'x', /Float64Array/);
  expectError(
    t,
    () => C.multiply(F([1, 2, 3]), new Float64Array(3)),
    'ERR_DIMENSION_MISMATCH',
    'out',
    /length 2/,
  );
  expectError(
    t,
    () => C.multiplyTranspose(F([1, 2, 3])),
    'ERR_DIMENSION_MISMATCH',
    'x',
    /length 2/,
  );
  expectError(
    t,
    () => C.multiplyTranspose(F([1, 2]), new Float64Array(2)),
    'ERR_DIMENSION_MISMATCH',
    'out',
    /length 3/,
  );
  const S = CscMatrix.fromDense(2, 2, F([1, 2, 3, 4]));
  const xs = F([1, 1]);
  expectError(t, () => S.multiply(xs, xs), 'ERR_INVALID_ARGUMENT', 'out', /same buffer as x/);
  expectError(
    t,
    () => S.multiplyTranspose(xs, xs),
    'ERR_INVALID_ARGUMENT',
    'out',
    /same buffer as x/,
  );
  expectError(t, () => C.toDense(new Float64Array(5)), 'ERR_DIMENSION_MISMATCH', 'out', /length 6/);
  expectError(
    t,
    () => C.toDense(undefined, 'X' as never),
    'ERR_INVALID_ARGUMENT',
    'order',
    /'C' or 'F'/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense(2, 2, F([1])),
    'ERR_DIMENSION_MISMATCH',
    'data',
    /length 4/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense(2, 2, F([1, NaN, 0, 0])),
    'ERR_INVALID_MATRIX',
    'values',
    /finite/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense('2' as never, 2, F([1, 0, 0, 0])),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /integer/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense({ rows: 2, cols: 2, data: F([1]) }),
    'ERR_DIMENSION_MISMATCH',
    'M.data',
    /length 4/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense({ rows: 1, cols: 1, data: F([1]), order: 'K' as never }),
    'ERR_INVALID_ARGUMENT',
    'M.order',
    /'C' or 'F'/,
  );
  expectError(
    t,
    () => CscMatrix.fromDense({ rows: -1, cols: 1, data: F([]) }),
    'ERR_INVALID_ARGUMENT',
    'M.rows',
    /integer/,
  );
});

t.test('the binding checks untrusted CSC arrays and names them', async (t) => {
  const b = native();
  const code = (fn: () => unknown, c: string, arg: string) =>
    t.throws(fn, { code: c, argument: arg }, `${c} ${arg}`);
  const x = F([1, 1]);
  code(
    () => b.cscSpmv(2, 2, I([0, 1, 2]), I([0, 5]), F([1, 1]), false, x, new Float64Array(2), true),
    'ERR_INVALID_MATRIX',
    'rowIdx',
  );
  code(
    () =>
      b.cscSpmvTranspose(2, 2, I([0, 3, 2]), I([0, 1]), F([1, 1]), false, x, new Float64Array(2)),
    'ERR_INVALID_MATRIX',
    'colPtr',
  );
  code(
    () => b.cscToCsr(2, 2, I([1, 1, 2]), I([0, 1]), F([1, 1]), true),
    'ERR_INVALID_MATRIX',
    'colPtr',
  );
  code(
    () => b.cscToCsr(2, 2, I([0, 1, 2]), I([0]), F([1, 1]), true),
    'ERR_DIMENSION_MISMATCH',
    'rowIdx',
  );
  code(
    () => b.cscToDense(2, 2, I([0, 1]), I([0]), F([1]), false, new Float64Array(4), false),
    'ERR_DIMENSION_MISMATCH',
    'colPtr',
  );
  code(
    () => b.cscFromCsr(2, 2, I([0, 1, 2]), I([0, 9]), F([1, 1]), false),
    'ERR_INVALID_MATRIX',
    'colIdx',
  );
  code(
    () => b.cscValidate(2, 2, I([0, 1, 2]), I([0, 1]), F([1, 1]), 8),
    'ERR_INVALID_ARGUMENT',
    'flags',
  );
  // a caller that claims sorted rows but passes unsorted ones gets no race, only its own data
  const y = b.cscSpmv(
    2,
    1,
    I([0, 2]),
    I([1, 0]),
    F([1, 2]),
    false,
    F([1]),
    new Float64Array(2),
    true,
  );
  t.equal(y.length, 2);
});
