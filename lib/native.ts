import * as path from 'path';
import { ItersolveError } from './errors';

/** Shape of the compiled addon (bindings/addon.cpp). Internal: use the typed facades. */
export interface NativeCsr {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

export interface NativeCsc {
  rows: number;
  cols: number;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  values: Float64Array;
}

export interface NativeCancel {
  abort(): void;
  readonly aborted: boolean;
}

export interface NativeJobOptions {
  cancel?: NativeCancel;
  timeLimitMs?: number;
  onProgress?: (p: { iteration: number; total?: number; value: number; fraction?: number }) => void;
}

export interface NativePreconditioner {
  apply(r: Float64Array, z: Float64Array): Float64Array;
  readonly kind: string;
  readonly size: number;
  /** Diagonal shift α the factorisation used (0: none). */
  readonly shift: number;
}

type P = unknown; // null | kind string | NativePreconditioner | (r, z) => void

type M = [
  rows: number,
  cols: number,
  rowPtr: Int32Array,
  colIdx: Int32Array,
  values: Float64Array,
  trusted: boolean,
];

type C = [
  rows: number,
  cols: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  values: Float64Array,
  trusted: boolean,
];

/** The addon's `layout`: slot names of every io array, reason names and error codes (see lib/layout.ts). */
export interface NativeLayout {
  reasons: string[];
  errorCodes: string[];
  methods: string[];
  krylov: { params: string[]; stats: string[] };
  batch: { params: string[]; stats: string[] };
  sketch: { params: string[]; stats: string[] };
  power: { params: string[]; stats: string[] };
  stationary: {
    params: string[];
    stats: string[];
    methods: string[];
    sweeps: string[];
    orderings: string[];
  };
  sinkhorn: { params: string[]; stats: string[]; methods: string[] };
  sinkhornBatch: { params: string[]; stats: string[] };
  sinkhornNewton: { params: string[]; stats: string[]; plans: string[] };
  emd: { params: string[]; stats: string[] };
  costMatrix: { params: string[]; metrics: string[] };
}

/** What lassoPath / lassoPathAsync resolve to (bindings/bcd_path.cpp). */
export interface NativePathResult {
  intercepts: Float64Array;
  objectives: Float64Array;
  dualGaps: Float64Array;
  iterations: Float64Array;
  reasons: Float64Array;
}

/** The Promise form's arguments of a binding: its own, then the job options. */
export type WithJob<A extends unknown[]> = [...A, options: NativeJobOptions];

/**
 * A design matrix in the three argument slots of the coordinate-descent bindings (lib/design.ts
 * designArgs, bindings/bcd_common.hpp read_design): the dense data; or colPtr, rowIdx, values.
 */
export type NativeDesign = [
  X0: Float64Array | Int32Array,
  X1: Int32Array | null,
  X2: Float64Array | null,
];
/** X, y and sampleWeight: the first five arguments of every coordinate-descent estimator. */
export type NativeFitData = [...NativeDesign, y: Float64Array, sampleWeight: Float64Array | null];
/** The penalty factors and box bounds of lasso and its paths (cols entries each, or null). */
type NativeLassoExtras = [
  penaltyFactor: Float64Array | null,
  lower: Float64Array | null,
  upper: Float64Array | null,
];
export type NativeLassoArgs = [
  ...NativeFitData,
  ...NativeLassoExtras,
  coef: Float64Array,
  io: Float64Array,
];
export type NativePathArgs = [
  ...NativeFitData,
  ...NativeLassoExtras,
  lambdas: Float64Array,
  coefs: Float64Array,
  io: Float64Array,
];
export type NativeLogisticArgs = [...NativeFitData, coef: Float64Array, io: Float64Array];
export type NativeGroupLassoArgs = [
  ...NativeFitData,
  groups: Int32Array,
  groupWeights: Float64Array | null,
  coef: Float64Array,
  io: Float64Array,
];
export type NativeNnlsArgs = [...NativeDesign, b: Float64Array, x: Float64Array, io: Float64Array];
export type NativeMlpArgs = [
  X: Float64Array,
  Y: Float64Array,
  dims: Int32Array,
  params: Float64Array,
  objective: Float64Array,
  networkLoss: Float64Array,
  io: Float64Array,
];
/** What a coordinate-descent fit resolves to (its figures are in io's stats). */
export interface NativeFitOut {
  history?: Float64Array;
}
export interface NativeGroupLassoOut extends NativeFitOut {
  activeGroups: Int32Array;
}

export interface NativeBinding {
  Cancel: new () => NativeCancel;
  layout: NativeLayout;
  info(): {
    simd: string;
    simdSupported: string[];
    simdDetected: string;
    threads: number;
    defaultThreads: number;
    napiVersion: number;
  };
  setSimd(name: string): string;
  setThreads(n: number): void;
  getThreads(): number;
  jobStats(): { running: number; queued: number; pending: number };
  /** The process-wide compute pool: thread limit, workers, threads computing now and the most seen (reset with true), waiting jobs, environments sharing it. */
  poolStats(resetMax?: boolean): {
    limit: number;
    workers: number;
    computing: number;
    maxConcurrent: number;
    waiting: number;
    environments: number;
  };
  csrValidate(
    rows: number,
    cols: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    flags: number,
  ): void;
  csrFromCoo(
    rows: number,
    cols: number,
    rowIdx: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
  ): NativeCsr;
  csrFromDense(rows: number, cols: number, data: Float64Array): NativeCsr;
  csrToDense(...args: [...M, Float64Array]): Float64Array;
  csrTranspose(...args: M): NativeCsr;
  csrDiagonal(...args: [...M, Float64Array]): Float64Array;
  csrIsSymmetric(...args: [...M, number]): boolean;
  csrAdd(...args: [...M, ...M, number, number]): NativeCsr;
  csrMatmul(...args: [...M, ...M]): NativeCsr;
  csrSlice(...args: [...M, Int32Array | null, Int32Array | null]): NativeCsr;
  csrKron(...args: [...M, ...M]): NativeCsr;
  csrStack(matrices: M[], horizontal: boolean): NativeCsr;
  csrIdentity(n: number): NativeCsr;
  csrDiagonalMatrix(d: Float64Array): NativeCsr;
  csrSetDiagonal(...args: [...M, Float64Array, number]): NativeCsr;
  spmv(...args: [...M, Float64Array, Float64Array]): Float64Array;
  spmvTranspose(...args: [...M, Float64Array, Float64Array]): Float64Array;
  cscValidate(
    rows: number,
    cols: number,
    colPtr: Int32Array,
    rowIdx: Int32Array,
    values: Float64Array,
    flags: number,
  ): void;
  cscFromCoo(
    rows: number,
    cols: number,
    rowIdx: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
  ): NativeCsc;
  cscFromDense(rows: number, cols: number, data: Float64Array, colMajor: boolean): NativeCsc;
  cscToDense(...args: [...C, Float64Array, boolean]): Float64Array;
  cscFromCsr(...args: M): NativeCsc;
  cscToCsr(...args: C): NativeCsr;
  cscSpmv(...args: [...C, Float64Array, Float64Array, boolean]): Float64Array;
  cscSpmvTranspose(...args: [...C, Float64Array, Float64Array]): Float64Array;
  dot(x: Float64Array, y: Float64Array): number;
  nrm2(x: Float64Array): number;
  sum(x: Float64Array): number;
  axpy(a: number, x: Float64Array, y: Float64Array): Float64Array;
  axpby(a: number, x: Float64Array, b: number, y: Float64Array): Float64Array;
  /** `nonFiniteLine`/`nonFiniteText`: the first NaN/Inf value's line and text, when the file has one. */
  mmRead(source: string | Uint8Array, isText: boolean): NativeMmResult;
  mmReadAsync(
    source: string | Uint8Array,
    isText: boolean,
    options: NativeJobOptions,
  ): Promise<NativeMmResult>;
  mmWrite(
    path: string | null,
    rows: number,
    cols: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    trusted: boolean,
    symmetric: boolean,
    comment: string | undefined,
  ): string | undefined;
  NativePreconditioner: new (kind: string, ...args: [...M, omega: number]) => NativePreconditioner;
  // Solvers: every number travels in one Float64Array `io` (params, then stats) named by `layout`.
  krylov(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    b: Float64Array,
    x: Float64Array,
    io: Float64Array,
    precond?: P,
  ): Float64Array | undefined;
  krylovAsync(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      b: Float64Array,
      x: Float64Array,
      io: Float64Array,
      precond: P,
      options: NativeJobOptions,
    ]
  ): Promise<Float64Array | undefined>;
  cgBatch(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      B: Float64Array,
      X: Float64Array,
      io: Float64Array,
      stats: Float64Array,
      precond?: P,
    ]
  ): Float64Array[] | undefined;
  cgBatchAsync(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      B: Float64Array,
      X: Float64Array,
      io: Float64Array,
      stats: Float64Array,
      precond: P,
      options: NativeJobOptions,
    ]
  ): Promise<Float64Array[] | undefined>;
  sketchSolve(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    b: Float64Array,
    x: Float64Array,
    io: Float64Array,
  ): Float64Array | undefined;
  sketchSolveAsync(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      b: Float64Array,
      x: Float64Array,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<Float64Array | undefined>;
  stationary(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    b: Float64Array,
    x: Float64Array,
    io: Float64Array,
  ): Float64Array | undefined;
  stationaryAsync(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      b: Float64Array,
      x: Float64Array,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<Float64Array | undefined>;
  // Optimal transport (bindings/ot.cpp): a, b, C read, f, g (and a dense plan) written in place.
  sinkhorn(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      plan: Float64Array | null,
      io: Float64Array,
    ]
  ): NativeOtRun;
  sinkhornAsync(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      plan: Float64Array | null,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<NativeOtRun>;
  sinkhornBatch(
    ...args: [
      A: Float64Array,
      B: Float64Array,
      C: Float64Array,
      F: Float64Array,
      G: Float64Array,
      io: Float64Array,
      stats: Float64Array,
    ]
  ): { history?: Float64Array[] };
  sinkhornBatchAsync(
    ...args: [
      A: Float64Array,
      B: Float64Array,
      C: Float64Array,
      F: Float64Array,
      G: Float64Array,
      io: Float64Array,
      stats: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<{ history?: Float64Array[] }>;
  sinkhornNewton(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      plan: Float64Array | null,
      io: Float64Array,
    ]
  ): NativeOtRun;
  sinkhornNewtonAsync(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      plan: Float64Array | null,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<NativeOtRun>;
  emd(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      io: Float64Array,
    ]
  ): NativeOtRun & { plan: NativeCsr };
  emdAsync(
    ...args: [
      a: Float64Array,
      b: Float64Array,
      C: Float64Array,
      f: Float64Array,
      g: Float64Array,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<NativeOtRun & { plan: NativeCsr }>;
  costMatrix(X: Float64Array, Y: Float64Array, out: Float64Array, io: Float64Array): Float64Array;
  // BCD training of ReLU networks (bindings/mlp.cpp): X, Y dense by io's xLayout / yLayout,
  // dims the widths h_0..h_N; params (every W_i row-major then b_i), objective and networkLoss
  // (one entry per epoch) written in place. mlpPredict writes f(X) row-major into out.
  trainMlp(...args: NativeMlpArgs): undefined;
  trainMlpAsync(...args: WithJob<NativeMlpArgs>): Promise<undefined>;
  mlpPredict(
    X: Float64Array,
    dims: Int32Array,
    params: Float64Array,
    out: Float64Array,
    io: Float64Array,
  ): undefined;
  // Lasso / elastic net (bindings/bcd.cpp): coef written in place (read first with warmStart).
  lasso(...args: NativeLassoArgs): NativeFitOut;
  lassoAsync(...args: WithJob<NativeLassoArgs>): Promise<NativeFitOut>;
  // Group Lasso (bindings/group_lasso.cpp): groups offsets or labels by io's groupsKind; coef
  // written in place; io's GROUP_LASSO stats written at the end.
  groupLasso(...args: NativeGroupLassoArgs): NativeGroupLassoOut;
  groupLassoAsync(...args: WithJob<NativeGroupLassoArgs>): Promise<NativeGroupLassoOut>;
  // bindings/bcd_path.cpp: per-λ figures (count entries); reasons as REASONS indices.
  lassoPath(...args: NativePathArgs): NativePathResult;
  lassoPathAsync(...args: WithJob<NativePathArgs>): Promise<NativePathResult>;
  // l1-logistic regression (bindings/logistic.cpp): y the labels (±1 or 0/1); coef written in
  // place (the start with io's warmStart); io's LOGISTIC stats written at the end.
  logisticL1(...args: NativeLogisticArgs): NativeFitOut;
  logisticL1Async(...args: WithJob<NativeLogisticArgs>): Promise<NativeFitOut>;
  // Non-negative least squares (bindings/bcd.cpp): A as lasso's X, x written in place.
  nnls(...args: NativeNnlsArgs): NativeFitOut;
  nnlsAsync(...args: WithJob<NativeNnlsArgs>): Promise<NativeFitOut>;
  // bcd::lambda_max with io's lasso params rows, cols, layout, l1Ratio, fitIntercept, positive.
  lambdaMax(
    ...args: [...NativeFitData, penaltyFactor: Float64Array | null, io: Float64Array]
  ): number;
  powerIteration(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    x: Float64Array,
    io: Float64Array,
  ): Float64Array | undefined;
  powerIterationAsync(
    ...args: [
      rowPtr: Int32Array,
      colIdx: Int32Array,
      values: Float64Array,
      x: Float64Array,
      io: Float64Array,
      options: NativeJobOptions,
    ]
  ): Promise<Float64Array | undefined>;
}

/** What an optimal-transport operation resolves to (its figures are in io's stats). */
export interface NativeOtRun {
  history?: Float64Array;
  /** sinkhornNewton with plan 'sparse', emd. */
  plan?: NativeCsr;
}

/** What mmRead returns. */
export type NativeMmResult = NativeCsr & {
  header: MatrixMarketHeader;
  nonFiniteLine?: number;
  nonFiniteText?: string;
};

/** Header of a Matrix Market file as read. */
export interface MatrixMarketHeader {
  format: 'coordinate' | 'array';
  field: 'real' | 'integer' | 'pattern';
  symmetry: 'general' | 'symmetric' | 'skew-symmetric';
  /** Entries listed in the file (before symmetric expansion). */
  entries: number;
}

let cached: NativeBinding | undefined;

/** Root of the installed package: the nearest folder above this file with itersolve's package.json. */
export const packageRoot: string = (() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    try {
      if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'itersolve') return dir;
    } catch {
      /* not here */
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, '..', '..');
    dir = up;
  }
})();

/**
 * The addon, loaded on first use: `ITERSOLVE_ADDON=/path/to/itersolve.node` (debug and sanitizer
 * builds) or node-gyp-build's search (prebuilds/<platform>-<arch>/ first, then build/Release).
 */
export function native(): NativeBinding {
  if (cached !== undefined) return cached;
  try {
    const override = process.env.ITERSOLVE_ADDON;
    /* eslint-disable @typescript-eslint/no-require-imports -- the addon is loaded at run time */
    cached = (
      override ? require(path.resolve(override)) : require('node-gyp-build')(packageRoot)
    ) as NativeBinding;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (e) {
    throw new ItersolveError(
      'ERR_NATIVE_LOAD',
      `could not load the native addon (${(e as Error).message}). ` +
        'Reinstall to build it from source (needs python3, make and a C++17 compiler), or set ITERSOLVE_ADDON.',
      { cause: e },
    );
  }
  return cached;
}
