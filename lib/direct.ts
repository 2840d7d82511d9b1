/**
 * Sparse direct solvers: Cholesky (LLᵀ / LDLᵀ) and LU factor objects, and `spsolve`, which picks
 * one and refines the solution (bindings/direct.cpp, native/direct/).
 *
 * A factor object holds its native factorisation; solves run natively (the Promise forms on the
 * addon's threads), and it can be passed as the `preconditioner` of every Krylov solver, applied
 * natively too. Any number of solves may run at once (solve is read-only). `refactor` rewrites
 * the factor in place, so it is rejected (ERR_INVALID_ARGUMENT naming 'factor') while a
 * `solveAsync` or a Promise-form Krylov solve using the factor is in flight, and a solve is
 * rejected while a `refactorAsync` is: await one before starting the other.
 */
import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { native, NativeJobOptions } from './native';
import { checkOptions } from './options';
import { FACTOR_HANDLE, squareCheck } from './preconditioner';
import * as v from './validate';

/** Fill-reducing orderings of a Cholesky factorisation. */
export type CholeskyOrdering = 'auto' | 'amd' | 'nested-dissection' | 'natural';
/** Fill-reducing orderings of an LU factorisation. */
export type LuOrdering = 'auto' | 'colamd' | 'amd' | 'natural';

export interface CholeskyOptions {
  /**
   * 'auto' (default: picked from the graph), 'amd' (approximate minimum degree),
   * 'nested-dissection' or 'natural' (none).
   */
  ordering?: CholeskyOrdering;
  /**
   * 'llt' (default: A = LLᵀ, A positive definite, else ERR_NOT_SPD naming the column) or 'ldlt'
   * (A = LDLᵀ without pivoting: symmetric indefinite A whose leading minors are nonsingular; an
   * exactly zero pivot is ERR_SINGULAR naming the column).
   */
  mode?: 'llt' | 'ldlt';
  /** Stop after this many milliseconds: ERR_TIME_LIMIT. */
  timeLimitMs?: number;
}

export interface LuOptions {
  /**
   * 'auto' (default: 'amd' for nearly structurally symmetric patterns, else 'colamd'), 'colamd'
   * (column ordering of AᵀA after a block triangular form), 'amd' (AMD on A + Aᵀ) or 'natural'.
   */
  ordering?: LuOrdering;
  /** Threshold partial pivoting τ in [0, 1] (default 0.1; 1: partial pivoting; 0: any nonzero diagonal entry is kept). */
  pivotThreshold?: number;
  /** Stop after this many milliseconds: ERR_TIME_LIMIT. */
  timeLimitMs?: number;
}

/** A factor's solve: `columns` k when b holds an n×k column-major block (default: length / n). */
export interface FactorSolveOptions {
  columns?: number;
}

export interface SpsolveOptions {
  /**
   * 'auto' (default): Cholesky when A is exactly symmetric with a positive diagonal, falling back
   * to LU when it turns out not to be positive definite; LU otherwise. 'cholesky' or 'lu' force
   * the method.
   */
  method?: 'auto' | 'cholesky' | 'lu';
  /**
   * Iterative refinement steps at most (default 3; 0: none): x += A⁻¹(b − A x), the residual in
   * double-double, while each step at least halves the residual; a step that does not reduce it
   * is undone.
   */
  refine?: number;
  /** LU's threshold partial pivoting τ in [0, 1] (default 0.1). */
  pivotThreshold?: number;
  /** k when b holds an n×k column-major block (default: length / n). */
  columns?: number;
  /** Where x goes (b's length; not b itself). Default: a new array. */
  out?: Float64Array;
  /** Stop after this many milliseconds: ERR_TIME_LIMIT. */
  timeLimitMs?: number;
}

/**
 * What spsolve reports. A direct solve has no `converged` / `reason`: it either returns this or
 * throws (ERR_SINGULAR, ERR_NOT_SPD with method 'cholesky', ...). Check `relativeResidual`.
 */
