/**
 * Training ReLU networks by block coordinate descent (Zeng, Lau, Lin, Yao, "Global convergence of
 * block coordinate descent in deep learning", ICML 2019; native/bcd/mlp.hpp), the updates of the
 * authors' code (deeplearning-math/bcd_dnn).
 *
 * The network has N = hidden.length + 1 layers: f(x) = W_N σ(… σ(W_1 x + b_1) …) + b_N, σ = ReLU
 * (the output layer is linear). With the samples as columns (V_0 = Xᵀ, d × n; Y as k × n), BCD
 * minimises the three-splitting objective over W_i, b_i and the auxiliary U_i (pre-activations),
 * V_i (activations):
 *
 *     ½‖V_N − Y‖² + Σ_{i<N} (γ/2)‖V_i − σ(U_i)‖² + (γ/2)‖V_N − U_N‖²
 *                 + Σ_i (ρ/2)‖U_i − W_i V_{i−1} − b_i1ᵀ‖²        (Frobenius norms)
 *
 * One epoch is a backward sweep, every step the exact minimiser of its block plus a proximal
 * term (α/2)‖x − x⁰‖² (x⁰ the block's value before the step), so the split objective never
 * increases from one epoch to the next:
 *
 *     V_N = (Y + γU_N + αV_N)/(1 + γ + α)
 *     U_N = (γV_N + ρ(W_N V_{N−1} + b_N1ᵀ))/(γ + ρ)
 *     W_i = (αW_i + ρ(U_i − b_i1ᵀ)V_{i−1}ᵀ)(αI + ρV_{i−1}V_{i−1}ᵀ)⁻¹
 *     b_i = (αb_i + ρ(U_i − W_i V_{i−1})1)/(ρn + α)
 *     then for i = N−1 … 1:
 *     V_i = (γI + ρW_{i+1}ᵀW_{i+1})⁻¹[γσ(U_i) + ρW_{i+1}ᵀ(U_{i+1} − b_{i+1}1ᵀ)]
 *     U_i = argmin_u (γ/2)(v − σ(u))² + (ρ/2)(u − W_i V_{i−1} − b_i)² + (α/2)(u − u⁰)²
 *           elementwise (the u ≥ 0 and u ≤ 0 branches in closed form, the smaller taken)
 *     W_i, b_i as above.
 *
 * The split objective is not the network's loss: `networkLoss` reports ½‖f(X) − Y‖² of the
 * trained network's own forward pass per epoch, which need not fall when the split objective does.
 * Initialisation: 'paper' W = 0.01·randn, b = 0.1 (the paper's); 'he' W = randn·√(2/fan_in),
 * b = 0; then U, V by a forward pass. Random numbers come from mt19937_64(seed), the same on every
 * platform; the dense products go through the addon's blocked, threaded GEMM (deterministic: the
 * same seed gives the same weights whatever the thread count).
 */
import { AsyncOptions, Progress, runJob } from './async';
import { checkDense, DenseMatrix } from './dense';
import { fromNative, ItersolveError } from './errors';
import { BCD_LAYOUTS, MLP, MLP_INITS, MLP_PREDICT, REASONS } from './layout';
import { native } from './native';
import { checkOptions } from './options';
import * as v from './validate';

/** Options of {@link trainMlpBcdSync}. */
export interface TrainMlpOptions {
  /** Widths of the hidden ReLU layers, e.g. [256, 256] (each ≥ 1; [] gives a linear model). Required. */
  hidden: readonly number[] | Int32Array;
  /** γ > 0, the weight of the activation terms (γ/2)‖V_i − σ(U_i)‖². Default 1. */
  gamma?: number;
  /** ρ > 0, the weight of the linear terms (ρ/2)‖U_i − W_i V_{i−1} − b_i1ᵀ‖². Default 1. */
  rho?: number;
  /** α > 0, the weight of every update's proximal term (α/2)‖x − x⁰‖². Default 0.01. */
  alpha?: number;
  /** Epochs (backward sweeps); reason 'max-iterations' after the last. Default 100. */
  epochs?: number;
  /** 'paper' (W = 0.01·randn, b = 0.1; the default) or 'he' (W = randn·√(2/fan_in), b = 0). */
  init?: (typeof MLP_INITS)[number];
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /** Stop after this many milliseconds (reason 'time-limit'; the epochs done are kept). */
  timeLimitMs?: number;
}

