// Sparse direct solvers (lib/direct.ts): every SuiteSparse matrix of test/fixtures/matrices
// factorised and solved (spsolve, and cholesky / lu directly) against SciPy's spsolve
// (test/fixtures/direct/*.json, scripts/direct-fixtures.py), the dense LAPACK cases of dense.json,
// factors as Krylov preconditioners, refactor, blocks of right-hand sides, the Promise forms,
// abort and time limits, named errors (including the binding's own checks) and the CLI.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { main } from '../lib/cli';
import {
  AbortError,
  cg,
  cgSync,
  cholesky,
  choleskySync,
  CsrMatrix,
  gmresSync,
  ItersolveError,
  lu,
  luSync,
  norm2,
  poisson2d,
  readMatrixMarket,
  spsolve,
  spsolveSync,
} from '../lib/index';
import { native } from '../lib/native';
import { naiveSpmv, naiveSpmvT, relErr } from './helpers';

const FIX = path.join(__dirname, 'fixtures', 'direct');
const MATRICES = path.join(__dirname, 'fixtures', 'matrices');

interface MatrixFixture {
  matrix: string;
  n: number;
  nnz: number;
  symmetric: boolean;
  spd: boolean;
  notSpdColumn?: number;
  cond1: number | null;
  b: number[];
  x: number[] | null;
  relres: number | null;
  luNnz: number | null;
  singular?: boolean;
}

/** ‖b − A x‖₂ / ‖b‖₂ for column c of an n×k block. */
function relres(A: CsrMatrix, b: Float64Array, x: Float64Array, c = 0): number {
  const n = A.rows;
  const xc = x.subarray(c * n, (c + 1) * n);
  const bc = b.subarray(c * n, (c + 1) * n);
  const r = naiveSpmv(A, xc);
  for (let i = 0; i < n; i++) r[i] = bc[i] - r[i];
  return norm2(r) / norm2(bc);
}

async function codeOf(p: Promise<unknown>): Promise<ItersolveError> {
  try {
    await p;
  } catch (e) {
    return e as ItersolveError;
  }
  throw new Error('expected a rejection');
}
function thrown(f: () => unknown): ItersolveError {
  try {
    f();
  } catch (e) {
    return e as ItersolveError;
  }
  throw new Error('expected an error');
}

function dense(A: number[][]): CsrMatrix {
  const n = A.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = A[i][j];
  return CsrMatrix.fromDense(n, n, d);
}

/** A fixture file (Python's json writes inf / nan as Infinity / NaN). */
function readFixture<T>(file: string): T {
  const text = fs.readFileSync(path.join(FIX, file), 'utf8');
  return JSON.parse(text.replace(/\bNaN\b/g, 'null').replace(/\bInfinity\b/g, '1e999')) as T;
}

/**
 * The smallest relative residual a double x can have: its own rounding, ε·‖|A||x|‖₂/‖b‖₂
 * (bcsstk19: 1.5e-8, bcsstk20: 5.7e-8; below 1e-12 for the other fixtures).
 */
function roundingFloor(A: CsrMatrix, b: Float64Array, x: Float64Array): number {
  const v = new Float64Array(A.rows);
  for (let i = 0; i < A.rows; i++)
    for (let p = A.rowPtr[i]; p < A.rowPtr[i + 1]; p++)
      v[i] += Math.abs(A.values[p] * x[A.colIdx[p]]);
  return (Number.EPSILON * norm2(v)) / norm2(b);
}

const files = fs
  .readdirSync(FIX)
  .filter((f) => f.endsWith('.json') && f !== 'dense.json')
  .sort();

