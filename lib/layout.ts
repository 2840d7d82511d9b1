/**
 * The call interface between lib/ and the addon, named once on this side (bindings/layout.hpp
 * names it on the other). Each operation passes its numbers in one Float64Array `io`: the
 * parameters in `params` order, then (except for batches, whose stats are a separate array of
 * `stats.length` per column) the stats the binding writes back. Facades index `io` only through
 * the maps below, never by literal positions; test/layout.test.ts asserts that these lists equal
 * the addon's exported `layout`, so a slot added on one side only fails the tests. Only REASONS
 * and METHODS are public (exported from the package); the rest is marked @internal.
 */
import { ERROR_CODES } from './errors';

/** Why an iterative method stopped, in the native Reason enum's order (the `reason` slot holds the index). */
export const REASONS = [
  'rtol',
  'atol',
  'max-iterations',
  'breakdown',
  'indefinite',
  'non-finite',
  'aborted',
  'time-limit',
  'stagnation',
  'tol',
  'optimal',
  'divergence',
] as const;

/** Krylov methods, by the index the krylov io's `method` slot holds. */
export const METHODS = [
  'cg',
  'bicgstab',
  'gmres',
  'minres',
  'conjugateDirection',
  'gcrotmk',
] as const;

/** @internal */
export const KRYLOV_PARAMS = [
  'method',
  'rows',
  'cols',
  'trusted',
  'omega',
  'rtol',
  'atol',
  'maxIterations',
  'history',
  'trueResidualEvery',
  'restart',
  'flexible',
  'memory',
  'timeLimitMs',
  'zeroStart',
  'recycle',
] as const;

/**
 * Stats of a Krylov, batch (per column) or sketch solve.
 * @internal
 */
export const SOLVE_STATS = [
  'reason',
  'iterations',
  'residualNorm',
  'matvecs',
  'elapsedMs',
] as const;

/** @internal */
export const BATCH_PARAMS = [
  'rows',
  'cols',
  'trusted',
  'k',
  'omega',
  'rtol',
  'atol',
  'maxIterations',
  'history',
  'trueResidualEvery',
  'timeLimitMs',
] as const;

/** @internal */
export const SKETCH_PARAMS = [
  'rows',
  'cols',
  'trusted',
  'sketch',
  'sampling',
  'blockSize',
  'seed',
  'rtol',
  'atol',
  'maxIterations',
  'history',
  'trueResidualEvery',
  'timeLimitMs',
] as const;