export interface SpsolveResult {
  /** The solution (n·k entries, column-major; the caller's `out` when given). */
  x: Float64Array;
  /** The factorisation used. */
  method: 'cholesky' | 'lu';
  /** method 'auto': Cholesky was tried and A was not positive definite, so LU was used. */
  fellBack: boolean;
  /** ‖b − A x‖₂ recomputed at exit (the largest over the columns). */
  residualNorm: number;
  /** residualNorm / ‖b‖₂ (the largest over the columns). */
  relativeResidual: number;
  /** Per column (k entries). */
  residualNorms: Float64Array;
  relativeResiduals: Float64Array;
  /** Refinement steps taken (the most of any column). */
  refinementSteps: number;
  /** nnz(L) (Cholesky: of L; LU: with its unit diagonal) and nnz(U) (0 for Cholesky). */
  nnzL: number;
  nnzU: number;
  /** The fill-reducing ordering used. */
  ordering: string;
  /** Time in the factorisation, in the solves and refinement, and in all. */
  factorMs: number;
  solveMs: number;
  elapsedMs: number;
}

/** The addon's sparse direct entries (bindings/direct.cpp). */
interface NativeFactor {
  readonly kind: 'cholesky' | 'lu';
  readonly n: number;
  readonly nnzL: number;
  readonly nnzU: number;
  readonly ordering: string;
  readonly method: string;
  readonly ldlt: boolean;
  readonly logDeterminant?: number;
  readonly negativePivots?: number;
  readonly btfBlocks?: number;
  readonly busy: number;
}
type M = [number, number, Int32Array, Int32Array, Float64Array, boolean];
interface NativeSpsolve {
  method: 'cholesky' | 'lu';
  fellBack: boolean;
  refinementSteps: number;
  residualNorm: number;
  relativeResidual: number;
  residualNorms: Float64Array;
  relativeResiduals: Float64Array;
  nnzL: number;
  nnzU: number;
  ordering: string;
  factorMs: number;
  solveMs: number;
}
type SpsolveArgs = [
  ...M,
  B: Float64Array,
  columns: number,
  X: Float64Array,
  method: string,
  refine: number,
  pivotThreshold: number,
  timeLimitMs: number,
];
interface NativeDirect {
  cholesky(...args: [...M, ordering: string, ldlt: boolean, timeLimitMs: number]): NativeFactor;
  choleskyAsync(
    ...args: [...M, ordering: string, ldlt: boolean, timeLimitMs: number, o: NativeJobOptions]
  ): Promise<NativeFactor>;
  lu(...args: [...M, ordering: string, pivotThreshold: number, timeLimitMs: number]): NativeFactor;
  luAsync(
    ...args: [
      ...M,
      ordering: string,
      pivotThreshold: number,
      timeLimitMs: number,
      o: NativeJobOptions,
    ]
  ): Promise<NativeFactor>;
  factorSolve(f: NativeFactor, B: Float64Array, columns: number, transpose: boolean): undefined;
  factorSolveAsync(
    f: NativeFactor,
    B: Float64Array,
    columns: number,
    transpose: boolean,
    o: NativeJobOptions,
  ): Promise<undefined>;
  factorRefactor(f: NativeFactor, ...args: [...M, timeLimitMs: number]): undefined;
  factorRefactorAsync(
    f: NativeFactor,
    ...args: [...M, timeLimitMs: number, o: NativeJobOptions]
  ): Promise<undefined>;
  factorCondest(f: NativeFactor): number;
  spsolve(...args: SpsolveArgs): NativeSpsolve;
  spsolveAsync(...args: [...SpsolveArgs, o: NativeJobOptions]): Promise<NativeSpsolve>;
}

const nd = (): NativeDirect => native() as unknown as NativeDirect;

function checkMatrix(A: unknown): CsrMatrix {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  return A;
}

/**
 * k for a right-hand side of `length` entries and n unknowns: `columns` when given (length must
 * be n·k), else length / n (length must be a positive multiple of n; n = 0: one empty column).
 */
function columnsOf(name: string, length: number, n: number, columns: number | undefined): number {
  if (columns !== undefined) {
    if (length !== n * columns)
      throw v.mismatch(
        name,
        `length ${n * columns} (n = ${n} rows x ${columns} columns)`,
        `length ${length}`,
      );
    return columns;
  }
  if (n === 0) {
    if (length !== 0) throw v.mismatch(name, 'length 0 (A is 0x0)', `length ${length}`);
    return 1;
  }
  if (length === 0 || length % n !== 0)
    throw v.mismatch(
      name,
      `length ${n}, or a multiple of ${n} for an n×k column-major block`,
      `length ${length}`,
    );
  return length / n;
}