t.test('every SuiteSparse matrix: spsolve, cholesky and lu against SciPy', async (t) => {
  t.equal(files.length, 26, 'all 26 fixtures');
  for (const f of files) {
    const fx = readFixture<MatrixFixture>(f);
    const name = path.basename(fx.matrix, '.mtx');
    const A = readMatrixMarket(path.join(MATRICES, `${name}.mtx`));
    t.equal(A.rows, fx.n, `${name}: n`);
    const b = Float64Array.from(fx.b);
    if (fx.singular) {
      // SuperLU: exactly singular. A typed error naming a column of A.
      const e = thrown(() => spsolveSync(A, b));
      t.equal(e.code, 'ERR_SINGULAR', `${name}: spsolve ERR_SINGULAR`);
      t.ok(Number.isInteger(e.column) && e.column! >= 0 && e.column! < fx.n, `${name}: column`);
      t.equal(thrown(() => luSync(A)).code, 'ERR_SINGULAR', `${name}: lu ERR_SINGULAR`);
      continue;
    }
    const r = spsolveSync(A, b);
    // ≤ 1e-10, except where no double x can get there (its own rounding: bcsstk19 and 20)
    const target = Math.max(1e-10, roundingFloor(A, b, r.x));
    t.ok(r.relativeResidual <= target, `${name}: spsolve relres ${r.relativeResidual} ≤ ${target}`);
    t.ok(relres(A, b, r.x) <= target, `${name}: recomputed relres`);
    t.ok(
      r.relativeResidual <= Math.max(1e-10, fx.relres!),
      `${name}: not worse than SciPy's ${fx.relres}`,
    );
    // Against SciPy's x: both are within cond·eps-ish of the exact solution.
    const tol = Math.max(1e-9, (fx.cond1 ?? 1) * 1e-14);
    t.ok(relErr(r.x, fx.x!) <= tol, `${name}: x ≈ SciPy's (${relErr(r.x, fx.x!)} ≤ ${tol})`);
    t.equal(r.method, fx.spd ? 'cholesky' : 'lu', `${name}: method ${r.method}`);
    t.equal(r.residualNorms.length, 1);
    if (fx.symmetric && !fx.spd) {
      const diagPositive = Array.from({ length: A.rows }, (_, i) => i).every((i) => {
        for (let p = A.rowPtr[i]; p < A.rowPtr[i + 1]; p++)
          if (A.colIdx[p] === i) return A.values[p] > 0;
        return false;
      });
      t.equal(r.fellBack, diagPositive, `${name}: fell back from Cholesky iff tried`);
    }
    // The factors directly (no refinement): accurate to about cond·eps.
    const direct = Math.max(1e-10, (fx.cond1 ?? 1) * 1e-15);
    const F = luSync(A);
    t.ok(relres(A, b, F.solve(b)) <= direct, `${name}: lu solve`);
    // SuperLU's nnz(L) + nnz(U) counts the diagonal twice, as ours does: the fill is comparable.
    t.ok(
      F.nnzL + F.nnzU <= 3 * fx.luNnz!,
      `${name}: lu fill ${F.nnzL + F.nnzU} vs SciPy ${fx.luNnz}`,
    );
    if (fx.spd) {
      const C = choleskySync(A);
      t.ok(relres(A, b, C.solve(b)) <= direct, `${name}: cholesky solve`);
      t.ok(C.nnzL >= A.rows && C.nnzL <= F.nnzL + F.nnzU, `${name}: nnz(L) ${C.nnzL}`);
      t.ok(Number.isFinite(C.logDeterminant), `${name}: logDeterminant`);
    } else if (fx.symmetric) {
      const e = thrown(() => choleskySync(A));
      t.equal(e.code, 'ERR_NOT_SPD', `${name}: cholesky ERR_NOT_SPD`);
      t.ok(Number.isInteger(e.column) && e.column! >= 0 && e.column! < fx.n, `${name}: column`);
    } else {
      t.equal(thrown(() => choleskySync(A)).code, 'ERR_NOT_SYMMETRIC', `${name}: not symmetric`);
    }
  }
});