/** What onProgress receives once per epoch (throttled: at most 20 reports a second). */
export interface MlpProgress extends Progress {
  /** The split objective after epoch `iteration` (also `value`). */
  objective: number;
  /** ½‖f(X) − Y‖² of the network after epoch `iteration`. */
  networkLoss: number;
}

/** Options of {@link trainMlpBcd}: those of the Sync form, a signal and per-epoch progress. */
export interface TrainMlpAsyncOptions extends TrainMlpOptions, Omit<AsyncOptions, 'onProgress'> {
  /** Called on the main thread after an epoch (at most 20 times a second). */
  onProgress?: (p: MlpProgress) => void;
}

/** One layer x ↦ W x + b (then ReLU, except after the last layer). */
export interface MlpLayer {
  /** rows × cols, row-major (rows = this layer's width, cols = the previous one's). */
  W: Float64Array;
  /** rows entries. */
  b: Float64Array;
  rows: number;
  cols: number;
}

/** What trainMlpBcd returns. */
export interface MlpResult {
  /** The layers, input first (views of one Float64Array; predict reads them as they are then). */
  weights: MlpLayer[];
  /** The split objective after each epoch (non-increasing). */
  objective: Float64Array;
  /** ½‖f(X) − Y‖² of the network's own forward pass after each epoch. */
  networkLoss: Float64Array;
  /** Epochs completed. */
  epochs: number;
  /** The same count under the shared result shape's name. */
  iterations: number;
  /**
   * Always false: training runs a fixed number of epochs and has no convergence test (the shared
   * result shape's field; read `objective` / `networkLoss`).
   */
  converged: false;
  /** 'max-iterations' after every epoch; 'time-limit', or 'aborted' (on an AbortError's result). */
  reason: 'max-iterations' | 'time-limit' | 'aborted';
  elapsedMs: number;
  /** The network's output f(X) for X (rows × inputs, 'C' or 'F'): rows × outputs, row-major. */
  predict(X: DenseMatrix): Float64Array;
}

const P = MLP.p;
const S = MLP.s;
const STATS = MLP.params.length;
const IO_LENGTH = STATS + MLP.stats.length;
const COL_MAJOR = BCD_LAYOUTS.indexOf('colMajor');
const ROW_MAJOR = BCD_LAYOUTS.indexOf('rowMajor');

type Prepared = {
  args: [
    Float64Array,
    Float64Array,
    Int32Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  io: Float64Array;
  dims: Int32Array;
  params: Float64Array;
  objective: Float64Array;
  networkLoss: Float64Array;
  o: ReturnType<typeof checkOptions>;
};

function prepare(X: unknown, Y: unknown, options: unknown, sync: boolean): Prepared {
  const Xd = checkDense('X', X);
  const Yd = checkDense('Y', Y);
  if (Yd.rows !== Xd.rows)
    throw v.mismatch(
      'Y',
      `${Xd.rows} rows (as X)`,
      `${Yd.rows} rows (a ${Yd.rows}×${Yd.cols} matrix)`,
    );
  if (Xd.rows < 1 || Xd.cols < 1)
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `X: expected at least one row and one column, received a ${Xd.rows}×${Xd.cols} matrix`,
      { argument: 'X' },
    );
  if (Yd.cols < 1)
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `Y: expected at least one column, received a ${Yd.rows}×0 matrix`,
      { argument: 'Y' },
    );
  const o = checkOptions('trainMlpBcd', options, sync, Xd.cols, Xd.rows);
  if (o.hidden === undefined) throw v.invalid('hidden', 'an array of integers >= 1', undefined);
  const dims = Int32Array.from([Xd.cols, ...o.hidden, Yd.cols]);
  let total = 0;
  for (let i = 1; i < dims.length; i++) total += dims[i] * (dims[i - 1] + 1);
  const params = new Float64Array(total);
  const objective = new Float64Array(o.epochs);
  const networkLoss = new Float64Array(o.epochs);
  const io = new Float64Array(IO_LENGTH);
  io[P.rows] = Xd.rows;
  io[P.cols] = Xd.cols;
  io[P.outputs] = Yd.cols;
  io[P.xLayout] = Xd.order === 'F' ? COL_MAJOR : ROW_MAJOR;
  io[P.yLayout] = Yd.order === 'F' ? COL_MAJOR : ROW_MAJOR;
  io[P.layers] = dims.length - 1;
  io[P.gamma] = o.gamma;
  io[P.rho] = o.rho;
  io[P.alpha] = o.alpha;
  io[P.epochs] = o.epochs;
  io[P.init] = MLP_INITS.indexOf(o.init);
  io[P.seed] = o.seed;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  return {
    args: [Xd.data, Yd.data, dims, params, objective, networkLoss, io],
    io,
    dims,
    params,
    objective,
    networkLoss,
    o,
  };
}