/** @internal */
export const POWER_PARAMS = [
  'rows',
  'cols',
  'trusted',
  'maxIterations',
  'rtol',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const POWER_STATS = [
  'reason',
  'iterations',
  'eigenvalue',
  'change',
  'matvecs',
  'elapsedMs',
] as const;

/** @internal */
export const EIGSH_PARAMS = [
  'rows',
  'cols',
  'trusted',
  'k',
  'which',
  'sigma',
  'tol',
  'maxIterations',
  'ncv',
  'seed',
  'hasV0',
  'timeLimitMs',
] as const;
/** @internal */
export const EIGSH_STATS = [
  'reason',
  'iterations',
  'matvecs',
  'nconv',
  'shiftInvert',
  'sigma',
  'ldlt',
  'nnzL',
  'elapsedMs',
] as const;
/** eigsh's `which`, by the index the eigsh io's `which` slot holds. @internal */
export const EIG_WHICH = ['largest', 'smallest', 'nearest'] as const;

/** @internal */
export const STATIONARY_PARAMS = [
  'rows',
  'cols',
  'trusted',
  'method',
  'omega',
  'sweep',
  'ordering',
  'rtol',
  'atol',
  'maxIterations',
  'history',
  'timeLimitMs',
  'zeroStart',
] as const;
/** Stationary methods, by the index the stationary io's `method` slot holds. */
export const STATIONARY_METHODS = ['jacobi', 'gaussSeidel', 'sor', 'ssor'] as const;
/** Gauss-Seidel sweep directions, by the index of the stationary io's `sweep` slot. */
export const SWEEPS = ['forward', 'backward', 'symmetric'] as const;
/** Row orderings of a sweep, by the index of the stationary io's `ordering` slot. */
export const ORDERINGS = ['natural', 'multicolor'] as const;

/**
 * Stats of every optimal-transport operation (per pair, for sinkhornBatch); `method` holds the
 * index in SINKHORN_METHODS of the method that ran.
 * @internal
 */
export const OT_STATS = [
  'reason',
  'iterations',
  'marginalError',
  'cost',
  'objective',
  'method',
  'warmupIterations',
  'newtonIterations',
  'cgIterations',
  'planNnz',
  'elapsedMs',
] as const;
/** @internal */
export const SINKHORN_PARAMS = [
  'n',
  'm',
  'method',
  'epsilon',
  'tol',
  'maxIterations',
  'checkEvery',
  'history',
  'warmStart',
  'timeLimitMs',
] as const;
/** @internal */
export const SINKHORN_BATCH_PARAMS = [
  'n',
  'm',
  'k',
  'method',
  'epsilon',
  'tol',
  'maxIterations',
  'checkEvery',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const SINKHORN_NEWTON_PARAMS = [
  'n',
  'm',
  'epsilon',
  'tol',
  'warmupIterations',
  'maxNewtonIterations',
  'sparsity',
  'cgRtol',
  'cgMaxIterations',
  'plan',
  'sparseDropTol',
  'history',
  'warmStart',
  'timeLimitMs',
] as const;
/** @internal */
export const EMD_PARAMS = ['n', 'm', 'maxIterations', 'timeLimitMs'] as const;
/** @internal */
export const COST_MATRIX_PARAMS = ['n', 'm', 'd', 'metric'] as const;
/** @internal */
export const LASSO_PARAMS = [
  'rows',
  'cols',
  'layout',
  'lambda',
  'l1Ratio',
  'tol',
  'maxIterations',
  'fitIntercept',
  'positive',
  'selection',
  'seed',
  'warmStart',
  'history',
  'timeLimitMs',
  'gram',
] as const;
/** @internal */
export const LASSO_STATS = [
  'reason',
  'iterations',
  'intercept',
  'objective',
  'dualGap',
  'tolGap',
  'outerIterations',
  'screened',
  'elapsedMs',
] as const;
/** @internal */
export const LOGISTIC_PARAMS = [
  'rows',
  'cols',
  'layout',
  'lambda',
  'tol',
  'maxIterations',
  'fitIntercept',
  'warmStart',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const LOGISTIC_STATS = [
  'reason',
  'iterations',
  'intercept',
  'objective',
  'dualGap',
  'tolGap',
  'lambdaMax',
  'epochs',
  'outerIterations',
  'elapsedMs',
] as const;
/**
 * Design layouts of the lasso io's `layout` slot (bcd::Layout).
 * @internal
 */
export const BCD_LAYOUTS = ['colMajor', 'rowMajor', 'csc'] as const;
/** Coordinate selection rules, by the index of the lasso io's `selection` slot. */
export const SELECTIONS = ['cyclic', 'random'] as const;
/** @internal */
export const GROUP_LASSO_PARAMS = [
  'rows',
  'cols',
  'layout',
  'groupsKind',
  'groupsLength',
  'lambda',
  'tol',
  'maxIterations',
  'fitIntercept',
  'warmStart',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const GROUP_LASSO_STATS = [
  'reason',
  'iterations',
  'intercept',
  'objective',
  'dualGap',
  'tolGap',
  'outerIterations',
  'screened',
  'groups',
  'elapsedMs',
] as const;
/**
 * How the group Lasso io's `groups` argument is read, by the index of its `groupsKind` slot.
 * @internal
 */
export const GROUP_KINDS = ['offsets', 'labels'] as const;
/** @internal */
export const PATH_PARAMS = [
  'rows',
  'cols',
  'layout',
  'l1Ratio',
  'nLambdas',
  'lambdaMinRatio',
  'givenLambdas',
  'tol',
  'maxIterations',
  'fitIntercept',
  'positive',
  'selection',
  'seed',
  'timeLimitMs',
] as const;
/** @internal */
export const PATH_STATS = ['reason', 'iterations', 'count', 'lambdaMax', 'elapsedMs'] as const;
/** @internal */
export const NNLS_PARAMS = [
  'rows',
  'cols',
  'layout',
  'tol',
  'maxIterations',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const NNLS_STATS = [
  'reason',
  'iterations',
  'residualNorm',
  'objective',
  'kkt',
  'kktTarget',
  'cdEpochs',
  'elapsedMs',
] as const;
/** @internal */
export const PROX_BCD_PARAMS = [
  'd',
  'rows',
  'smooth',
  'layout',
  'blocks',
  'prox',
  'backtracking',
  'order',
  'seed',
  'variance',
  'batchSize',
  'refreshEvery',
  'maxEpochs',
  'tol',
  'history',
  'timeLimitMs',
] as const;
/** @internal */
export const PROX_BCD_STATS = [
  'reason',
  'epochs',
  'gradientMappingNorm',
  'dataPasses',
  'matrixPasses',
  'objective',
  'elapsedMs',
] as const;
/** Smooth parts of proxBcd, by the index of its io's `smooth` slot (bcd::SmoothKind). */
export const PROX_SMOOTHS = ['least-squares', 'logistic', 'quadratic', 'callback'] as const;
/** Block prox kinds of proxBcd, by the index in its prox entries (bcd::ProxKind). */
export const PROX_KINDS = ['none', 'l1', 'group-l2', 'box', 'nonnegative'] as const;
/** Block-gradient estimators of proxBcd, by the index of its io's `variance` slot (bcd::VarianceKind). */
export const PROX_VARIANCES = ['exact', 'stochastic', 'recursive'] as const;
/** @internal */
export const MLP_PARAMS = [
  'rows',
  'cols',
  'outputs',
  'xLayout',
  'yLayout',
  'layers',
  'gamma',
  'rho',
  'alpha',
  'epochs',
  'init',
  'seed',
  'timeLimitMs',
] as const;
/** @internal */
export const MLP_STATS = ['reason', 'epochs', 'elapsedMs'] as const;
/** @internal */
export const MLP_PREDICT_PARAMS = ['rows', 'cols', 'layout', 'layers'] as const;
/** Initialisations of trainMlpBcd, by the index of its io's `init` slot (bcd::MlpInit). */
export const MLP_INITS = ['paper', 'he'] as const;
/** Sinkhorn methods, by the index the sinkhorn io's `method` slot (and the `method` stat) holds. */
export const SINKHORN_METHODS = [
  'auto',
  'scaling',
  'log',
  'stabilized',
  'epsilon-scaling',
] as const;
/** Ground metrics of costMatrix, by the index of the costMatrix io's `metric` slot. */
export const METRICS = ['sqeuclidean', 'euclidean', 'cityblock'] as const;
/**
 * The plan a Sinkhorn-Newton run returns, by the index of its io's `plan` slot.
 * @internal
 */
export const PLAN_KINDS = ['none', 'dense', 'sparse'] as const;

/**
 * Name → index of a list of slot names.
 * @internal
 */
export type IndexOf<L extends readonly string[]> = { readonly [K in L[number]]: number };

function indexOf<const L extends readonly string[]>(list: L): IndexOf<L> {
  const m: Record<string, number> = {};
  list.forEach((name, i) => (m[name] = i));
  return Object.freeze(m) as IndexOf<L>;
}

/**
 * One operation's slots: `p.x` is parameter x's index in io, `s.y` stat y's index counted from the first stat.
 * @internal
 */
export interface Slots<P extends readonly string[], S extends readonly string[]> {
  readonly params: P;
  readonly stats: S;
  readonly p: IndexOf<P>;
  readonly s: IndexOf<S>;
}

function slots<const P extends readonly string[], const S extends readonly string[]>(
  params: P,
  stats: S,
): Slots<P, S> {
  return Object.freeze({ params, stats, p: indexOf(params), s: indexOf(stats) });
}

/** @internal */
export const KRYLOV = slots(KRYLOV_PARAMS, SOLVE_STATS);
/** @internal */
export const BATCH = slots(BATCH_PARAMS, SOLVE_STATS);
/** @internal */
export const SKETCH = slots(SKETCH_PARAMS, SOLVE_STATS);
/** @internal */
export const POWER = slots(POWER_PARAMS, POWER_STATS);
/** @internal */
export const EIGSH = slots(EIGSH_PARAMS, EIGSH_STATS);
/** @internal */
export const STATIONARY = slots(STATIONARY_PARAMS, SOLVE_STATS);
/** @internal */
export const SINKHORN = slots(SINKHORN_PARAMS, OT_STATS);
/** @internal */
export const SINKHORN_BATCH = slots(SINKHORN_BATCH_PARAMS, OT_STATS);
/** @internal */
export const SINKHORN_NEWTON = slots(SINKHORN_NEWTON_PARAMS, OT_STATS);
/** @internal */
export const EMD = slots(EMD_PARAMS, OT_STATS);
/** @internal */
export const COST_MATRIX = slots(COST_MATRIX_PARAMS, [] as const);
/** @internal */
export const LASSO = slots(LASSO_PARAMS, LASSO_STATS);
/** @internal */
export const LOGISTIC = slots(LOGISTIC_PARAMS, LOGISTIC_STATS);
/** @internal */
export const GROUP_LASSO = slots(GROUP_LASSO_PARAMS, GROUP_LASSO_STATS);
/** @internal */
export const LASSO_PATH = slots(PATH_PARAMS, PATH_STATS);
/** @internal */
export const NNLS = slots(NNLS_PARAMS, NNLS_STATS);
/** @internal */
export const PROX_BCD = slots(PROX_BCD_PARAMS, PROX_BCD_STATS);
/** @internal */
export const MLP = slots(MLP_PARAMS, MLP_STATS);
/** @internal */
export const MLP_PREDICT = slots(MLP_PREDICT_PARAMS, [] as const);

/**
 * Method name → the `method` slot's value.
 * @internal
 */
export const METHOD_INDEX = indexOf(METHODS);
/**
 * Stop reason → the `reason` stat's value.
 * @internal
 */
export const REASON_INDEX = indexOf(REASONS);
/**
 * Stationary method, sweep and ordering name → the value of its io slot.
 * @internal
 */
export const STATIONARY_INDEX = Object.freeze({
  method: indexOf(STATIONARY_METHODS),
  sweep: indexOf(SWEEPS),
  ordering: indexOf(ORDERINGS),
});

/**
 * Sinkhorn method, metric and plan kind name → the value of its io slot.
 * @internal
 */
export const OT_INDEX = Object.freeze({
  method: indexOf(SINKHORN_METHODS),
  metric: indexOf(METRICS),
  plan: indexOf(PLAN_KINDS),
});

/**
 * The same object the addon exports as `layout` (what test/layout.test.ts compares).
 * @internal
 */
export const LAYOUT = {
  reasons: REASONS,
  errorCodes: ERROR_CODES,
  methods: METHODS,
  krylov: { params: KRYLOV_PARAMS, stats: SOLVE_STATS },
  batch: { params: BATCH_PARAMS, stats: SOLVE_STATS },
  sketch: { params: SKETCH_PARAMS, stats: SOLVE_STATS },
  power: { params: POWER_PARAMS, stats: POWER_STATS },
  eigsh: { params: EIGSH_PARAMS, stats: EIGSH_STATS, which: EIG_WHICH },
  stationary: {
    params: STATIONARY_PARAMS,
    stats: SOLVE_STATS,
    methods: STATIONARY_METHODS,
    sweeps: SWEEPS,
    orderings: ORDERINGS,
  },
  sinkhorn: { params: SINKHORN_PARAMS, stats: OT_STATS, methods: SINKHORN_METHODS },
  sinkhornBatch: { params: SINKHORN_BATCH_PARAMS, stats: OT_STATS },
  sinkhornNewton: { params: SINKHORN_NEWTON_PARAMS, stats: OT_STATS, plans: PLAN_KINDS },
  emd: { params: EMD_PARAMS, stats: OT_STATS },
  costMatrix: { params: COST_MATRIX_PARAMS, metrics: METRICS },
  lasso: { params: LASSO_PARAMS, stats: LASSO_STATS, layouts: BCD_LAYOUTS, selections: SELECTIONS },
  logisticL1: { params: LOGISTIC_PARAMS, stats: LOGISTIC_STATS },
  groupLasso: { params: GROUP_LASSO_PARAMS, stats: GROUP_LASSO_STATS, groupKinds: GROUP_KINDS },
  lassoPath: { params: PATH_PARAMS, stats: PATH_STATS },
  nnls: { params: NNLS_PARAMS, stats: NNLS_STATS },
  proxBcd: {
    params: PROX_BCD_PARAMS,
    stats: PROX_BCD_STATS,
    smooths: PROX_SMOOTHS,
    proxes: PROX_KINDS,
    variances: PROX_VARIANCES,
  },
  trainMlp: { params: MLP_PARAMS, stats: MLP_STATS, inits: MLP_INITS },
  mlpPredict: { params: MLP_PREDICT_PARAMS },
} as const;
