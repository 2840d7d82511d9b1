/**
 * eigsh: a few eigenvalues and eigenvectors of a symmetric matrix or operator, as SciPy's
 * `scipy.sparse.linalg.eigsh` (native/krylov/eigsh.hpp, lanczos.hpp).
 *
 * - `which: 'largest'` (default): thick-restart Lanczos (Wu & Simon 2000) on A, with full
 *   reorthogonalisation; SciPy's `which='LA'`.
 * - `which: 'smallest'`: for a CsrMatrix, shift-invert (SciPy's `sigma=0` idiom): Lanczos on
 *   (A − σI)⁻¹ through a sparse Cholesky factorisation, σ = 0 when A is positive definite, else σ
 *   just below the Gershgorin lower bound of the spectrum (slower the farther that bound lies below
 *   the smallest eigenvalue). For a matrix-free operator, Lanczos on A for its smallest
 *   eigenvalues (SciPy's `which='SA'`: much slower to converge when they are clustered).
 * - `which: 'nearest'` with `sigma`: the k eigenvalues closest to σ, shift-invert through an LDLᵀ
 *   factorisation of A − σI (a CsrMatrix only).
 *
 * Values come back ascending (as SciPy's), vectors as an n×k column-major block (column j the
 * unit eigenvector of values[j]). A must be symmetric: the shift-invert modes check it exactly
 * (ERR_NOT_SYMMETRIC), 'largest' does not.
 */
import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { EIG_WHICH, EIGSH, REASONS } from './layout';
import { native, NativeJobOptions } from './native';
import { checkOptions } from './options';
import { checkOperator, LinearOperatorLike, nativeOperatorArgs, OperatorInput } from './operator';
import { IterativeFields, Outcome } from './result';
import * as v from './validate';

/** Options of {@link eigshSync} (and {@link eigsh}, which adds signal and onProgress). */
export interface EigshOptions {
  /** Number of eigenpairs, 1 ≤ k < n. Default 6 (at most n − 1). */
  k?: number;
  /** 'largest' (default), 'smallest' or 'nearest' (to `sigma`). */
  which?: 'largest' | 'smallest' | 'nearest';
  /** The shift of which 'nearest' (required there, rejected otherwise). */
  sigma?: number;
  /**
   * Convergence: every wanted Ritz pair (θ, x) has ‖A x − θ x‖ ≤ tol·max(ε^(2/3), |θ|) (ARPACK's
   * test; applied to (A − σI)⁻¹ in shift-invert). Default 0: machine precision.
   */
  tol?: number;
  /** Restart limit (Lanczos cycles; reason 'max-iterations'). Default 10·n (SciPy's). */
  maxIterations?: number;
  /** Lanczos basis size, k < ncv ≤ n. Default min(n, max(2k + 1, 20)) (SciPy's). */
  ncv?: number;
  /** Start vector (length n, not all zero; not modified). Default: seeded pseudo-random. */
  v0?: Float64Array;
  /** Seed of the default start vector (and of fresh directions after an invariant subspace). Default 1. */
  seed?: number;
  /** Stop after this many milliseconds (reason 'time-limit', the Ritz pairs reached so far). */
  timeLimitMs?: number;
}

/** What eigsh returns besides its outcome. */
export interface EigshFields extends IterativeFields {
  /** The k eigenvalues, ascending (NaN where a stopped run had no Ritz pair yet). */
  values: Float64Array;
  /** The eigenvectors, n×k column-major: column j (unit 2-norm) belongs to values[j]. */
  vectors: Float64Array;
  /** Products with A (or solves with A − σI in shift-invert). */
  matvecs: number;
  /** Wanted pairs that met the tolerance at the end (k when converged). */
  nconverged: number;
  /** 'lanczos' (on A) or 'shift-invert' (on (A − σI)⁻¹). */
  mode: 'lanczos' | 'shift-invert';
  /** The shift σ of shift-invert (chosen by eigsh for 'smallest'); absent for mode 'lanczos'. */
  sigma?: number;
  /** Shift-invert: the factorisation of A − σI ('llt' Cholesky or 'ldlt') and its nnz(L). */
  factorization?: { mode: 'llt' | 'ldlt'; nnzL: number };
}

/** eigsh's result: `converged` (reason 'tol') narrows `reason` as in every result. */
export type EigshResult = EigshFields & Outcome<'tol'>;