t.test('bcsstm10 (symmetric indefinite): ldlt factorises and solves', async (t) => {
  const A = readMatrixMarket(path.join(MATRICES, 'bcsstm10.mtx'));
  const fx = readFixture<MatrixFixture>('bcsstm10.json');
  const b = Float64Array.from(fx.b);
  const C = choleskySync(A, { mode: 'ldlt' });
  t.equal(C.mode, 'ldlt');
  t.ok(C.negativePivots > 0, `negative pivots ${C.negativePivots}`);
  t.ok(relres(A, b, C.solve(b)) <= 1e-8, 'solve');
  const e = thrown(() => choleskySync(A, { ordering: 'natural' }));
  t.equal(e.code, 'ERR_NOT_SPD');
  t.equal(e.column, fx.notSpdColumn! - 1, "natural order: LAPACK dpotrf's column");
});

interface DenseCase {
  kind: 'spd' | 'symmetric-indefinite' | 'not-spd' | 'singular';
  name: string;
  n: number;
  A: number[][];
  b?: number[];
  x?: number[];
  logDeterminant?: number;
  logAbsDeterminant?: number;
  inertia?: { positive: number; negative: number; zero: number };
  notSpdColumn?: number;
  emptyColumn?: number;
  superlu?: string;
}

t.test('dense LAPACK cases (dense.json)', async (t) => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(FIX, 'dense.json'), 'utf8')) as {
    cases: DenseCase[];
  };
  const kinds = new Set(cases.map((c) => c.kind));
  t.strictSame([...kinds].sort(), ['not-spd', 'singular', 'spd', 'symmetric-indefinite']);
  for (const c of cases) {
    const A = dense(c.A);
    if (c.kind === 'spd') {
      for (const ordering of ['auto', 'natural', 'amd'] as const) {
        const C = choleskySync(A, { ordering });
        const ld = C.logDeterminant;
        t.ok(
          Math.abs(ld - c.logDeterminant!) <= 1e-12 * Math.max(1, Math.abs(c.logDeterminant!)),
          `${c.name} ${ordering}: log det ${ld} vs ${c.logDeterminant}`,
        );
        t.ok(relErr(C.solve(Float64Array.from(c.b!)), c.x!) <= 1e-9, `${c.name} ${ordering}: x`);
        t.equal(C.negativePivots, 0);
      }
      const L = choleskySync(A, { mode: 'ldlt' });
      t.ok(Math.abs(L.logDeterminant - c.logDeterminant!) <= 1e-10 * Math.max(1, c.n), 'ldlt');
    } else if (c.kind === 'symmetric-indefinite') {
      // a_00 = 0: natural LLᵀ stops at column 0 (dpotrf info 1), natural LDLᵀ meets a zero pivot.
      let e = thrown(() => choleskySync(A, { ordering: 'natural' }));
      t.same([e.code, e.column], ['ERR_NOT_SPD', c.notSpdColumn! - 1], `${c.name}: llt`);
      e = thrown(() => choleskySync(A, { ordering: 'natural', mode: 'ldlt' }));
      t.same([e.code, e.column], ['ERR_SINGULAR', 0], `${c.name}: ldlt natural`);
      // Moved last, index 0 leaves leading minors that are all nonsingular: LDLᵀ goes through,
      // with Sylvester's inertia and log|det| of A.
      const n = c.n;
      const perm = Array.from({ length: n }, (_, i) => (i + 1) % n);
      const P = c.A.map((_, i) => perm.map((j) => c.A[perm[i]][j]));
      const C = choleskySync(dense(P), { ordering: 'natural', mode: 'ldlt' });
      t.equal(C.negativePivots, c.inertia!.negative, `${c.name}: inertia`);
      t.ok(Math.abs(C.logDeterminant - c.logAbsDeterminant!) <= 1e-10, `${c.name}: log|det|`);
      const pb = Float64Array.from(perm, (j) => c.b![j]);
      const px = C.solve(pb);
      t.ok(
        relErr(
          Float64Array.from({ length: n }, (_, i) => px[perm.indexOf(i)]),
          c.x!,
        ) <= 1e-9,
        `${c.name}: x`,
      );
      const s = spsolveSync(A, Float64Array.from(c.b!));
      t.ok(relErr(s.x, c.x!) <= 1e-9, `${c.name}: spsolve`);
    } else if (c.kind === 'not-spd') {
      const e = thrown(() => choleskySync(A, { ordering: 'natural' }));
      t.same([e.code, e.column], ['ERR_NOT_SPD', c.notSpdColumn! - 1], c.name);
      const b = new Float64Array(c.n).fill(1);
      const s = spsolveSync(A, b);
      t.same([s.method, s.fellBack], ['lu', true], `${c.name}: spsolve falls back to LU`);
      t.ok(relres(A, b, s.x) <= 1e-12);
    } else if (c.superlu !== 'factorised') {
      // exactly singular (SuperLU flags them too)
      const e = thrown(() => luSync(A));
      t.equal(e.code, 'ERR_SINGULAR', `${c.name}: lu`);
      t.ok(e.column! >= 0 && e.column! < c.n, `${c.name}: column ${e.column}`);
      if (c.emptyColumn !== undefined)
        t.equal(e.column, c.emptyColumn, `${c.name}: the empty column`);
      if (c.notSpdColumn !== undefined) {
        const f = thrown(() => choleskySync(A, { ordering: 'natural' }));
        t.same([f.code, f.column], ['ERR_NOT_SPD', c.notSpdColumn - 1], `${c.name}: llt`);
      }
      t.equal(thrown(() => spsolveSync(A, new Float64Array(c.n).fill(1))).code, 'ERR_SINGULAR');
    } else {
      // rounding leaves tiny nonzero pivots: ERR_SINGULAR, or a condition estimate that says so
      let verdict: string;
      try {
        verdict = `condest ${luSync(A).condest()}`;
        t.ok(luSync(A).condest() > 1e13, `${c.name}: ${verdict}`);
      } catch (e) {
        t.equal((e as ItersolveError).code, 'ERR_SINGULAR', `${c.name}: ERR_SINGULAR`);
      }
    }
  }
});

