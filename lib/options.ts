/**
 * The one table of options: every option of every operation, with its kind, default, range,
 * which operations take it, whether only the Promise forms take it, a doc line and its CLI flag.
 * The facades resolve their options through {@link checkOptions} (so defaults such as rtol 1e-8
 * and maxIterations 10·n live here only), and the CLI builds its flags and usage text from
 * {@link OPTIONS}. Unknown keys, keys the operation does not take, and `signal` / `onProgress`
 * given to a Sync form are ERR_INVALID_ARGUMENT errors naming the key (an unknown one with the
 * closest known name).
 */
import type { Progress } from './async';
import { ItersolveError } from './errors';
import {
  METHODS,
  METRICS,
  MLP_INITS,
  ORDERINGS,
  SINKHORN_METHODS,
  STATIONARY_METHODS,
  SWEEPS,
} from './layout';
import * as v from './validate';

/** A Krylov method's name (its index in the krylov io's `method` slot is its position in METHODS). */
export type SolverMethod = (typeof METHODS)[number];

/** A stationary method's name (Jacobi, Gauss-Seidel, SOR, SSOR). */
export type StationaryMethod = (typeof STATIONARY_METHODS)[number];

/** The optimal-transport operations (lib/ot.ts). */
export type OtOperation =
  'sinkhorn' | 'sinkhornBatch' | 'sinkhornNewton' | 'emd' | 'wasserstein' | 'costMatrix';

/** Every operation that takes an options object. */
export type Operation =
  | SolverMethod
  | StationaryMethod
  | OtOperation
  | 'cgBatch'
  | 'sketchSolve'
  | 'powerIteration'
  | 'preconditioner'
  | 'proxBcd'
  | PathOperation
  | 'groupLasso'
  | 'logisticL1'
  | BcdOperation
  | 'nnls'
  | 'trainMlpBcd'
  | DirectOperation
  | 'eigsh'
  | 'petscSolve';

/** Sparse direct solvers (lib/direct.ts); factorSolve is a factor's solve / solveAsync. */
export type DirectOperation = 'cholesky' | 'lu' | 'spsolve' | 'factorSolve';

/** Coordinate-descent regressions (lib/bcd.ts). */
export type BcdOperation = 'lasso' | 'elasticNet';

/** Regularisation paths (lib/path.ts). */
export type PathOperation = 'lassoPath' | 'elasticNetPath';

/** The public names of an operation's Sync and Promise forms (for messages). */
export const OPERATION_NAMES: {
  readonly [O in Operation]: { readonly sync: string; readonly async?: string };
} = {
  cg: { sync: 'cgSync', async: 'cg' },
  bicgstab: { sync: 'bicgstabSync', async: 'bicgstab' },
  gmres: { sync: 'gmresSync', async: 'gmres' },
  minres: { sync: 'minresSync', async: 'minres' },
  conjugateDirection: { sync: 'conjugateDirectionSync', async: 'conjugateDirection' },
  gcrotmk: { sync: 'gcrotmkSync', async: 'gcrotmk' },
  jacobi: { sync: 'jacobiSync', async: 'jacobi' },
  gaussSeidel: { sync: 'gaussSeidelSync', async: 'gaussSeidel' },
  sor: { sync: 'sorSync', async: 'sor' },
  ssor: { sync: 'ssorSync', async: 'ssor' },
  cgBatch: { sync: 'cgBatchSync', async: 'cgBatch' },
  sketchSolve: { sync: 'sketchSolveSync', async: 'sketchSolve' },
  powerIteration: { sync: 'powerIterationSync', async: 'powerIteration' },
  eigsh: { sync: 'eigshSync', async: 'eigsh' },
  preconditioner: { sync: 'Preconditioner.create' },
  sinkhorn: { sync: 'sinkhornSync', async: 'sinkhorn' },
  sinkhornBatch: { sync: 'sinkhornBatchSync', async: 'sinkhornBatch' },
  sinkhornNewton: { sync: 'sinkhornNewtonSync', async: 'sinkhornNewton' },
  emd: { sync: 'emdSync', async: 'emd' },
  wasserstein: { sync: 'wassersteinSync', async: 'wasserstein' },
  costMatrix: { sync: 'costMatrix' },
  lasso: { sync: 'lassoSync', async: 'lasso' },
  elasticNet: { sync: 'elasticNetSync', async: 'elasticNet' },
  nnls: { sync: 'nnlsSync', async: 'nnls' },
  logisticL1: { sync: 'logisticL1Sync', async: 'logisticL1' },
  groupLasso: { sync: 'groupLassoSync', async: 'groupLasso' },
  proxBcd: { sync: 'proxBcdSync', async: 'proxBcd' },
  lassoPath: { sync: 'lassoPathSync', async: 'lassoPath' },
  elasticNetPath: { sync: 'elasticNetPathSync', async: 'elasticNetPath' },
  trainMlpBcd: { sync: 'trainMlpBcdSync', async: 'trainMlpBcd' },
  cholesky: { sync: 'choleskySync', async: 'cholesky' },
  lu: { sync: 'luSync', async: 'lu' },
  spsolve: { sync: 'spsolveSync', async: 'spsolve' },
  factorSolve: { sync: 'factor.solve', async: 'factor.solveAsync' },
  petscSolve: { sync: 'petscSolveSync', async: 'petscSolve' },
};

/** What a default or a range bound may depend on. */
export interface OptionContext {
  /** Unknowns (A's columns). */
  n: number;
  /** Equations (A's rows). */
  m: number;
  /** The options resolved so far (table order), e.g. `restart` for `recycle`'s default. */
  values: Readonly<Record<string, unknown>>;
}

type Computed<T> = T | ((c: OptionContext) => T);

/**
 * - number: a finite number in [min, max] ((min, max) with `exclusive`)
 * - integer: an integer in [min, max]
 * - boolean, enum (one of `values`), string
 * - vector: a Float64Array (the facade checks its length)
 * - integers: an array (or Int32Array) of integers in [min, max], returned as a number[]
 * - object: a plain object (its contents checked by the facade, e.g. warmStart { f, g })
 * - preconditioner: a PreconditionerSpec (resolved by the facade, which knows n)
 * - spec: a value of several shapes, checked by the facade (proxBcd's smooth, prox, blocks)
 * - signal: an AbortSignal; function: a function
 */
export type OptionKind =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'string'
  | 'vector'
  | 'integers'
  | 'object'
  | 'preconditioner'
  | 'spec'
  | 'signal'
  | 'function';

/** What may differ per operation. */
export interface OptionVariant {
  default?: Computed<number | boolean | string>;
  /** The default as the usage text shows it, when it is computed (e.g. '10·n'). */
  defaultText?: string;
  min?: Computed<number>;
  max?: Computed<number>;
  doc?: string;
  /** enum kind: the values this operation accepts (e.g. plan 'sparse' for sinkhornNewton only). */
  values?: readonly string[];
}

export interface OptionSpec extends OptionVariant {
  key: string;
  kind: OptionKind;
  /** `min`/`max` are excluded (number kind). */
  exclusive?: boolean;
  /** enum kind: the accepted values. */
  values?: readonly string[];
  /** Operations that take it. */
  ops: readonly Operation[];
  /** Only the Promise forms take it (rejected by Sync forms). */
  asyncOnly?: boolean;
  /** One line for docs and usage text. */
  doc: string;
  /** The CLI's flag (`--max-iterations`), or null when the CLI does not expose it. */
  flag: string | null;
  /** Per-operation default, range or doc (e.g. restart 30 for gmres, 20 for gcrotmk). */
  per?: Partial<Record<Operation, OptionVariant>>;
  /** "Did you mean" for an operation that takes another key instead (conjugateDirection: oracle). */
  instead?: Partial<Record<Operation, string>>;
}