/** The block to solve in place: `out` (checked, b copied in) or a copy of b. */
function solveBuffer(b: Float64Array, out: unknown): Float64Array {
  if (out === undefined || out === null) return b.slice();
  const o = v.f64('out', out, b.length);
  if (o !== b) o.set(b);
  return o;
}

function solveArgs(
  n: number,
  b: unknown,
  out: unknown,
  options: unknown,
  sync: boolean,
): { B: Float64Array; k: number; signal?: AbortSignal } {
  const bb = v.f64('b', b);
  const o = checkOptions('factorSolve', options, sync, n);
  const k = columnsOf('b', bb.length, n, o.columns);
  return { B: solveBuffer(bb, out), k, signal: (o as { signal?: AbortSignal }).signal };
}

function checkRefactor(n: number, A: unknown): CsrMatrix {
  const M = checkMatrix(A);
  if (M.rows !== n)
    throw v.mismatch('A', `a ${n}x${n} matrix (the factorised one's size)`, `${M.rows}x${M.cols}`);
  return M;
}

/** What factor objects share: solve, refactor, sizes. */
abstract class DirectFactor {
  /** @internal */
  readonly handle: NativeFactor;
  /** Number of unknowns. */
  readonly n: number;

  /** @internal */
  constructor(handle: NativeFactor) {
    this.handle = handle;
    this.n = handle.n;
  }

  /** @internal The factor as a Krylov preconditioner (lib/preconditioner.ts). */
  get [FACTOR_HANDLE](): { handle: unknown; n: number } {
    return { handle: this.handle, n: this.n };
  }

  /** nnz(L) (diagonal included). */
  get nnzL(): number {
    return this.handle.nnzL;
  }
  /** The fill-reducing ordering used (never 'auto'). */
  get ordering(): string {
    return this.handle.ordering;
  }

  /**
   * x = A⁻¹ b. `b` has n entries, or n·k for k right-hand sides as an n×k column-major block
   * (k from `options.columns` or the length). Into `out` when given (b's length; it may be b).
   */
  solve(b: Float64Array, out?: Float64Array, options?: FactorSolveOptions): Float64Array {
    const { B, k } = solveArgs(this.n, b, out, options, true);
    callNative(() => nd().factorSolve(this.handle, B, k, false));
    return B;
  }

  /** {@link solve} off the event loop. `b` and `out` must not be transferred before it settles. */
  solveAsync(
    b: Float64Array,
    out?: Float64Array,
    options?: FactorSolveOptions & Pick<AsyncOptions, 'signal'>,
  ): Promise<Float64Array> {
    return this.solveJob(b, out, options, false);
  }

  /** @internal */
  protected solveJob(
    b: Float64Array,
    out: Float64Array | undefined,
    options: unknown,
    transpose: boolean,
  ): Promise<Float64Array> {
    let s: ReturnType<typeof solveArgs>;
    try {
      s = solveArgs(this.n, b, out, options, false);
    } catch (e) {
      return Promise.reject(e);
    }
    return runJob(
      { signal: s.signal },
      (opts) => nd().factorSolveAsync(this.handle, s.B, s.k, transpose, opts),
      () => s.B,
    );
  }

  /**
   * Factorises A2, a matrix with the same sparsity pattern (same rowPtr and colIdx) and new
   * values, reusing the ordering and the symbolic analysis (the common case in time stepping).
   * A pattern that differs is ERR_INVALID_ARGUMENT 'A'; when the new values fail (ERR_NOT_SPD,
   * ERR_SINGULAR) the factor is unusable until a refactor succeeds.
   */
  refactor(A2: CsrMatrix, options?: { timeLimitMs?: number }): this {
    const M = checkRefactor(this.n, A2);
    const t = refactorTimeLimit(options, true);
    callNative(() => nd().factorRefactor(this.handle, ...M.args(), t ?? 0));
    return this;
  }