t.test('lu: solveTranspose and condest', async (t) => {
  const A = readMatrixMarket(path.join(MATRICES, 'arc130.mtx'));
  const fx = readFixture<MatrixFixture>('arc130.json');
  const F = luSync(A);
  const b = Float64Array.from(fx.b);
  const y = F.solveTranspose(b);
  const r = naiveSpmvT(A, y);
  for (let i = 0; i < r.length; i++) r[i] -= b[i];
  t.ok(norm2(r) / norm2(b) <= 1e-9, 'Aᵀ y = b');
  const k = F.condest();
  t.ok(k <= fx.cond1! * (1 + 1e-6) && k >= fx.cond1! / 10, `condest ${k} vs κ₁ ${fx.cond1}`);
  t.ok(['left-looking', 'supernodal'].includes(F.method));
  t.ok(F.btfBlocks >= 1);
  const Y = await F.solveTransposeAsync(b);
  t.strictSame(Y, y, 'async = sync');
});

t.test('blocks of right-hand sides', async (t) => {
  const A = poisson2d(12);
  const n = A.rows;
  const k = 3;
  const B = Float64Array.from({ length: n * k }, (_, i) => Math.sin(i + 1));
  for (const F of [choleskySync(A), luSync(A)]) {
    const X = F.solve(B);
    for (let c = 0; c < k; c++) {
      const single = F.solve(B.slice(c * n, (c + 1) * n));
      t.ok(relErr(X.subarray(c * n, (c + 1) * n), single) <= 1e-14, `column ${c} = its own solve`);
    }
    t.strictSame(F.solve(B, undefined, { columns: 3 }), X, 'columns given');
    const out = new Float64Array(n * k);
    t.equal(F.solve(B, out), out, 'into out');
    const inPlace = B.slice();
    t.equal(F.solve(inPlace, inPlace), inPlace, 'out may be b');
    t.strictSame(inPlace, X);
    t.match(
      thrown(() => F.solve(B, undefined, { columns: 2 })),
      {
        code: 'ERR_DIMENSION_MISMATCH',
        argument: 'b',
      },
    );
    t.match(
      thrown(() => F.solve(new Float64Array(n + 1))),
      {
        code: 'ERR_DIMENSION_MISMATCH',
        argument: 'b',
      },
    );
    t.match(
      thrown(() => F.solve(B, new Float64Array(n))),
      {
        code: 'ERR_DIMENSION_MISMATCH',
        argument: 'out',
      },
    );
  }
  const s = spsolveSync(A, B);
  t.equal(s.residualNorms.length, k);
  for (let c = 0; c < k; c++) t.ok(relres(A, B, s.x, c) <= 1e-12, `spsolve column ${c}`);
  t.match(
    thrown(() => spsolveSync(A, B, { columns: 4 })),
    { argument: 'b' },
  );
});