const PRECONDITIONED: readonly Operation[] = [
  'cg',
  'bicgstab',
  'gmres',
  'minres',
  'gcrotmk',
  'cgBatch',
];
const SOLVERS: readonly Operation[] = [...METHODS, 'cgBatch', 'sketchSolve'];
const STATIONARY: readonly Operation[] = STATIONARY_METHODS;
const ITERATIVE: readonly Operation[] = [...SOLVERS, ...STATIONARY, 'powerIteration'];
/** The stopping rule of the stationary methods (relative to the initial residual). */
const STATIONARY_RTOL = {
  doc: 'Stop when ‖b − A x‖₂ ≤ max(rtol·‖b − A x0‖₂, atol), checked on the true residual after every sweep.',
};
/** What one of their iterations is. */
const STATIONARY_MAXIT = {
  doc: 'Iteration limit (reason max-iterations); one iteration is one sweep, a symmetric one (forward then backward) counting once.',
};
const MAX_INT = 2 ** 52;
/** Optimal transport (lib/ot.ts): wasserstein passes its options on to the method it runs. */
const OT_ITERATIVE: readonly Operation[] = [
  'sinkhorn',
  'sinkhornBatch',
  'sinkhornNewton',
  'emd',
  'wasserstein',
];
const ENTROPIC: readonly Operation[] = [
  'sinkhorn',
  'sinkhornBatch',
  'sinkhornNewton',
  'wasserstein',
];
const NEWTON: readonly Operation[] = ['sinkhornNewton', 'wasserstein'];
/** Coordinate descent (lib/bcd.ts). */
const BCD: readonly Operation[] = ['lasso', 'elasticNet'];
/** Regularisation paths (lib/path.ts): the lasso options but lambda, coef0 and history. */
const PATH: readonly Operation[] = ['lassoPath', 'elasticNetPath'];
/** ℓ1-logistic regression (lib/logistic.ts). */
const LOGISTIC: readonly Operation[] = ['logisticL1'];
/** Group Lasso (lib/group-lasso.ts). */
const GROUP: readonly Operation[] = ['groupLasso'];
/** Generic proximal BCD (lib/prox-bcd.ts). */
const PROX: readonly Operation[] = ['proxBcd'];
/** Sparse direct solvers (lib/direct.ts). */
const DIRECT: readonly Operation[] = ['cholesky', 'lu', 'spsolve'];
/** wasserstein passes an option on as given: the method it runs applies its own default. */
const PASSED_ON: OptionVariant = { default: undefined, defaultText: undefined };

