// Built-in test problems (lib/problems.ts): convectionDiffusion against SciPy's Kronecker-sum
// construction (scripts/direct-fixtures.py's generator: T = tridiag(−1, 2, −1) + pe·h·(1 on the
// diagonal, −1 below), A = kron(I, T) + kron(T, I) in 2D, three terms in 3D), written out here for
// small grids.
import t from 'tap';
import { convectionDiffusion, ItersolveError } from '../lib/index';

function dense(A: { rows: number; rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array }) {
  const D: number[][] = [];
  for (let i = 0; i < A.rows; i++) {
    const row = new Array<number>(A.rows).fill(0);
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) row[A.colIdx[k]] += A.values[k];
    D.push(row);
  }
  return D;
}

t.test('convectionDiffusion 2D equals the Kronecker sum kron(I,T) + kron(T,I)', async (t) => {
  const n = 3;
  const pe = 10;
  const c = pe / (n + 1);
  const T = [
    [2 + c, -1, 0],
    [-1 - c, 2 + c, -1],
    [0, -1 - c, 2 + c],
  ];
  const want: number[][] = [];
  for (let i = 0; i < n * n; i++) {
    want.push(new Array<number>(n * n).fill(0));
    for (let j = 0; j < n * n; j++) {
      const [ia, ib] = [Math.floor(i / n), i % n];
      const [ja, jb] = [Math.floor(j / n), j % n];
      if (ia === ja) want[i][j] += T[ib][jb];
      if (ib === jb) want[i][j] += T[ia][ja];
    }
  }
  const A = convectionDiffusion(n, { dim: 2, peclet: pe });
  t.equal(A.rows, 9);
  t.strictSame(dense(A), want);
  for (let i = 0; i < A.rows; i++)
    for (let k = A.rowPtr[i] + 1; k < A.rowPtr[i + 1]; k++)
      t.ok(A.colIdx[k] > A.colIdx[k - 1], `row ${i} sorted`);
});

t.test('convectionDiffusion 3D: Kronecker sum of three axes, structurally symmetric', async (t) => {
  const n = 3;
  const c = 5 / (n + 1);
  const A = convectionDiffusion(n, { dim: 3, peclet: 5 });
  t.equal(A.rows, 27);
  t.equal(A.rowPtr[27], 7 * 27 - 6 * 9);
  const D = dense(A);
  for (let i = 0; i < 27; i++) {
    t.equal(D[i][i], 3 * (2 + c));
    for (const s of [1, 3, 9]) {
      const pos = Math.floor(i / s) % n;
      if (pos > 0) t.equal(D[i][i - s], -1 - c, `lower neighbour ${i},${i - s}`);
      if (pos < n - 1) t.equal(D[i][i + s], -1, `upper neighbour ${i},${i + s}`);
    }
  }
  // peclet 0 is the 3D Poisson matrix scaled by 1 (6 on the diagonal): symmetric
  const P = dense(convectionDiffusion(n, { dim: 3, peclet: 0 }));
  for (let i = 0; i < 27; i++) for (let j = 0; j < 27; j++) t.equal(P[i][j], P[j][i]);
});

t.test('convectionDiffusion validates its arguments', async (t) => {
  t.throws(() => convectionDiffusion(0), ItersolveError);
  t.equal(convectionDiffusion(3, null as never).rows, 9, 'null options are the defaults');
  t.throws(() => convectionDiffusion(3, { dims: 3 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'options.dims',
  });
  t.throws(() => convectionDiffusion(4, { dim: 4 as 2 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'options.dim',
  });
  t.throws(() => convectionDiffusion(4, { peclet: NaN }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'options.peclet',
  });
});