/** The layers as views of params (W_i then b_i, i = 1..N). */
function layers(dims: Int32Array, params: Float64Array): MlpLayer[] {
  const out: MlpLayer[] = [];
  let at = 0;
  for (let i = 1; i < dims.length; i++) {
    const rows = dims[i];
    const cols = dims[i - 1];
    const W = params.subarray(at, at + rows * cols);
    at += rows * cols;
    const b = params.subarray(at, at + rows);
    at += rows;
    out.push({ W, b, rows, cols });
  }
  return out;
}

function predictor(dims: Int32Array, params: Float64Array): (X: DenseMatrix) => Float64Array {
  const io = new Float64Array(MLP_PREDICT.params.length);
  return (X) => {
    const Xd = checkDense('X', X, undefined, dims[0]);
    const out = new Float64Array(Xd.rows * dims[dims.length - 1]);
    io[MLP_PREDICT.p.rows] = Xd.rows;
    io[MLP_PREDICT.p.cols] = Xd.cols;
    io[MLP_PREDICT.p.layout] = Xd.order === 'F' ? COL_MAJOR : ROW_MAJOR;
    io[MLP_PREDICT.p.layers] = dims.length - 1;
    try {
      native().mlpPredict(Xd.data, dims, params, out, io);
    } catch (e) {
      throw fromNative(e);
    }
    return out;
  };
}

function result(p: Prepared): MlpResult {
  const epochs = p.io[STATS + S.epochs];
  const trim = (a: Float64Array) => (epochs === a.length ? a : a.slice(0, epochs));
  return {
    weights: layers(p.dims, p.params),
    objective: trim(p.objective),
    networkLoss: trim(p.networkLoss),
    epochs,
    iterations: epochs,
    converged: false,
    reason: REASONS[p.io[STATS + S.reason]] as MlpResult['reason'],
    elapsedMs: p.io[STATS + S.elapsedMs],
    predict: predictor(p.dims, p.params),
  };
}

/**
 * Trains a ReLU network f with the given hidden widths on X (n × d: one sample a row) and Y
 * (n × k, e.g. one-hot labels) by block coordinate descent on the three-splitting objective (see
 * the module comment), `epochs` backward sweeps. Runs on the calling thread.
 */
export function trainMlpBcdSync(
  X: DenseMatrix,
  Y: DenseMatrix,
  options: TrainMlpOptions,
): MlpResult {
  const p = prepare(X, Y, options, true);
  try {
    native().trainMlp(...p.args);
  } catch (e) {
    throw fromNative(e);
  }
  return result(p);
}

/**
 * Promise form of {@link trainMlpBcdSync}: runs off the event loop; onProgress receives each
 * epoch's split objective and network loss; signal rejects with an AbortError whose `result` is
 * the network after the epochs done; timeLimitMs stops after the epoch in progress.
 */
export function trainMlpBcd(
  X: DenseMatrix,
  Y: DenseMatrix,
  options: TrainMlpAsyncOptions,
): Promise<MlpResult> {
  let p: Prepared;
  try {
    p = prepare(X, Y, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  const user = p.o.onProgress as ((q: MlpProgress) => void) | undefined;
  // Each epoch's figures are in the arrays before its report is posted.
  const onProgress =
    user &&
    ((q: Progress) =>
      user({
        ...q,
        objective: p.objective[q.iteration - 1],
        networkLoss: p.networkLoss[q.iteration - 1],
      }));
  return runJob(
    { signal: p.o.signal, timeLimitMs: p.o.timeLimitMs, onProgress },
    (opts) => native().trainMlpAsync(...p.args, opts),
    () => result(p),
  );
}