/** Every option of every operation, in the order they are checked. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'x0',
    kind: 'vector',
    ops: [...ITERATIVE, ...PROX, 'petscSolve'],
    doc: 'Start vector (not modified). Default: zeros.',
    flag: null,
    per: {
      proxBcd: { doc: 'The start point (length d; required; not modified).' },
      cgBatch: { doc: 'Start vectors, column-major n×k like B (not modified). Default: zeros.' },
      powerIteration: {
        doc: 'Start vector (not modified). Default: seeded pseudo-random entries in [-1, 1).',
      },
      petscSolve: {
        doc: 'Start vector (length n; written to a file, then the initial guess: KSPSetInitialGuessNonzero). Default: zeros.',
      },
    },
  },
  {
    key: 'out',
    kind: 'vector',
    ops: [...ITERATIVE, 'sinkhorn', 'sinkhornNewton', 'wasserstein', 'costMatrix', 'spsolve'],
    doc: 'Where the solution goes; it may be `x0`. Default: a new array.',
    flag: null,
    per: {
      powerIteration: { doc: 'Where the eigenvector estimate goes. Default: a new array.' },
      sinkhorn: {
        doc: "Where the dense plan goes (n×m row-major; plan 'dense'). Default: a new array.",
      },
      sinkhornNewton: {
        doc: "Where the dense plan goes (n×m row-major; plan 'dense'). Default: a new array.",
      },
      wasserstein: { doc: "Where a dense plan goes (see the method's own `out`)." },
      costMatrix: { doc: 'Where the n×m cost matrix goes (row-major). Default: a new array.' },
      spsolve: { doc: 'Where x goes (as long as b; not b itself). Default: a new array.' },
    },
  },
  {
    key: 'epsilon',
    kind: 'number',
    min: 0,
    // the potentials ε·log(scaling) must stay finite (native/ot/ot.hpp kMaxEpsilon)
    max: 1e150,
    exclusive: true,
    ops: ENTROPIC,
    doc: 'Entropic regularisation ε > 0 (required): minimise ⟨C, P⟩ + ε Σ P (log P − 1).',
    flag: '--epsilon',
    per: {
      wasserstein: {
        doc: 'Entropic regularisation ε > 0: Sinkhorn (or method newton) on C^p; absent: exact (emd).',
      },
    },
  },
  {
    key: 'method',
    kind: 'enum',
    values: SINKHORN_METHODS,
    default: 'auto',
    ops: ['sinkhorn', 'sinkhornBatch', 'wasserstein', 'spsolve'],
    doc: "'auto' (scaling where exp(−C/ε) stays in double range, else log), 'scaling' (Sinkhorn-Knopp), 'log' (log-domain), 'stabilized' (scalings absorbed into the potentials) or 'epsilon-scaling' (ε annealed down to its target).",
    flag: null,
    per: {
      wasserstein: {
        ...PASSED_ON,
        values: [...SINKHORN_METHODS, 'newton'],
        doc: "With epsilon: a Sinkhorn method (default 'auto') or 'newton' (sinkhornNewton).",
      },
      spsolve: {
        values: ['auto', 'cholesky', 'lu'],
        doc: "'auto' (Cholesky when A is exactly symmetric with a positive diagonal, falling back to LU when it is not positive definite; LU otherwise), 'cholesky' or 'lu'.",
      },
    },
  },
  {
    key: 'metric',
    kind: 'enum',
    values: METRICS,
    default: 'sqeuclidean',
    ops: ['costMatrix'],
    doc: "C_ij = ‖x_i − y_j‖₂² ('sqeuclidean'), ‖x_i − y_j‖₂ ('euclidean') or ‖x_i − y_j‖₁ ('cityblock').",
    flag: '--metric',
  },
  {
    key: 'dimension',
    kind: 'integer',
    min: 1,
    max: 2147483647,
    ops: ['costMatrix'],
    doc: 'd, the points’ dimension, when X and Y are Float64Arrays (n·d and m·d entries, row-major).',
    flag: null,
  },
  {
    key: 'p',
    kind: 'number',
    default: 1,
    min: 1,
    ops: ['wasserstein'],
    doc: 'The order p ≥ 1: solves with C^p (elementwise) and reports distance = cost^(1/p).',
    flag: null,
  },
  {
    key: 'sketch',
    kind: 'enum',
    values: ['kaczmarz', 'block-kaczmarz', 'gaussian'],
    default: 'kaczmarz',
    ops: ['sketchSolve'],
    doc: 'Randomized Kaczmarz, block Kaczmarz or Gaussian sketch-and-project.',
    flag: '--sketch',
  },
  {
    key: 'sampling',
    kind: 'enum',
    values: ['norm', 'uniform'],
    default: 'norm',
    ops: ['sketchSolve'],
    doc: 'How Kaczmarz rows are drawn: ∝ ‖a_i‖² (norm) or uniformly.',
    flag: '--sampling',
  },
  {
    key: 'blockSize',
    kind: 'integer',
    default: (c) => Math.min(8, c.m),
    defaultText: 'min(8, m)',
    min: 1,
    max: (c) => c.m,
    ops: ['sketchSolve'],
    doc: "Rows per block ('block-kaczmarz') or sketch size ('gaussian').",
    flag: '--block-size',
  },
  {
    key: 'k',
    kind: 'integer',
    default: (c) => Math.min(6, c.n - 1),
    defaultText: 'min(6, n − 1)',
    min: 1,
    max: (c) => c.n - 1,
    ops: ['eigsh'],
    doc: 'Number of eigenpairs wanted, 1 ≤ k < n.',
    flag: null,
  },
  {
    key: 'which',
    kind: 'enum',
    values: ['largest', 'smallest', 'nearest'],
    default: 'largest',
    ops: ['eigsh'],
    doc: "'largest' (Lanczos on A), 'smallest' (shift-invert about 0, or below a Gershgorin bound when A is not positive definite; Lanczos on A for an operator) or 'nearest' to sigma (shift-invert through LDLᵀ of A − σI).",
    flag: null,
  },
  {
    key: 'sigma',
    kind: 'number',
    ops: ['eigsh'],
    doc: "The shift σ of which 'nearest' (required there, rejected otherwise): the k eigenvalues closest to σ.",
    flag: null,
  },
  {
    key: 'ncv',
    kind: 'integer',
    default: (c) => Math.min(c.n, Math.max(2 * (c.values.k as number) + 1, 20)),
    defaultText: 'min(n, max(2k + 1, 20))',
    min: (c) => (c.values.k as number) + 1,
    max: (c) => c.n,
    ops: ['eigsh'],
    doc: 'Lanczos basis size, k < ncv ≤ n (SciPy’s default); ncv = n solves densely.',
    flag: null,
  },
  {
    key: 'v0',
    kind: 'vector',
    ops: ['eigsh'],
    doc: 'Start vector (length n, not zero; not modified). Default: seeded pseudo-random entries in [-1, 1).',
    flag: null,
  },
  {
    key: 'seed',
    kind: 'integer',
    default: 1,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    ops: ['sketchSolve', 'powerIteration', ...BCD, ...PATH, 'trainMlpBcd', ...PROX, 'eigsh'],
    doc: 'Seed of the random choices; the same seed gives the same run.',
    flag: '--seed',
    per: {
      proxBcd: { default: 0, doc: "Seed of order 'random' and of the sampled batches." },
      powerIteration: { max: 2 ** 32 - 1, doc: 'Seed of the default (random) start vector.' },
      lasso: { default: 0, doc: "Seed of selection 'random' (the coordinate order)." },
      elasticNet: { default: 0, doc: "Seed of selection 'random' (the coordinate order)." },
      lassoPath: { default: 0, doc: "Seed of selection 'random' (the coordinate order)." },
      elasticNetPath: { default: 0, doc: "Seed of selection 'random' (the coordinate order)." },
      trainMlpBcd: {
        default: 0,
        doc: 'Seed of the initial weights (mt19937_64 and Box–Muller: the same on every platform).',
      },
    },
  },
  {
    key: 'lambda',
    kind: 'number',
    min: 0,
    ops: [...BCD, ...GROUP, ...LOGISTIC],
    doc: "Penalty strength λ ≥ 0 (scikit-learn's alpha); required.",
    flag: '--lambda',
    per: {
      logisticL1: {
        doc: "Penalty strength λ ≥ 0 (1/(C·n) for scikit-learn's LogisticRegression C); required.",
      },
    },
  },
  {
    key: 'l1Ratio',
    kind: 'number',
    default: 0.5,
    min: 0,
    max: 1,
    ops: ['elasticNet', 'elasticNetPath'],
    doc: 'Mix a of the penalty a·‖w‖₁ + (1 − a)/2·‖w‖₂² (1: lasso, 0: ridge).',
    flag: null,
  },
  {
    key: 'fitIntercept',
    kind: 'boolean',
    default: true,
    ops: [...BCD, ...GROUP, ...PATH, ...LOGISTIC],
    doc: 'Fit an unpenalised intercept (X and y centred implicitly).',
    flag: null,
    per: { logisticL1: { doc: 'Fit an unpenalised, explicit intercept (X is not centred).' } },
  },
  {
    key: 'sampleWeight',
    kind: 'vector',
    ops: [...BCD, ...GROUP, ...PATH, ...LOGISTIC],
    doc: 'Per-sample weights ≥ 0 (length rows; row multiplicities). Default: all 1.',
    flag: null,
  },
  {
    key: 'penaltyFactor',
    kind: 'vector',
    ops: [...BCD, ...PATH],
    doc: 'Per-feature penalty factors ≥ 0 (length cols; 0: unpenalised). Default: all 1.',
    flag: null,
  },
  {
    key: 'positive',
    kind: 'boolean',
    default: false,
    ops: [...BCD, ...PATH],
    doc: 'Constrain the coefficients to be ≥ 0.',
    flag: null,
  },
  {
    key: 'lower',
    kind: 'spec',
    ops: [...BCD, ...PATH],
    doc: 'Box bounds l ≤ w: a number (every feature) or a Float64Array of cols entries (−∞ allowed). Default −∞ (0 with positive).',
    flag: null,
  },
  {
    key: 'upper',
    kind: 'spec',
    ops: [...BCD, ...PATH],
    doc: 'Box bounds w ≤ u: a number (every feature) or a Float64Array of cols entries (+∞ allowed). Default +∞.',
    flag: null,
  },
  {
    key: 'precompute',
    kind: 'spec',
    default: false,
    ops: BCD,
    doc: "Precompute the Gram matrix XᵀX (dense X only; a coordinate step then costs O(cols) instead of O(rows)): true, false (default) or 'auto' (dense X with rows ≥ 2·cols and cols ≤ 4096).",
    flag: null,
  },
  {
    key: 'selection',
    kind: 'enum',
    values: ['cyclic', 'random'],
    default: 'cyclic',
    ops: [...BCD, ...PATH],
    doc: "Coordinate order: 'cyclic' or 'random' (seeded by `seed`).",
    flag: null,
  },
  {
    key: 'coef0',
    kind: 'vector',
    ops: [...BCD, ...GROUP, ...LOGISTIC],
    doc: 'Warm start: the initial coefficients (length cols; not modified). Default: zeros.',
    flag: null,
  },
  {
    key: 'groups',
    kind: 'spec',
    ops: GROUP,
    doc: 'The groups (required): offsets { offsets } (0 … cols, increasing), labels { labels } (one integer per feature), or a bare list (labels when it has cols entries).',
    flag: null,
  },
  {
    key: 'groupWeights',
    kind: 'vector',
    ops: GROUP,
    doc: 'ω_g ≥ 0 per group (0: unpenalised). Default: √|g|.',
    flag: null,
  },
  {
    key: 'nLambdas',
    kind: 'integer',
    default: 100,
    min: 1,
    max: 2147483647,
    ops: PATH,
    doc: "Values on the automatic λ grid (sklearn's n_alphas; ignored when lambdas is given).",
    flag: '--n-lambdas',
  },
  {
    key: 'lambdaMinRatio',
    kind: 'number',
    default: 1e-3,
    min: 0,
    max: 1,
    exclusive: true,
    ops: PATH,
    doc: "The automatic grid runs from λ_max down to lambdaMinRatio·λ_max, log-spaced (sklearn's eps).",
    flag: '--lambda-min-ratio',
  },
  {
    key: 'lambdas',
    kind: 'vector',
    ops: PATH,
    doc: 'The λ values to fit instead of the grid (≥ 0, non-increasing). Default: the grid.',
    flag: null,
  },
  {
    key: 'hidden',
    kind: 'integers',
    min: 1,
    max: 2 ** 20,
    ops: ['trainMlpBcd'],
    doc: 'Widths of the hidden ReLU layers (each >= 1; may be empty: a linear model); required.',
    flag: null,
  },
  {
    key: 'gamma',
    kind: 'number',
    default: 1,
    min: 0,
    exclusive: true,
    ops: ['trainMlpBcd'],
    doc: 'γ > 0: weight of the (γ/2)‖V_i − σ(U_i)‖² terms of the split objective.',
    flag: null,
  },
  {
    key: 'rho',
    kind: 'number',
    default: 1,
    min: 0,
    exclusive: true,
    ops: ['trainMlpBcd'],
    doc: 'ρ > 0: weight of the (ρ/2)‖U_i − W_i V_{i−1} − b_i1ᵀ‖² terms of the split objective.',
    flag: null,
  },
  {
    key: 'alpha',
    kind: 'number',
    default: 0.01,
    min: 0,
    exclusive: true,
    ops: ['trainMlpBcd'],
    doc: 'α > 0: weight of the proximal terms (α/2)‖x − x⁰‖² every block update carries.',
    flag: null,
  },
  {
    key: 'epochs',
    kind: 'integer',
    default: 100,
    min: 0,
    max: 10000000,
    ops: ['trainMlpBcd'],
    doc: "Backward sweeps over every block (reason 'max-iterations' after the last).",
    flag: null,
  },
  {
    key: 'init',
    kind: 'enum',
    values: MLP_INITS,
    default: 'paper',
    ops: ['trainMlpBcd'],
    doc: "Initial weights: 'paper' (W = 0.01·randn, b = 0.1) or 'he' (W = randn·√(2/fan_in), b = 0).",
    flag: null,
  },
  {
    key: 'smooth',
    kind: 'spec',
    ops: PROX,
    doc: "The smooth part f (required): { kind: 'least-squares' | 'logistic', A, y }, { kind: 'quadratic', Q, c? } or a block gradient (x, block, gradOut) => void.",
    flag: null,
  },
  {
    key: 'prox',
    kind: 'spec',
    ops: PROX,
    doc: "The block penalties g_j: 'none' (default), 'nonnegative', { kind: 'l1' | 'group-l2', lambda }, { kind: 'box', lo?, hi? }, or an array of these, one per block.",
    flag: null,
  },
  {
    key: 'blocks',
    kind: 'spec',
    ops: PROX,
    doc: 'Block offsets 0 = o_0 < … < o_m = d (Int32Array or number[]). Default: one block.',
    flag: null,
  },
  {
    key: 'stepSizes',
    kind: 'spec',
    ops: PROX,
    doc: "Per-block steps η_j (Float64Array, > 0) or 'backtracking'. Default: 1/L_j (built-ins).",
    flag: null,
  },
  {
    key: 'order',
    kind: 'enum',
    values: ['cyclic', 'random'],
    default: 'cyclic',
    ops: PROX,
    doc: "Block order per epoch: 'cyclic' or 'random' (a fresh seeded permutation).",
    flag: null,
  },
  {
    key: 'variance',
    kind: 'spec',
    ops: PROX,
    doc: "Block-gradient estimator: 'exact' (default), or { kind: 'stochastic' | 'recursive', batchSize, refreshEvery } for finite sums.",
    flag: null,
  },
  {
    key: 'maxEpochs',
    kind: 'integer',
    default: 1000,
    min: 0,
    max: MAX_INT,
    ops: PROX,
    doc: "Epoch limit (one epoch updates every block once; reason 'max-iterations').",
    flag: null,
  },
  {
    key: 'preconditioner',
    kind: 'preconditioner',
    ops: PRECONDITIONED,
    doc: "'none' (default), 'jacobi', 'ic0', 'ilu0', { type: 'ssor', omega }, a Preconditioner or a function (r, z) => void.",
    flag: '--precond',
    per: { cgBatch: { doc: "'none' (default), a kind or a built Preconditioner (no functions)." } },
    instead: { conjugateDirection: 'oracle' },
  },
  {
    key: 'oracle',
    kind: 'preconditioner',
    ops: ['conjugateDirection'],
    doc: 'Direction oracle q = oracle(r / ‖r‖): any preconditioner or a (nonlinear) function (r, out) => void. Default: identity.',
    flag: '--precond',
    instead: {
      cg: 'preconditioner',
      bicgstab: 'preconditioner',
      gmres: 'preconditioner',
      minres: 'preconditioner',
      gcrotmk: 'preconditioner',
      cgBatch: 'preconditioner',
    },
  },
  {
    key: 'omega',
    kind: 'number',
    default: 1,
    min: 0,
    max: 2,
    exclusive: true,
    ops: ['jacobi', 'sor', 'ssor', 'preconditioner'],
    doc: "SSOR's relaxation factor ω.",
    flag: '--omega',
    per: {
      jacobi: { doc: 'Damping factor ω: each sweep sets x ← x + ω D⁻¹(b − A x).' },
      sor: { doc: 'Relaxation factor ω of SOR (1: Gauss-Seidel; > 1 over-relaxes).' },
      ssor: { doc: 'Relaxation factor ω of both half-sweeps of SSOR (1: symmetric Gauss-Seidel).' },
    },
  },
  {
    key: 'sweep',
    kind: 'enum',
    values: SWEEPS,
    default: 'forward',
    ops: ['gaussSeidel'],
    doc: "Rows 0..n−1 ('forward'), n−1..0 ('backward'), or a forward then a backward sweep per iteration ('symmetric').",
    flag: '--sweep',
  },
  {
    key: 'ordering',
    kind: 'enum',
    values: ORDERINGS,
    default: 'natural',
    ops: ['gaussSeidel', 'sor', 'ssor', 'cholesky', 'lu'],
    doc: "'natural' (rows in order: the textbook iteration counts) or 'multicolor' (a greedy colouring of A's graph, red-black on 5-point stencils; the rows of one colour are updated in parallel).",
    flag: '--ordering',
    per: {
      cholesky: {
        values: ['auto', 'amd', 'nested-dissection', 'natural'],
        default: 'auto',
        doc: "Fill-reducing ordering: 'auto' (picked from the graph), 'amd' (approximate minimum degree), 'nested-dissection' or 'natural' (none).",
      },
      lu: {
        values: ['auto', 'colamd', 'amd', 'natural'],
        default: 'auto',
        doc: "Fill-reducing ordering: 'auto' (amd for nearly structurally symmetric patterns, else colamd), 'colamd' (column AMD on AᵀA, after a block triangular form), 'amd' (AMD on A + Aᵀ) or 'natural' (none).",
      },
    },
  },
  {
    key: 'mode',
    kind: 'enum',
    values: ['llt', 'ldlt'],
    default: 'llt',
    ops: ['cholesky'],
    doc: "'llt' (A = LLᵀ, A positive definite: ERR_NOT_SPD naming the column otherwise) or 'ldlt' (A = LDLᵀ, D may be negative: symmetric indefinite A).",
    flag: null,
  },
  {
    key: 'pivotThreshold',
    kind: 'number',
    default: 0.1,
    min: 0,
    max: 1,
    ops: ['lu', 'spsolve'],
    doc: 'Threshold partial pivoting τ in [0, 1]: a nonzero diagonal entry is kept as pivot while |a_jj| ≥ τ·max |a_ij| (1: partial pivoting; 0: any nonzero diagonal).',
    flag: null,
  },
  {
    key: 'refine',
    kind: 'integer',
    default: 3,
    min: 0,
    max: 100,
    ops: ['spsolve'],
    doc: 'Iterative refinement steps at most (x += A⁻¹(b − A x), kept while each halves the residual); 0: none.',
    flag: null,
  },
  {
    key: 'columns',
    kind: 'integer',
    min: 1,
    max: 2147483647,
    ops: ['spsolve', 'factorSolve'],
    doc: 'k, the columns of b when it holds an n×k column-major block. Default: length / n.',
    flag: null,
  },
  {
    key: 'tol',
    kind: 'number',
    default: 1e-9,
    min: 0,
    ops: ['nnls', ...ENTROPIC, ...BCD, ...GROUP, ...PATH, ...PROX, ...LOGISTIC, 'eigsh'],
    doc: 'Stop when the marginal error ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ ≤ tol (reason tol).',
    flag: '--tol',
    per: {
      eigsh: {
        default: 0,
        doc: 'Stop when every wanted Ritz pair has ‖A x − θ x‖ ≤ tol·max(ε^(2/3), |θ|) (ARPACK’s test; on (A − σI)⁻¹ in shift-invert); 0: machine ε (reason tol).',
      },
      nnls: {
        default: 1e-10,
        doc: 'Stop when the KKT measure (projected-gradient ∞-norm) ≤ tol·‖Aᵀb‖_∞ (reason tol).',
      },
      logisticL1: {
        default: 1e-4,
        doc: 'Stop when the duality gap ≤ tol·P₀, P₀ the objective at w = 0 with the best intercept (log 2 without one) (reason tol).',
      },
      proxBcd: { default: 1e-8, doc: 'Stop when the gradient-mapping norm ≤ tol (reason tol).' },
      sinkhornNewton: { default: 1e-12 },
      wasserstein: PASSED_ON,
      lasso: { default: 1e-4, doc: 'Stop when the duality gap ≤ tol·‖y − ȳ‖²/n (reason tol).' },
      groupLasso: {
        default: 1e-4,
        doc: 'Stop when the duality gap ≤ tol·‖y − ȳ‖²/n (reason tol).',
      },
      elasticNet: {
        default: 1e-4,
        doc: 'Stop when the duality gap ≤ tol·‖y − ȳ‖²/n (reason tol).',
      },
      lassoPath: {
        default: 1e-4,
        doc: 'Each fit stops when its duality gap ≤ tol·‖y − ȳ‖²/n (reason tol).',
      },
      elasticNetPath: {
        default: 1e-4,
        doc: 'Each fit stops when its duality gap ≤ tol·‖y − ȳ‖²/n (reason tol).',
      },
    },
    instead: Object.fromEntries(ITERATIVE.map((op) => [op, 'rtol'])),
  },
  {
    key: 'checkEvery',
    kind: 'integer',
    default: 10,
    min: 1,
    max: MAX_INT,
    ops: ['sinkhorn', 'sinkhornBatch', 'wasserstein'],
    doc: 'Iterations between two checks of the marginal error (the last one is always checked).',
    flag: '--check-every',
    per: { wasserstein: PASSED_ON },
  },
  {
    key: 'warmStart',
    kind: 'object',
    ops: ['sinkhorn', 'sinkhornNewton', 'wasserstein'],
    doc: 'Start potentials { f (n), g (m) } (Float64Arrays, not modified), e.g. a previous result’s.',
    flag: null,
  },
  {
    key: 'plan',
    kind: 'enum',
    values: ['dense', 'none'],
    default: 'dense',
    ops: ['sinkhorn', 'sinkhornNewton', 'wasserstein'],
    doc: "'dense' (the n×m plan as a Float64Array) or 'none' (potentials only).",
    flag: null,
    per: {
      sinkhornNewton: {
        values: ['dense', 'sparse', 'none'],
        doc: "'dense' (n×m Float64Array), 'sparse' (a CsrMatrix without the entries below sparseDropTol·max) or 'none'.",
      },
      wasserstein: { ...PASSED_ON, values: ['dense', 'sparse', 'none'] },
    },
  },
  {
    key: 'warmupIterations',
    kind: 'integer',
    default: 20,
    min: 0,
    max: MAX_INT,
    ops: NEWTON,
    doc: 'Log-domain Sinkhorn iterations before the first Newton step (more run as fallback blocks where a Newton step fails).',
    flag: '--warmup-iterations',
    per: { wasserstein: PASSED_ON },
  },
  {
    key: 'maxNewtonIterations',
    kind: 'integer',
    default: 100,
    min: 0,
    max: MAX_INT,
    ops: NEWTON,
    doc: 'Newton step limit (reason max-iterations).',
    flag: '--max-newton-iterations',
    per: { wasserstein: PASSED_ON },
  },
  {
    key: 'sparsity',
    kind: 'integer',
    default: 8,
    min: 1,
    max: 2147483647,
    ops: NEWTON,
    doc: 'Plan entries kept per row in the sparsified Hessian (raised adaptively when needed).',
    flag: '--sparsity',
    per: { wasserstein: PASSED_ON },
  },
  {
    key: 'cg',
    kind: 'object',
    ops: NEWTON,
    doc: 'The Newton systems’ CG: { rtol (default 1e-10: the tightest forcing term; each system runs to clamp(√(error/Σa), rtol, 0.1)), maxIterations (default 10·(n + m)) }.',
    flag: null,
  },
  {
    key: 'sparseDropTol',
    kind: 'number',
    default: 0,
    min: 0,
    ops: NEWTON,
    doc: "plan 'sparse': drop entries below sparseDropTol · max(P) (0: keep every positive entry).",
    flag: null,
    per: { wasserstein: PASSED_ON },
  },
  {
    key: 'ranks',
    kind: 'integer',
    default: 1,
    min: 1,
    max: 1048576,
    ops: ['petscSolve'],
    doc: 'MPI processes (mpiexec -n); PETSc gives each a contiguous block of rows.',
    flag: null,
  },
  {
    key: 'ksp',
    kind: 'string',
    default: 'gmres',
    ops: ['petscSolve'],
    doc: "PETSc's Krylov method (-ksp_type): 'cg', 'gmres', 'bcgs', 'minres', 'preonly', ... An unknown type is ERR_INVALID_ARGUMENT.",
    flag: null,
  },
  {
    key: 'pc',
    kind: 'string',
    ops: ['petscSolve'],
    doc: "PETSc's preconditioner (-pc_type): 'gamg', 'asm', 'bjacobi', 'jacobi', 'ilu', 'lu', 'none', ... Default: PETSc's (ilu on 1 rank, block Jacobi with ilu blocks on more).",
    flag: null,
  },
  {
    key: 'hosts',
    kind: 'spec',
    ops: ['petscSolve'],
    doc: "Hosts to run on, 'host' or 'host:slots' (written to a hostfile for mpiexec); workDir must be on a filesystem they all see.",
    flag: null,
  },
  {
    key: 'hostfile',
    kind: 'string',
    ops: ['petscSolve'],
    doc: 'An mpiexec hostfile of your own (instead of hosts).',
    flag: null,
  },
  {
    key: 'mpiexec',
    kind: 'string',
    default: 'mpiexec',
    ops: ['petscSolve'],
    doc: 'The MPI launcher: a path, or a name looked up on PATH.',
    flag: null,
  },
  {
    key: 'program',
    kind: 'string',
    ops: ['petscSolve'],
    doc: 'The itersolve-petsc program (npm run build:petsc). Default: $ITERSOLVE_PETSC_PROGRAM, else build-petsc/itersolve-petsc in the package.',
    flag: null,
  },
  {
    key: 'workDir',
    kind: 'string',
    ops: ['petscSolve'],
    doc: 'Where the job’s directory (A, b, x files) is made, and removed afterwards. Default: the OS temp directory.',
    flag: null,
  },
  {
    key: 'petscOptions',
    kind: 'spec',
    ops: ['petscSolve'],
    doc: 'More PETSc options: { pc_gamg_threshold: 0.02, ksp_gmres_restart: 50 } (true: a bare flag) or an argv array. An option PETSc never reads is ERR_INVALID_ARGUMENT naming it.',
    flag: null,
  },
  {
    key: 'keepFiles',
    kind: 'boolean',
    default: false,
    ops: ['petscSolve'],
    doc: 'Keep the job’s directory instead of removing it (the result’s petsc.workDir names it).',
    flag: null,
  },
  {
    key: 'rtol',
    kind: 'number',
    default: 1e-8,
    min: 0,
    ops: [...ITERATIVE, 'petscSolve'],
    doc: 'Stop when ‖b − A x‖₂ ≤ max(rtol·‖b‖₂, atol).',
    flag: '--rtol',
    per: {
      powerIteration: { doc: 'Stop when |λₖ − λₖ₋₁| ≤ rtol·|λₖ|; 0 runs to maxIterations.' },
      jacobi: STATIONARY_RTOL,
      gaussSeidel: STATIONARY_RTOL,
      sor: STATIONARY_RTOL,
      ssor: STATIONARY_RTOL,
      petscSolve: {
        doc: "-ksp_rtol: PETSc's test ‖r‖ ≤ max(rtol·‖b‖, atol), on the norm its KSP monitors (left-preconditioned by default: ‖B r‖ and ‖B b‖).",
      },
    },
    instead: Object.fromEntries(ENTROPIC.map((op) => [op, 'tol'])),
  },
  {
    key: 'atol',
    kind: 'number',
    default: 0,
    min: 0,
    ops: [...SOLVERS, ...STATIONARY, 'petscSolve'],
    doc: 'Absolute residual tolerance (see rtol).',
    flag: '--atol',
  },
  {
    key: 'maxIterations',
    kind: 'integer',
    default: (c) => 10 * c.n,
    defaultText: '10·n',
    min: 0,
    max: MAX_INT,
    ops: [
      'nnls',
      ...ITERATIVE,
      'sinkhorn',
      'sinkhornBatch',
      'emd',
      'wasserstein',
      ...BCD,
      ...GROUP,
      ...PATH,
      ...LOGISTIC,
      'eigsh',
      'petscSolve',
    ],
    doc: 'Iteration limit (reason max-iterations).',
    flag: '--max-iterations',
    per: {
      eigsh: { min: 1, doc: 'Restart limit (Lanczos cycles; reason max-iterations).' },
      nnls: {
        default: (c) => 3 * c.n + 50,
        defaultText: '3·n + 50',
        doc: 'Coordinate-descent epochs plus active-set iterations (reason max-iterations).',
      },
      logisticL1: {
        default: 100,
        defaultText: undefined,
        doc: 'Proximal Newton step limit (reason max-iterations).',
      },
      sketchSolve: {
        default: (c) =>
          Math.max(
            1,
            c.values.sketch === 'kaczmarz'
              ? 100 * c.m
              : 100 * Math.ceil(c.m / (c.values.blockSize as number)),
          ),
        defaultText: "100·m ('kaczmarz'), 100·⌈m / blockSize⌉ otherwise",
        min: 1,
        doc: 'Projection steps.',
      },
      powerIteration: { default: 1000, defaultText: undefined },
      sinkhorn: {
        default: 1000,
        defaultText: undefined,
        doc: 'Iteration limit (one iteration: f then g).',
      },
      sinkhornBatch: {
        default: 1000,
        defaultText: undefined,
        doc: 'Iteration limit of every pair (one iteration: f then g).',
      },
      emd: {
        default: 100000000,
        defaultText: undefined,
        doc: 'Pivot limit of the network simplex (reason max-iterations: a feasible, not optimal, plan).',
      },
      wasserstein: { ...PASSED_ON, doc: 'Iteration limit of the method run (emd: pivots).' },
      lasso: { default: 1000, defaultText: undefined, doc: 'Epoch limit (reason max-iterations).' },
      groupLasso: {
        default: 1000,
        defaultText: undefined,
        doc: 'Epoch limit (reason max-iterations).',
      },
      elasticNet: {
        default: 1000,
        defaultText: undefined,
        doc: 'Epoch limit (reason max-iterations).',
      },
      lassoPath: {
        default: 1000,
        defaultText: undefined,
        doc: 'Epoch limit of each fit (reason max-iterations; the path goes on).',
      },
      elasticNetPath: {
        default: 1000,
        defaultText: undefined,
        doc: 'Epoch limit of each fit (reason max-iterations; the path goes on).',
      },
      jacobi: STATIONARY_MAXIT,
      gaussSeidel: STATIONARY_MAXIT,
      sor: STATIONARY_MAXIT,
      ssor: STATIONARY_MAXIT,
    },
  },
  {
    key: 'restart',
    kind: 'integer',
    min: 1,
    max: 100000,
    ops: ['gmres', 'gcrotmk'],
    doc: 'Krylov subspace dimension per cycle.',
    flag: '--restart',
    per: {
      gmres: { default: 30 },
      gcrotmk: { default: 20, doc: 'm: inner GMRES steps per cycle (as SciPy).' },
    },
  },
  {
    key: 'recycle',
    kind: 'integer',
    default: (c) => c.values.restart as number,
    defaultText: 'restart',
    min: 0,
    max: 100000,
    ops: ['gcrotmk'],
    doc: 'k: directions carried from cycle to cycle.',
    flag: '--recycle',
  },
  {
    key: 'flexible',
    kind: 'boolean',
    default: false,
    ops: ['gmres'],
    doc: 'FGMRES: the preconditioner may change from step to step.',
    flag: '--flexible',
  },
  {
    key: 'memory',
    kind: 'integer',
    default: 2,
    min: 0,
    max: 100000,
    ops: ['conjugateDirection'],
    doc: 'Past directions each new one is A-orthogonalised against; 0 = steepest descent.',
    flag: '--memory',
  },
  {
    key: 'checkSymmetry',
    kind: 'boolean',
    default: false,
    ops: ['minres'],
    doc: 'Throw ERR_NOT_SYMMETRIC (argument A) unless A is symmetric to within ε^(1/3) ≈ 6e-6, relative (SciPy’s minres check).',
    flag: '--check-symmetry',
  },
  {
    key: 'history',
    kind: 'boolean',
    default: false,
    ops: ['nnls', ...ITERATIVE, ...ENTROPIC, ...BCD, ...GROUP, ...PROX, ...LOGISTIC],
    doc: 'Record the residual norm per iteration (history[0] is the initial one).',
    flag: null,
    per: {
      nnls: { doc: 'Record the KKT measure after each CD epoch and active-set iteration.' },
      logisticL1: { doc: 'Record the duality gap after each outer iteration.' },
      proxBcd: {
        doc: 'Record the gradient-mapping norm and the passes before and after each epoch.',
      },
      powerIteration: { doc: 'Record the eigenvalue estimate per iteration.' },
      sinkhorn: { doc: 'Record the marginal error at every check (every checkEvery iterations).' },
      sinkhornBatch: { doc: 'Record every pair’s marginal error at every check.' },
      lasso: { doc: 'Record the duality gap after each outer iteration.' },
      groupLasso: { doc: 'Record the duality gap after each outer iteration.' },
      elasticNet: { doc: 'Record the duality gap after each outer iteration.' },
      sinkhornNewton: {
        doc: 'Record the marginal error after each warm-up check and Newton step.',
      },
      wasserstein: {
        ...PASSED_ON,
        doc: 'Record the marginal error per check (see the method run).',
      },
    },
  },
  {
    key: 'trueResidualEvery',
    kind: 'integer',
    default: 0,
    min: 0,
    max: MAX_INT,
    ops: SOLVERS,
    doc: 'Recompute the residual as b − A x every k iterations (0: never).',
    flag: '--true-residual-every',
  },
  {
    key: 'timeLimitMs',
    kind: 'number',
    min: 0,
    exclusive: true,
    ops: [
      'nnls',
      ...ITERATIVE,
      ...OT_ITERATIVE,
      ...BCD,
      ...GROUP,
      ...PATH,
      'trainMlpBcd',
      ...PROX,
      ...LOGISTIC,
      ...DIRECT,
      'eigsh',
      'petscSolve',
    ],
    doc: "Stop after this many milliseconds (reason 'time-limit').",
    flag: '--time-limit',
    per: {
      cholesky: {
        doc: 'Stop after this many milliseconds: ERR_TIME_LIMIT (a factorisation has no partial result).',
      },
      lu: {
        doc: 'Stop after this many milliseconds: ERR_TIME_LIMIT (a factorisation has no partial result).',
      },
      spsolve: {
        doc: 'Stop after this many milliseconds: ERR_TIME_LIMIT (a factorisation has no partial result).',
      },
      petscSolve: {
        doc: 'Kill the MPI job after this many milliseconds: ERR_TIME_LIMIT (PETSc hands back no partial x).',
      },
    },
  },
  {
    key: 'signal',
    kind: 'signal',
    ops: [
      'nnls',
      ...ITERATIVE,
      ...OT_ITERATIVE,
      ...BCD,
      ...GROUP,
      ...PATH,
      'trainMlpBcd',
      ...PROX,
      ...LOGISTIC,
      ...DIRECT,
      'factorSolve',
      'eigsh',
      'petscSolve',
    ],
    asyncOnly: true,
    doc: 'Cancels the work: the promise rejects with an AbortError whose `result` is the partial result.',
    flag: null,
    per: {
      cholesky: { doc: 'Cancels the factorisation: the promise rejects with an AbortError.' },
      lu: { doc: 'Cancels the factorisation: the promise rejects with an AbortError.' },
      spsolve: { doc: 'Cancels the solve: the promise rejects with an AbortError.' },
      factorSolve: { doc: 'Rejects with an AbortError when aborted before the solve starts.' },
      petscSolve: {
        doc: 'Kills the MPI job: the promise rejects with an AbortError (no partial result).',
      },
    },
  },
  {
    key: 'onProgress',
    kind: 'function',
    ops: [
      'nnls',
      ...ITERATIVE,
      ...OT_ITERATIVE,
      ...BCD,
      ...GROUP,
      ...PATH,
      'trainMlpBcd',
      ...PROX,
      ...LOGISTIC,
      'eigsh',
    ],
    asyncOnly: true,
    doc: 'Called on the main thread with progress, at most 20 times a second.',
    flag: null,
  },
];

const BY_KEY: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.key, o]));

/** The options an operation takes (in check order); `sync` leaves out the Promise-only ones. */
export function optionsOf(op: Operation, sync = false): OptionSpec[] {
  return OPTIONS.filter((o) => o.ops.includes(op) && !(sync && o.asyncOnly));
}