t.test('iterative refinement on the ill-conditioned bcsstk20 (κ₁ ≈ 1e13)', async (t) => {
  const A = readMatrixMarket(path.join(MATRICES, 'bcsstk20.mtx'));
  const fx = readFixture<MatrixFixture>('bcsstk20.json');
  const b = Float64Array.from(fx.b);
  const r0 = spsolveSync(A, b, { refine: 0 });
  const r = spsolveSync(A, b);
  t.equal(r0.refinementSteps, 0);
  const floor = roundingFloor(A, b, r.x);
  t.ok(floor > 1e-8, `the rounding of x alone leaves ${floor}`);
  t.ok(r.relativeResidual <= floor / 4, `refined ${r.relativeResidual}`);
  t.ok(r.relativeResidual <= 0.7 * r0.relativeResidual, `unrefined ${r0.relativeResidual}`);
  t.ok(r.refinementSteps >= 1 && r.refinementSteps <= 3, `${r.refinementSteps} steps`);
  // refinement has converged: more steps change nothing
  t.strictSame(spsolveSync(A, b, { refine: 20 }).x, r.x, 'a fixed point');
  t.ok(r.relativeResidual <= fx.relres!, `SciPy: ${fx.relres}`);
  const lu1 = spsolveSync(A, b, { method: 'lu' });
  t.equal(lu1.method, 'lu');
  t.ok(lu1.relativeResidual <= floor / 4, `lu refined ${lu1.relativeResidual}`);
});

t.test('a factor as Krylov preconditioner: one iteration, natively', async (t) => {
  const A = poisson2d(20);
  const b = Float64Array.from({ length: A.rows }, (_, i) => Math.cos(i));
  const C = choleskySync(A);
  const r = cgSync(A, b, { preconditioner: C, rtol: 1e-10 });
  t.ok(r.converged && r.iterations <= 1, `cg: ${r.iterations} iteration(s)`);
  const F = luSync(A);
  const g = gmresSync(A, b, { preconditioner: F, rtol: 1e-10 });
  t.ok(g.converged && g.iterations <= 1, `gmres: ${g.iterations} iteration(s)`);
  const p = cg(A, b, { preconditioner: C, rtol: 1e-10 });
  // while the Promise-form solve holds the factor, refactor is refused
  t.match(
    thrown(() => C.refactor(A)),
    { code: 'ERR_INVALID_ARGUMENT', argument: 'factor' },
  );
  const pa = await p;
  t.ok(pa.converged && pa.iterations <= 1, 'Promise form');
  C.refactor(A); // free again
  const small = choleskySync(poisson2d(5));
  t.match(
    thrown(() => cgSync(A, b, { preconditioner: small })),
    {
      code: 'ERR_DIMENSION_MISMATCH',
      argument: 'preconditioner',
    },
  );
});

