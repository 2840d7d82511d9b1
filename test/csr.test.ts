import t from 'tap';
import { CsrMatrix, ItersolveError, poisson2d, poisson3d } from '../lib/index';
import { naiveSpmv, naiveSpmvT, randomCsr, randomVector, relErr } from './helpers';

const I = (a: number[]) => Int32Array.from(a);
const F = (a: number[]) => Float64Array.from(a);

t.test('wraps the caller arrays without copying', async (t) => {
  const rowPtr = I([0, 2, 3]);
  const colIdx = I([0, 1, 1]);
  const values = F([2, -1, 3]);
  const A = new CsrMatrix(2, 2, rowPtr, colIdx, values);
  t.equal(A.rowPtr, rowPtr);
  t.equal(A.colIdx, colIdx);
  t.equal(A.values, values);
  t.equal(A.nnz, 3);
  t.equal(A.rows, 2);
  t.equal(A.cols, 2);
  // values are read in place: a change shows up in the next product
  values[0] = 5;
  t.same(Array.from(A.multiply(F([1, 1]))), [4, 3]);
});

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
// tap's Test type without importing internals
type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

t.test('construction checks name the argument, expected and received', async (t) => {
  expectError(
    t,
    () => new CsrMatrix(-1, 2, I([0]), I([]), F([])),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /rows: expected an integer.*received -1/,
  );
  expectError(
    t,
    () => new CsrMatrix(1.5, 2, I([0]), I([]), F([])),
    'ERR_INVALID_ARGUMENT',
    'rows',
    /received 1.5/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, F([0, 1, 2]) as never, I([0, 1]), F([1, 1])),
    'ERR_INVALID_ARGUMENT',
    'rowPtr',
    /expected an Int32Array, received Float64Array\(3\)/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), [0, 1] as never, F([1, 1])),
    'ERR_INVALID_ARGUMENT',
    'colIdx',
    /received Array\(2\)/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), I([0, 1]), new Float32Array(2) as never),
    'ERR_INVALID_ARGUMENT',
    'values',
    /Float32Array/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 2]), I([0, 1]), F([1, 1])),
    'ERR_DIMENSION_MISMATCH',
    'rowPtr',
    /length rows \+ 1 = 3, received length 2/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), I([0]), F([1, 1])),
    'ERR_DIMENSION_MISMATCH',
    'colIdx',
    /nnz.*= 2, received length 1/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), I([0, 1]), F([1])),
    'ERR_DIMENSION_MISMATCH',
    'values',
    /received length 1/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([1, 1, 2]), I([0, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'rowPtr',
    /rowPtr\[0\] = 0, received 1/,
  );
  expectError(
    t,
    () => new CsrMatrix(3, 3, I([0, 2, 1, 3]), I([0, 1, 2]), F([1, 1, 1])),
    'ERR_INVALID_MATRIX',
    'rowPtr',
    /non-decreasing/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), I([0, 2]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colIdx',
    /\[0, 2\), received colIdx\[1\] = 2/,
  );
  expectError(
    t,
    () => new CsrMatrix(2, 2, I([0, 1, 2]), I([0, -1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colIdx',
    /received colIdx\[1\] = -1/,
  );
  expectError(
    t,
    () => new CsrMatrix(1, 3, I([0, 2]), I([2, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colIdx',
    /unsorted column 1 after 2/,
  );
  expectError(
    t,
    () => new CsrMatrix(1, 3, I([0, 2]), I([1, 1]), F([1, 1])),
    'ERR_INVALID_MATRIX',
    'colIdx',
    /duplicate column 1/,
  );
  expectError(
    t,
    () => new CsrMatrix(1, 3, I([0, 2]), I([0, 1]), F([1, NaN])),
    'ERR_INVALID_MATRIX',
    'values',
    /finite values, received values\[1\] = NaN/,
  );
  expectError(
    t,
    () => new CsrMatrix(1, 3, I([0, 2]), I([0, 1]), F([Infinity, 1])),
    'ERR_INVALID_MATRIX',
    'values',
    /Infinity/,
  );
  expectError(
    t,
    () => new CsrMatrix(1, 1, I([0, 0]), I([]), F([]), 'x' as never),
    'ERR_INVALID_ARGUMENT',
    'options',
    /options object/,
  );
});

t.test('each check can be skipped for trusted data', async (t) => {
  const unsorted = () =>
    new CsrMatrix(1, 3, I([0, 2]), I([2, 1]), F([1, NaN]), {
      validate: { sorted: false, finite: false },
    });
  t.doesNotThrow(unsorted);
  t.doesNotThrow(
    () => new CsrMatrix(1, 3, I([0, 2]), I([0, 1]), F([1, NaN]), { validate: { finite: false } }),
  );
  t.throws(
    () => new CsrMatrix(1, 3, I([0, 2]), I([2, 1]), F([1, 1]), { validate: { finite: false } }),
    { code: 'ERR_INVALID_MATRIX' },
  );
  t.doesNotThrow(() => new CsrMatrix(1, 3, I([0, 2]), I([1, 1]), F([1, 1]), { validate: false }));
  // the structure check still guards the sorted scan when structure is skipped
  t.throws(
    () =>
      new CsrMatrix(2, 3, I([0, 9, 2]), I([0, 1]), F([1, 1]), { validate: { structure: false } }),
    { code: 'ERR_INVALID_MATRIX' },
  );
  // rowPtr[0] must be 0 even for trusted data (kernels index from it)
  t.throws(() => new CsrMatrix(1, 1, I([1, 1]), I([0]), F([1]), { validate: false }), {
    code: 'ERR_INVALID_MATRIX',
    argument: 'rowPtr',
  });
  const A = unsorted();
  t.equal(A.nnz, 2);
});

t.test('SpMV matches a naive reference on random matrices and edge cases', async (t) => {
  const cases: Array<[string, CsrMatrix]> = [
    ['1x1', new CsrMatrix(1, 1, I([0, 1]), I([0]), F([3]))],
    ['1x1 empty', new CsrMatrix(1, 1, I([0, 0]), I([]), F([]))],
    ['0x0', new CsrMatrix(0, 0, I([0]), I([]), F([]))],
    ['0x5', new CsrMatrix(0, 5, I([0]), I([]), F([]))],
    ['5x0', new CsrMatrix(5, 0, I([0, 0, 0, 0, 0, 0]), I([]), F([]))],
    ['random 50x70 with empty rows', randomCsr(50, 70, 1, { emptyRowFraction: 0.3 })],
    ['random 300x200', randomCsr(300, 200, 2, { density: 0.1 })],
    ['all rows empty', randomCsr(40, 40, 3, { emptyRowFraction: 1 })],
    [
      'one very long row',
      randomCsr(20, 200000, 4, { density: 0, emptyRowFraction: 0, longRow: 7 }),
    ],
    ['dense 33x33', randomCsr(33, 33, 5, { density: 1, emptyRowFraction: 0 })],
    ['poisson2d 40', poisson2d(40)],
    ['poisson3d 12', poisson3d(12)],
    ['large random (parallel path)', randomCsr(3000, 3000, 6, { density: 0.02 })],
  ];
  for (const [name, A] of cases) {
    const x = randomVector(A.cols, 10);
    const y = A.multiply(x);
    t.equal(y.length, A.rows, `${name}: length`);
    t.ok(relErr(y, naiveSpmv(A, x)) <= 1e-13, `${name}: y = A x`);
    const xt = randomVector(A.rows, 11);
    t.ok(relErr(A.multiplyTranspose(xt), naiveSpmvT(A, xt)) <= 1e-13, `${name}: y = Aᵀ x`);
    const out = new Float64Array(A.rows).fill(NaN);
    t.equal(A.multiply(x, out), out, `${name}: writes into out`);
    t.ok(relErr(out, naiveSpmv(A, x)) <= 1e-13);
  }
});

t.test('multiply checks x and out', async (t) => {
  const A = poisson2d(3);
  t.throws(() => A.multiply(new Float64Array(8)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'x',
  });
  t.throws(() => A.multiply(new Float64Array(9), new Float64Array(3)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'out',
  });
  t.throws(() => A.multiply([1, 2] as never), { code: 'ERR_INVALID_ARGUMENT', argument: 'x' });
  const x = new Float64Array(9);
  t.throws(() => A.multiply(x, x), { code: 'ERR_INVALID_ARGUMENT', argument: 'out' });
  t.throws(() => A.multiplyTranspose(new Float64Array(2)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'x',
  });
});

t.test('fromCoo sums duplicates and sorts', async (t) => {
  const A = CsrMatrix.fromCoo(
    3,
    4,
    I([2, 0, 2, 0, 2, 1]),
    I([3, 1, 0, 1, 3, 2]),
    F([1, 2, 3, 4, 5, 6]),
  );
  t.same(Array.from(A.rowPtr), [0, 1, 2, 4]);
  t.same(Array.from(A.colIdx), [1, 2, 0, 3]);
  t.same(Array.from(A.values), [6, 6, 3, 6]);
  const empty = CsrMatrix.fromCoo(2, 2, I([]), I([]), F([]));
  t.equal(empty.nnz, 0);
  t.throws(() => CsrMatrix.fromCoo(2, 2, I([0, 2]), I([0, 0]), F([1, 1])), {
    code: 'ERR_INVALID_MATRIX',
    argument: 'rowIdx',
  });
  t.throws(() => CsrMatrix.fromCoo(2, 2, I([0, 1]), I([0, 5]), F([1, 1])), {
    code: 'ERR_INVALID_MATRIX',
    argument: 'colIdx',
  });
  t.throws(() => CsrMatrix.fromCoo(2, 2, I([0, 1]), I([0]), F([1, 1])), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'colIdx',
  });
  t.throws(() => CsrMatrix.fromCoo(2, 2, I([0, 1]), I([0, 1]), F([1, NaN])), {
    code: 'ERR_INVALID_MATRIX',
    argument: 'values',
  });
  // cancellation to an explicit zero keeps the entry (like SciPy's sum_duplicates)
  const z = CsrMatrix.fromCoo(1, 1, I([0, 0]), I([0, 0]), F([1, -1]));
  t.equal(z.nnz, 1);
  t.equal(z.values[0], 0);
});

t.test('fromDense / toDense / transpose / diagonal', async (t) => {
  const d = F([1, 0, 2, 0, 0, 3, 4, 5, 0, 0, 0, 6]);
  const A = CsrMatrix.fromDense(3, 4, d);
  t.equal(A.nnz, 6);
  t.same(Array.from(A.toDense()), Array.from(d));
  const T = A.transpose();
  t.equal(T.rows, 4);
  t.equal(T.cols, 3);
  t.same(Array.from(T.toDense()), [1, 0, 0, 0, 3, 0, 2, 4, 0, 0, 5, 6]);
  t.same(Array.from(A.diagonal()), [1, 3, 0]);
  const out = new Float64Array(3);
  t.equal(A.diagonal(out), out);
  t.throws(() => CsrMatrix.fromDense(3, 4, new Float64Array(11)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'data',
  });
  t.throws(() => A.toDense(new Float64Array(3)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'out',
  });
  t.throws(() => CsrMatrix.fromDense(1, 1, F([NaN])), { code: 'ERR_INVALID_MATRIX' });
  const R = randomCsr(60, 45, 9, { emptyRowFraction: 0.2 });
  t.same(Array.from(R.transpose().transpose().toDense()), Array.from(R.toDense()));
});

t.test('isSymmetric', async (t) => {
  t.ok(poisson2d(6).isSymmetric());
  t.ok(poisson3d(4).isSymmetric());
  const A = CsrMatrix.fromDense(2, 2, F([1, 2, 2 + 1e-12, 1]));
  t.notOk(A.isSymmetric());
  t.ok(A.isSymmetric(1e-10));
  t.notOk(CsrMatrix.fromDense(2, 3, F([1, 0, 0, 0, 1, 0])).isSymmetric());
  t.notOk(
    CsrMatrix.fromDense(2, 2, F([1, 1, 0, 1])).isSymmetric(0.5),
    'a missing mirror entry is a 0',
  );
  t.throws(() => A.isSymmetric(-1), { code: 'ERR_INVALID_ARGUMENT', argument: 'tol' });
});