/** An option's default, range and doc for one operation (its per-operation variant applied). */
export function variantOf(spec: OptionSpec, op: Operation): OptionSpec {
  const p = spec.per?.[op];
  return p ? { ...spec, ...p } : spec;
}

// Per (operation, form), computed once: a resolver specialised to the keys that form takes. A
// small solve's call costs a few microseconds, and a loop over the table reading `options[key]`
// with a varying key (megamorphic loads and stores) cost over a microsecond of it; the generated
// resolver reads and writes each option by name, like hand-written code, in table order:
//
//   x = o.rtol; if (x !== undefined) { given++; v.rtol = check(S[3], x, c); } else v.rtol = S[3].default;
//
// and counts the keys it recognised: when that differs from the object's own key count, a slow
// scan finds the key this form does not take (keys whose value is undefined count as absent).
type Resolver = (o: Record<string, unknown>, c: OptionContext) => Record<string, unknown>;
type Plan = { specs: readonly OptionSpec[]; takes: ReadonlySet<string>; resolve: Resolver };
const plans: Partial<Record<Operation, { sync?: Plan; async?: Plan }>> = {};

function compile(
  op: Operation,
  sync: boolean,
  specs: readonly OptionSpec[],
  generate = true,
): Resolver {
  const lines = ['"use strict";', 'let given = 0;'];
  specs.forEach((s) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(s.key))
      throw new Error(`options table: key ${s.key} is not an identifier`);
    lines.push(`if (o.${s.key} !== undefined) given++;`);
  });
  lines.push('if (Object.keys(o).length !== given) unknown(o);');
  lines.push(
    `const v = { ${specs.map((s) => `${s.key}: undefined`).join(', ')} };`,
    'c.values = v;',
    'let x;',
  );
  specs.forEach((s, i) => {
    const absent =
      s.default === undefined
        ? ''
        : typeof s.default === 'function'
          ? ` else v.${s.key} = S[${i}].default(c);`
          : ` else v.${s.key} = S[${i}].default;`;
    lines.push(`x = o.${s.key}; if (x !== undefined) v.${s.key} = check(S[${i}], x, c);${absent}`);
  });
  lines.push('return v;');
  const takes = new Set(specs.map((s) => s.key));
  const unknown = (o: Record<string, unknown>) => {
    for (const key of Object.keys(o))
      if (o[key] !== undefined && !takes.has(key)) throw notAnOption(op, sync, key);
  };
  try {
    if (!generate) throw new EvalError('code generation not wanted');

    const body = new Function(
      'S',
      'check',
      'unknown',
      `return function resolve(o, c) {\n${lines.join('\n')}\n};`,
    );
    return body(specs, checkValue, unknown) as Resolver;
  } catch {
    // Code generation disallowed (node --disallow-code-generation-from-strings): the same steps
    // as a loop over the table.
    return (o, c) => {
      unknown(o);
      const v: Record<string, unknown> = {};
      c.values = v;
      for (const s of specs) {
        const x = o[s.key];
        if (x !== undefined) v[s.key] = checkValue(s, x, c);
        else if (s.default !== undefined)
          v[s.key] = typeof s.default === 'function' ? s.default(c) : s.default;
      }
      return v;
    };
  }
}