t.test('refactor: same pattern, new values', async (t) => {
  const A = poisson2d(15);
  const n = A.rows;
  const A2 = new CsrMatrix(
    n,
    n,
    A.rowPtr,
    A.colIdx,
    A.values.map((x, i) => (x > 0 ? x + 1 + (i % 3) : x)),
  );
  const b = Float64Array.from({ length: n }, (_, i) => 1 + (i % 7));
  for (const F of [choleskySync(A), luSync(A)]) {
    const nnz = F.nnzL;
    t.equal(F.refactor(A2), F, 'returns the factor');
    t.ok(relres(A2, b, F.solve(b)) <= 1e-12, 'solves with A2');
    t.equal(F.nnzL, nnz, 'same structure');
    await F.refactorAsync(A);
    t.ok(relres(A, b, F.solve(b)) <= 1e-12, 'refactorAsync back to A');
    // a solve in flight blocks refactor; a refactor in flight blocks solve
    const s = F.solveAsync(b);
    t.match(
      thrown(() => F.refactor(A2)),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'factor' },
    );
    await s;
    const rf = F.refactorAsync(A2);
    t.match(
      thrown(() => F.solve(b)),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'factor' },
    );
    await rf;
    t.ok(relres(A2, b, await F.solveAsync(b)) <= 1e-12, 'solveAsync after refactorAsync');
    t.match(
      thrown(() => F.refactor(poisson2d(4))),
      {
        code: 'ERR_DIMENSION_MISMATCH',
        argument: 'A',
      },
    );
    // same size, another pattern
    t.match(
      thrown(() => F.refactor(CsrMatrix.identity(n))),
      { argument: 'A' },
    );
    t.match(
      thrown(() => F.refactor(A, { signal: AbortSignal.abort() } as never)),
      {
        code: 'ERR_INVALID_ARGUMENT',
        argument: 'signal',
      },
    );
  }
  // a failed refactor leaves the factor unusable until one succeeds
  const C = choleskySync(A);
  const neg = new CsrMatrix(
    n,
    n,
    A.rowPtr,
    A.colIdx,
    A.values.map((x) => -x),
  );
  t.equal(thrown(() => C.refactor(neg)).code, 'ERR_NOT_SPD');
  t.equal(thrown(() => C.solve(b)).code, 'ERR_INVALID_ARGUMENT');
  C.refactor(A);
  t.ok(relres(A, b, C.solve(b)) <= 1e-12, 'usable again');
});

t.test('Promise forms, abort and time limit', async (t) => {
  const A = poisson2d(30);
  const b = new Float64Array(A.rows).fill(1);
  const C = await cholesky(A, { ordering: 'amd' });
  t.equal(C.ordering, 'amd');
  const F = await lu(A, { pivotThreshold: 1 });
  const x1 = await C.solveAsync(b);
  t.strictSame(x1, C.solve(b), 'solveAsync = solve');
  t.strictSame(await F.solveAsync(b), F.solve(b));
  const s = await spsolve(A, b);
  t.equal(s.method, 'cholesky');
  t.ok(s.relativeResidual <= 1e-12 && s.elapsedMs >= 0);
  // pre-aborted: rejects at once, nothing started
  for (const p of [
    cholesky(A, { signal: AbortSignal.abort() }),
    lu(A, { signal: AbortSignal.abort() }),
    spsolve(A, b, { signal: AbortSignal.abort() }),
    C.solveAsync(b, undefined, { signal: AbortSignal.abort() }),
  ]) {
    const e = await codeOf(p);
    t.ok(e instanceof AbortError && e.code === 'ABORT_ERR', 'AbortError');
  }
  // aborted right after the start: the job stops at its first check (or before it starts)
  const big = poisson2d(120);
  const ac = new AbortController();
  const p = cholesky(big, { signal: ac.signal });
  ac.abort();
  t.ok((await codeOf(p)) instanceof AbortError, 'abort during the factorisation');
  const ac2 = new AbortController();
  const q = spsolve(big, new Float64Array(big.rows).fill(1), { signal: ac2.signal, method: 'lu' });
  ac2.abort();
  t.ok((await codeOf(q)) instanceof AbortError, 'abort during spsolve');
  // a budget that has run out at the first check
  t.equal(thrown(() => choleskySync(big, { timeLimitMs: 1e-6 })).code, 'ERR_TIME_LIMIT');
  t.equal((await codeOf(lu(big, { timeLimitMs: 1e-6 }))).code, 'ERR_TIME_LIMIT');
  t.equal(
    thrown(() => spsolveSync(big, new Float64Array(big.rows), { timeLimitMs: 1e-6 })).code,
    'ERR_TIME_LIMIT',
  );
});