// bindings/eigsh.cpp: eigsh(A0, A1, A2, v0, values, vectors, io) and eigshAsync(..., io, opts).
type EigshArgs = [
  Int32Array,
  Int32Array,
  Float64Array,
  Float64Array | null,
  Float64Array,
  Float64Array,
  Float64Array,
];
interface EigshBinding {
  eigsh(...args: EigshArgs): void;
  eigshAsync(...args: [...EigshArgs, NativeJobOptions]): Promise<void>;
}
const binding = () => native() as unknown as EigshBinding;

const P = EIGSH.p;
const S = EIGSH.s;
const STATS = EIGSH.params.length;

function prepare(A: OperatorInput, options: unknown, sync: boolean) {
  const { rows: n } = checkOperator('A', A, true);
  if (n < 2)
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `A: eigsh needs n >= 2 (1 <= k < n), got n = ${n}`,
      {
        argument: 'A',
      },
    );
  const o = checkOptions('eigsh', options, sync, n);
  if (o.which === 'nearest' && o.sigma === undefined)
    throw new ItersolveError('ERR_INVALID_ARGUMENT', "sigma: required with which 'nearest'", {
      argument: 'sigma',
    });
  if (o.which !== 'nearest' && o.sigma !== undefined)
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `sigma: only with which 'nearest' (which is '${o.which}')`,
      { argument: 'sigma' },
    );
  if (o.which === 'nearest' && !(A instanceof CsrMatrix))
    throw new ItersolveError(
      'ERR_UNSUPPORTED',
      "sigma: which 'nearest' factorises A − σI and needs A's entries (a CsrMatrix), not an operator",
      { argument: 'sigma' },
    );
  if (o.v0 !== undefined) {
    v.f64('v0', o.v0, n);
    let zero = true;
    for (let i = 0; i < n && zero; i++) zero = o.v0[i] === 0;
    if (zero) throw v.invalid('v0', 'a nonzero start vector', 'all zeros');
  }
  const io = new Float64Array(STATS + EIGSH.stats.length);
  io[P.rows] = n;
  io[P.cols] = n;
  io[P.trusted] = 1; // a validated CsrMatrix (or an operator), v0 a checked Float64Array
  io[P.k] = o.k;
  io[P.which] = EIG_WHICH.indexOf(o.which);
  io[P.sigma] = o.sigma ?? 0;
  io[P.tol] = o.tol;
  io[P.maxIterations] = o.maxIterations;
  io[P.ncv] = o.ncv;
  io[P.seed] = o.seed;
  io[P.hasV0] = o.v0 !== undefined ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const values = new Float64Array(o.k);
  const vectors = new Float64Array(n * o.k);
  const args: EigshArgs = [...nativeOperatorArgs(A), o.v0 ?? null, values, vectors, io];
  return { o, io, values, vectors, args };
}

function result(p: ReturnType<typeof prepare>): EigshResult {
  const s = (name: keyof typeof S) => p.io[STATS + S[name]];
  const reason = REASONS[s('reason')];
  const shiftInvert = s('shiftInvert') === 1;
  const res = {
    converged: reason === 'tol',
    reason,
    values: p.values,
    vectors: p.vectors,
    iterations: s('iterations'),
    matvecs: s('matvecs'),
    nconverged: s('nconv'),
    mode: shiftInvert ? 'shift-invert' : 'lanczos',
    elapsedMs: s('elapsedMs'),
  } as EigshResult;
  if (shiftInvert) {
    res.sigma = s('sigma');
    res.factorization = { mode: s('ldlt') === 1 ? 'ldlt' : 'llt', nnzL: s('nnzL') };
  }
  return res;
}

/**
 * The k eigenvalues (ascending) and eigenvectors of a symmetric matrix at one end of its
 * spectrum or nearest a shift (see the module notes). Runs on the calling thread; a JS operator's
 * `multiply` is called inline.
 */
export function eigshSync(A: CsrMatrix | LinearOperatorLike, options?: EigshOptions): EigshResult {
  const p = prepare(A, options, true);
  callNative(() => binding().eigsh(...p.args));
  return result(p);
}

/**
 * Promise form of {@link eigshSync}: runs off the event loop (a JS operator's `multiply` on the
 * main thread, one call per product); takes signal (an AbortError carrying the Ritz pairs reached
 * so far), timeLimitMs and onProgress (iteration = Lanczos cycles, value = the most wanted Ritz
 * value of the operator Lanczos runs on: θ of (A − σI)⁻¹ in shift-invert).
 */
export function eigsh(
  A: CsrMatrix | LinearOperatorLike,
  options?: EigshOptions & AsyncOptions,
): Promise<EigshResult> {
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(A, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => binding().eigshAsync(...p.args, opts),
    () => result(p),
  );
}