function plan(op: Operation, sync: boolean): Plan {
  const forms = plans[op] ?? (plans[op] = {});
  let p = sync ? forms.sync : forms.async;
  if (!p) {
    const specs = optionsOf(op, sync).map((s) => variantOf(s, op));
    p = { specs, takes: new Set(specs.map((s) => s.key)), resolve: compile(op, sync, specs) };
    if (sync) forms.sync = p;
    else forms.async = p;
  }
  return p;
}

/**
 * Resolved options: defaults applied. Read only the keys the operation takes.
 * @internal
 */
export interface ResolvedOptions {
  x0?: Float64Array;
  out?: Float64Array;
  sketch: 'kaczmarz' | 'block-kaczmarz' | 'gaussian';
  sampling: 'norm' | 'uniform';
  blockSize: number;
  seed: number;
  // eigsh (lib/eigsh.ts)
  k: number;
  which: 'largest' | 'smallest' | 'nearest';
  sigma?: number;
  ncv: number;
  v0?: Float64Array;
  preconditioner?: unknown;
  oracle?: unknown;
  omega: number;
  sweep: (typeof SWEEPS)[number];
  ordering: (typeof ORDERINGS)[number];
  rtol: number;
  atol: number;
  maxIterations: number;
  restart: number;
  recycle: number;
  flexible: boolean;
  memory: number;
  checkSymmetry: boolean;
  history: boolean;
  trueResidualEvery: number;
  timeLimitMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  // coordinate descent (lib/bcd.ts)
  lambda?: number;
  l1Ratio: number;
  fitIntercept: boolean;
  sampleWeight?: Float64Array;
  penaltyFactor?: Float64Array;
  positive: boolean;
  lower?: unknown;
  upper?: unknown;
  selection: 'cyclic' | 'random';
  precompute: unknown;
  coef0?: Float64Array;
  // group Lasso (lib/group-lasso.ts)
  groups?: unknown;
  groupWeights?: Float64Array;
  // generic proximal BCD (lib/prox-bcd.ts)
  smooth?: unknown;
  prox?: unknown;
  blocks?: unknown;
  stepSizes?: unknown;
  order: 'cyclic' | 'random';
  variance?: unknown;
  maxEpochs: number;
  // regularisation paths (lib/path.ts)
  nLambdas: number;
  lambdaMinRatio: number;
  lambdas?: Float64Array;
  // BCD training of ReLU networks (lib/mlp.ts)
  hidden?: number[];
  gamma: number;
  rho: number;
  alpha: number;
  epochs: number;
  init: (typeof MLP_INITS)[number];
  // optimal transport (lib/ot.ts)
  epsilon?: number;
  method: string;
  metric: (typeof METRICS)[number];
  dimension?: number;
  p: number;
  tol: number;
  checkEvery: number;
  warmStart?: object;
  plan: 'dense' | 'sparse' | 'none';
  warmupIterations: number;
  maxNewtonIterations: number;
  sparsity: number;
  cg?: object;
  sparseDropTol: number;
  // sparse direct solvers (lib/direct.ts)
  mode: 'llt' | 'ldlt';
  pivotThreshold: number;
  refine: number;
  columns?: number;
}