t.test('errors name the argument (facade and binding)', async (t) => {
  const A = poisson2d(4);
  const n = A.rows;
  const b = new Float64Array(n).fill(1);
  const rect = CsrMatrix.fromDense(2, 3, new Float64Array(6).fill(1));
  for (const f of [
    () => choleskySync(rect),
    () => luSync(rect),
    () => spsolveSync(rect, new Float64Array(2)),
  ])
    t.match(thrown(f), { code: 'ERR_DIMENSION_MISMATCH', argument: 'A' });
  t.match(
    thrown(() => choleskySync({} as never)),
    { code: 'ERR_INVALID_ARGUMENT', argument: 'A' },
  );
  t.match(
    thrown(() => spsolveSync(A, [1, 2] as never)),
    { argument: 'b' },
  );
  t.match(
    thrown(() => spsolveSync(A, new Float64Array(n + 1))),
    {
      code: 'ERR_DIMENSION_MISMATCH',
      argument: 'b',
    },
  );
  t.match(
    thrown(() => spsolveSync(A, b, { out: b })),
    { argument: 'out' },
  );
  t.match(
    thrown(() => choleskySync(A, { ordering: 'colamd' } as never)),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'ordering',
    },
  );
  t.match(
    thrown(() => luSync(A, { ordering: 'nested-dissection' } as never)),
    {
      argument: 'ordering',
    },
  );
  t.match(
    thrown(() => luSync(A, { pivotThreshold: -0.1 })),
    { argument: 'pivotThreshold' },
  );
  t.equal(
    luSync(A, { pivotThreshold: 0 }).n,
    A.rows,
    'pivotThreshold 0 (SciPy diag_pivot_thresh=0) is valid',
  );
  t.match(
    thrown(() => luSync(A, { pivotThreshold: 1.5 })),
    { argument: 'pivotThreshold' },
  );
  t.match(
    thrown(() => choleskySync(A, { mode: 'lu' } as never)),
    { argument: 'mode' },
  );
  t.match(
    thrown(() => spsolveSync(A, b, { method: 'qr' } as never)),
    { argument: 'method' },
  );
  t.match(
    thrown(() => spsolveSync(A, b, { refine: -1 })),
    { argument: 'refine' },
  );
  t.match(
    thrown(() => spsolveSync(A, b, { refin: 2 } as never)),
    {
      argument: 'refin',
      message: /did you mean 'refine'/,
    },
  );
  t.match(
    thrown(() => choleskySync(A, { signal: AbortSignal.abort() } as never)),
    {
      argument: 'signal',
    },
  );
  const nonsym = CsrMatrix.fromDense(2, 2, Float64Array.from([2, 1, 0, 2]));
  t.match(
    thrown(() => choleskySync(nonsym)),
    { code: 'ERR_NOT_SYMMETRIC' },
  );
  t.match(
    thrown(() => spsolveSync(nonsym, new Float64Array(2), { method: 'cholesky' })),
    {
      code: 'ERR_NOT_SYMMETRIC',
    },
  );
  t.equal(spsolveSync(nonsym, Float64Array.from([3, 2])).method, 'lu');
  // a detached buffer
  const buf = new Float64Array(n).fill(1);
  structuredClone(buf.buffer, { transfer: [buf.buffer] });
  t.match(
    thrown(() => choleskySync(A).solve(buf)),
    { code: 'ERR_BUFFER_DETACHED', argument: 'b' },
  );
  // the binding re-checks what a direct caller could get wrong
  const nat = native() as unknown as Record<string, (...a: unknown[]) => unknown> & {
    NativeFactor: new (...a: unknown[]) => unknown;
  };
  const h = choleskySync(A).handle;
  t.match(
    thrown(() => nat.factorSolve(h, new Float64Array(n - 1), 1, false)),
    {
      code: 'ERR_DIMENSION_MISMATCH',
      argument: 'out',
    },
  );
  t.match(
    thrown(() => nat.factorSolve({}, b, 1, false)),
    { argument: 'factor' },
  );
  t.match(
    thrown(() => nat.factorSolve(h, b, 1, true)),
    { code: 'ERR_UNSUPPORTED' },
  );
  t.match(
    thrown(() => nat.factorSolve(h, b.slice(), -1, false)),
    { argument: 'columns' },
  );
  t.match(
    thrown(() => new nat.NativeFactor()),
    { code: 'ERR_UNSUPPORTED' },
  );
  t.match(
    thrown(() => nat.factorCondest(h)),
    { code: 'ERR_UNSUPPORTED' },
  );
  t.match(
    thrown(() => nat.spsolve(...A.args(), b, 1, new Float64Array(n), 'auto', 3, -0.5, 0)),
    { argument: 'pivotThreshold' },
  );
  t.match(
    thrown(() => nat.spsolve(...A.args(), b, 1, b.subarray(1), 'auto', 3, 0.1, 0)),
    { code: 'ERR_DIMENSION_MISMATCH', argument: 'out' },
  );
  const bx = new Float64Array(2 * n);
  t.match(
    thrown(() =>
      nat.spsolve(...A.args(), bx.subarray(0, n), 1, bx.subarray(1, n + 1), 'auto', 3, 0.1, 0),
    ),
    { argument: 'out' },
  );
  // ERR_NOT_SPD / ERR_SINGULAR are ItersolveErrors with a column
  const e = thrown(() =>
    choleskySync(
      new CsrMatrix(
        n,
        n,
        A.rowPtr,
        A.colIdx,
        A.values.map((x) => -x),
      ),
    ),
  );
  t.ok(e instanceof ItersolveError && e.code === 'ERR_NOT_SPD' && Number.isInteger(e.column));
});