  /** {@link refactor} off the event loop. */
  refactorAsync(
    A2: CsrMatrix,
    options?: { timeLimitMs?: number; signal?: AbortSignal },
  ): Promise<this> {
    let M: CsrMatrix;
    let t: number | undefined;
    try {
      M = checkRefactor(this.n, A2);
      t = refactorTimeLimit(options, false);
    } catch (e) {
      return Promise.reject(e);
    }
    return runJob(
      { signal: options?.signal, timeLimitMs: t },
      (opts) => nd().factorRefactorAsync(this.handle, ...M.args(), 0, opts),
      () => this,
    );
  }
}

function refactorTimeLimit(options: unknown, sync: boolean): number | undefined {
  const o = v.options<{ timeLimitMs?: number; signal?: AbortSignal }>('options', options);
  for (const key of Object.keys(o))
    if (key !== 'timeLimitMs' && (sync || key !== 'signal'))
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${key}: not an option of refactor${sync ? '' : 'Async'} (it takes timeLimitMs${sync ? '' : ' and signal'})`,
        { argument: key },
      );
  return o.timeLimitMs === undefined
    ? undefined
    : v.num('timeLimitMs', o.timeLimitMs, { positive: true });
}

/**
 * A sparse Cholesky factorisation P A Pᵀ = L Lᵀ (mode 'llt') or L D Lᵀ (mode 'ldlt') of a
 * symmetric matrix, from {@link cholesky} / {@link choleskySync}.
 */
export class CholeskyFactor extends DirectFactor {
  /** 'llt' or 'ldlt'. */
  get mode(): 'llt' | 'ldlt' {
    return this.handle.ldlt ? 'ldlt' : 'llt';
  }
  /** log |det A|. */
  get logDeterminant(): number {
    return this.handle.logDeterminant as number;
  }
  /** Negative pivots of D (mode 'ldlt': the number of negative eigenvalues of A); 0 for 'llt'. */
  get negativePivots(): number {
    return this.handle.negativePivots as number;
  }
}

/** A sparse LU factorisation P A Q = L U, from {@link lu} / {@link luSync}. */
export class LuFactor extends DirectFactor {
  /** nnz(U) (diagonal and the off-diagonal blocks of the block triangular form included). */
  get nnzU(): number {
    return this.handle.nnzU;
  }
  /** The factorisation engine: 'left-looking' (Gilbert–Peierls) or 'supernodal'. */
  get method(): string {
    return this.handle.method;
  }
  /** Diagonal blocks of the block triangular form (1 without one). */
  get btfBlocks(): number {
    return this.handle.btfBlocks as number;
  }
  /** x = A⁻ᵀ b (b as in {@link solve}). */
  solveTranspose(b: Float64Array, out?: Float64Array, options?: FactorSolveOptions): Float64Array {
    const { B, k } = solveArgs(this.n, b, out, options, true);
    callNative(() => nd().factorSolve(this.handle, B, k, true));
    return B;
  }
  /** {@link solveTranspose} off the event loop. */
  solveTransposeAsync(
    b: Float64Array,
    out?: Float64Array,
    options?: FactorSolveOptions & Pick<AsyncOptions, 'signal'>,
  ): Promise<Float64Array> {
    return this.solveJob(b, out, options, true);
  }
  /**
   * An estimate of the 1-norm condition number κ₁(A) = ‖A‖₁‖A⁻¹‖₁ (Hager / Higham–Tisseur: a
   * lower bound, usually within a factor of 3; a few solves).
   */
  condest(): number {
    return callNative(() => nd().factorCondest(this.handle));
  }
}

function choleskyArgs(A: unknown, options: unknown, sync: boolean) {
  const M = checkMatrix(A);
  const o = checkOptions('cholesky', options, sync, M.rows);
  return { M, o };
}

/**
 * Factorises a symmetric sparse matrix (both triangles stored; exact symmetry is checked:
 * ERR_NOT_SYMMETRIC). A matrix that is not positive definite is ERR_NOT_SPD whose `column` names
 * the column of A where a pivot was not positive (mode 'llt'); mode 'ldlt' factorises symmetric
 * indefinite matrices.
 */
export function choleskySync(A: CsrMatrix, options?: CholeskyOptions): CholeskyFactor {
  const { M, o } = choleskyArgs(A, options, true);
  return new CholeskyFactor(
    callNative(() => nd().cholesky(...M.args(), o.ordering, o.mode === 'ldlt', o.timeLimitMs ?? 0)),
  );
}

/** {@link choleskySync} off the event loop (cancellable with `signal`). */
export function cholesky(
  A: CsrMatrix,
  options?: CholeskyOptions & Pick<AsyncOptions, 'signal'>,
): Promise<CholeskyFactor> {
  let p: ReturnType<typeof choleskyArgs>;
  try {
    p = choleskyArgs(A, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  const { M, o } = p;
  return runJob(
    o as Partial<AsyncOptions>,
    (opts) => nd().choleskyAsync(...M.args(), o.ordering, o.mode === 'ldlt', 0, opts),
    (h) => new CholeskyFactor(h),
  );
}

function luArgs(A: unknown, options: unknown, sync: boolean) {
  const M = checkMatrix(A);
  const o = checkOptions('lu', options, sync, M.rows);
  return { M, o };
}

/**
 * Factorises a square sparse matrix with threshold partial pivoting. A (numerically) singular
 * matrix is ERR_SINGULAR whose `column` names the column of A with no usable pivot.
 */
export function luSync(A: CsrMatrix, options?: LuOptions): LuFactor {
  const { M, o } = luArgs(A, options, true);
  return new LuFactor(
    callNative(() => nd().lu(...M.args(), o.ordering, o.pivotThreshold, o.timeLimitMs ?? 0)),
  );
}

/** {@link luSync} off the event loop (cancellable with `signal`). */
export function lu(
  A: CsrMatrix,
  options?: LuOptions & Pick<AsyncOptions, 'signal'>,
): Promise<LuFactor> {
  let p: ReturnType<typeof luArgs>;
  try {
    p = luArgs(A, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  const { M, o } = p;
  return runJob(
    o as Partial<AsyncOptions>,
    (opts) => nd().luAsync(...M.args(), o.ordering, o.pivotThreshold, 0, opts),
    (h) => new LuFactor(h),
  );
}

function spsolveArgs(A: unknown, b: unknown, options: unknown, sync: boolean) {
  const M = checkMatrix(A);
  const bb = v.f64('b', b);
  const o = checkOptions('spsolve', options, sync, M.rows);
  const n = M.rows;
  const k = columnsOf('b', bb.length, n, o.columns);
  let x: Float64Array;
  if (o.out === undefined) x = new Float64Array(bb.length);
  else {
    x = v.f64('out', o.out, bb.length);
    if (x === bb) throw v.invalid('out', 'an array other than b', x);
  }
  return { M, b: bb, k, x, o };
}

function spsolveResult(x: Float64Array, r: NativeSpsolve, t0: number): SpsolveResult {
  return { x, ...r, elapsedMs: performance.now() - t0 };
}

/**
 * Solves A x = b by a sparse direct factorisation (Cholesky for symmetric matrices with a
 * positive diagonal, falling back to LU; LU otherwise) and iterative refinement. `b` has n
 * entries or n·k (an n×k column-major block of right-hand sides).
 */
export function spsolveSync(
  A: CsrMatrix,
  b: Float64Array,
  options?: SpsolveOptions,
): SpsolveResult {
  const t0 = performance.now();
  const { M, b: bb, k, x, o } = spsolveArgs(A, b, options, true);
  const r = callNative(() =>
    nd().spsolve(...M.args(), bb, k, x, o.method, o.refine, o.pivotThreshold, o.timeLimitMs ?? 0),
  );
  return spsolveResult(x, r, t0);
}

/** {@link spsolveSync} off the event loop (cancellable with `signal`). */
export function spsolve(
  A: CsrMatrix,
  b: Float64Array,
  options?: SpsolveOptions & Pick<AsyncOptions, 'signal'>,
): Promise<SpsolveResult> {
  const t0 = performance.now();
  let p: ReturnType<typeof spsolveArgs>;
  try {
    p = spsolveArgs(A, b, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  const { M, b: bb, k, x, o } = p;
  return runJob(
    o as Partial<AsyncOptions>,
    (opts) =>
      nd().spsolveAsync(...M.args(), bb, k, x, o.method, o.refine, o.pivotThreshold, 0, opts),
    (r) => spsolveResult(x, r, t0),
  );
}