function bound(b: Computed<number> | undefined, c: OptionContext): number | undefined {
  return typeof b === 'function' ? b(c) : b;
}

function checkValue(s: OptionSpec, value: unknown, c: OptionContext): unknown {
  switch (s.kind) {
    case 'number': {
      const lo = bound(s.min, c);
      const hi = bound(s.max, c);
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw v.invalid(s.key, 'a finite number', value);
      if (s.exclusive) {
        if ((lo !== undefined && !(value > lo)) || (hi !== undefined && !(value < hi)))
          throw v.invalid(
            s.key,
            hi === undefined
              ? lo === 0
                ? 'a positive number'
                : `a number > ${lo}`
              : `a number in (${lo}, ${hi})`,
            value,
          );
      } else if ((lo !== undefined && value < lo) || (hi !== undefined && value > hi)) {
        throw v.invalid(
          s.key,
          hi === undefined ? `a number >= ${lo}` : `a number in [${lo}, ${hi}]`,
          value,
        );
      }
      return value;
    }
    case 'integer':
      return v.int(s.key, value, bound(s.min, c) ?? 0, bound(s.max, c) ?? MAX_INT);
    case 'boolean':
      return v.bool(s.key, value);
    case 'enum':
      if (typeof value !== 'string' || !s.values!.includes(value))
        throw v.invalid(
          s.key,
          s
            .values!.map((x) => `'${x}'`)
            .join(', ')
            .replace(/, ([^,]*)$/, ' or $1'),
          value,
        );
      return value;
    case 'string':
      return v.str(s.key, value);
    case 'vector':
      return v.f64(s.key, value);
    case 'integers': {
      if (!Array.isArray(value) && !(value instanceof Int32Array))
        throw v.invalid(s.key, 'an array of integers', value);
      const lo = bound(s.min, c) ?? 0;
      const hi = bound(s.max, c) ?? MAX_INT;
      return Array.from(value, (x: unknown, i) => {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi)
          throw v.invalid(s.key, `integers in [${lo}, ${hi}] (entry ${i})`, x);
        return x;
      });
    }
    case 'object':
      if (
        typeof value !== 'object' ||
        value === null ||
        Array.isArray(value) ||
        ArrayBuffer.isView(value)
      )
        throw v.invalid(s.key, 'an object', value);
      return value;
    case 'signal':
      if (!v.isAbortSignal(value)) throw v.invalid(s.key, 'an AbortSignal', value);
      return value;
    case 'function':
      if (typeof value !== 'function') throw v.invalid(s.key, 'a function', value);
      return value;
    case 'preconditioner':
      return value; // resolved by the facade (resolvePreconditioner), which knows n
    case 'spec':
      return value; // checked by the facade
  }
}