t.test('CLI: solve --method direct', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-direct-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      isTTY: false,
    });
    return { code, out, err };
  };
  const spd = path.join(MATRICES, 'bcsstk01.mtx');
  const j = await run(['solve', spd, '--method', 'direct', '--json']);
  t.equal(j.code, 0, j.err);
  const o = JSON.parse(j.out);
  t.equal(o.method, 'direct');
  t.equal(o.factorization, 'cholesky');
  t.ok(o.relativeResidual <= 1e-10 && o.nnzL > 0 && o.nnzU === null);
  const xfile = path.join(tmp, 'x.mtx');
  const txt = await run([
    'solve',
    path.join(MATRICES, 'arc130.mtx'),
    '--method',
    'direct',
    '--out',
    xfile,
  ]);
  t.equal(txt.code, 0, txt.err);
  t.match(txt.out, /method\s+direct: lu \(ordering /);
  t.match(txt.out, /nnz\(L\) [\d,]+, nnz\(U\) [\d,]+/);
  t.match(txt.out, /relative \d/);
  const x = readMatrixMarket(xfile);
  t.equal(x.rows, 130);
  const bad = await run(['solve', spd, '--method', 'direct', '--rtol', '1e-3']);
  t.equal(bad.code, 2);
  t.match(bad.err, /'--rtol' does not apply to --method direct/);
  const sing = await run(['solve', path.join(MATRICES, 'bcsstm13.mtx'), '--method', 'direct']);
  t.equal(sing.code, 1);
  t.match(sing.err, /singular/i);
});