/** Normalised for "did you mean": case and separators do not count. */
function norm(s: string): string {
  return s.toLowerCase().replace(/[-_ ]/g, '');
}

/**
 * Optimal string alignment distance (edits incl. adjacent transpositions).
 * @internal
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let x = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        x = Math.min(x, d[i - 2][j - 2] + 1);
      d[i][j] = x;
    }
  }
  return d[a.length][b.length];
}

/**
 * The known key closest to `key`, or undefined when none is close: the same apart from case and
 * separators, a prefix of at least 3 letters either way (`maxIter`, `precond`), or within about a
 * third of the longer name's length in edits (`rtoll`, `restrat`).
 * @internal
 */
export function closest(key: string, candidates: Iterable<string>): string | undefined {
  const k = norm(key);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const n = norm(c);
    let score: number;
    if (n === k) score = 0;
    else if (Math.min(n.length, k.length) >= 3 && (n.startsWith(k) || k.startsWith(n))) score = 0.5;
    else {
      const d = editDistance(k, n);
      score = d <= Math.max(1, Math.floor(Math.max(k.length, n.length) / 3)) ? d : Infinity;
    }
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

function list(names: readonly string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The error for a key `op` does not take (unknown, of other operations, or Promise-only on a Sync form). */
function notAnOption(op: Operation, sync: boolean, key: string): ItersolveError {
  const names = OPERATION_NAMES[op];
  const spec = BY_KEY.get(key);
  let why: string;
  if (spec && spec.ops.includes(op) && spec.asyncOnly && sync) {
    why = `${key}: not an option of ${names.sync} (the Promise form ${names.async ?? op} takes it)`;
  } else if (spec) {
    // The Promise form's name for both forms: the same mistake reads the same in each.
    const subject = names.async ?? names.sync;
    const takers = [
      ...new Set(spec.ops.map((o) => OPERATION_NAMES[o].async ?? OPERATION_NAMES[o].sync)),
    ];
    const alt = spec.instead?.[op];
    why =
      `${key}: not an option of ${subject}` +
      (alt
        ? ` (did you mean '${alt}'?)`
        : ` (${list(takers)} take${takers.length === 1 ? 's' : ''} it)`);
  } else {
    const subject = names.async ?? names.sync;
    const guess = closest(key, plan(op, sync).takes);
    why = `${key}: unknown option of ${subject}` + (guess ? ` (did you mean '${guess}'?)` : '');
  }
  return new ItersolveError('ERR_INVALID_ARGUMENT', why, { argument: key });
}

/**
 * The resolver of an operation's form: generated (the default) or the loop fallback (tests
 * compare the two).
 * @internal
 */
export function resolverFor(
  op: Operation,
  sync: boolean,
  generate = true,
): (o: Record<string, unknown>, n: number, m?: number) => Record<string, unknown> {
  const specs = optionsOf(op, sync).map((s) => variantOf(s, op));
  const r = compile(op, sync, specs, generate);
  return (o, n, m = n) => r(o, { n, m, values: NONE });
}

// Replaced by the resolver before any default reads it.
const NONE: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Checks an options object for `op` and applies the defaults: the value of every key `op` takes,
 * in table order, its default when absent (`undefined` counts as absent), and an error for any
 * other key (checked first). `n`/`m` are A's columns and rows, for defaults such as maxIterations = 10·n.
 * @internal
 */
export function checkOptions(
  op: Operation,
  options: unknown,
  sync: boolean,
  n: number,
  m = n,
): ResolvedOptions {
  const o = v.options<Record<string, unknown>>('options', options);
  return plan(op, sync).resolve(o, { n, m, values: NONE }) as unknown as ResolvedOptions;
}
