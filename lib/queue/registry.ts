/**
 * The methods a SolveQueue runs by name: every Promise-form entry point of the package whose
 * arguments and result can travel (lib/index.ts exports it with a Sync twin). Each entry names its
 * parameters (for error paths such as `options.preconditioner`), says which argument is the
 * options object (where `signal` and `onProgress` are taken off and wired to the queue), and
 * records the audit of its submit-time dry run: the client validates a job by calling the local
 * Promise form with an already-aborted signal, so a mistake gives the very error the local call
 * gives; every facade validates before runJob's "already aborted" check, and the notes say what
 * work the dry run does before that check (none of it a factorisation, a preconditioner build or
 * an iteration).
 */
import { ItersolveError } from '../errors';
import * as lib from '../index';
import { optionsOf } from '../options';
import type { Operation } from '../options';

/** @internal */
export interface QueueMethod {
  /** Parameter names, in order (the first segment of an error's argument path). */
  params: readonly string[];
  /** Index of the options argument. */
  options: number;
  /** What the dry run (validation with an aborted signal) does before it stops. */
  dryRun: string;
  /**
   * The result field that the option `out` becomes (the local call writes into `out` and returns
   * it): the client fills the caller's `out` and puts it there; `out` itself does not travel.
   */
  out?: string;
}

const KRYLOV_DRY =
  'checks A (O(1): a CsrMatrix is checked when built), b, the options table and the ' +
  "preconditioner spec (a kind string is built only inside the job); allocates x; minres's " +
  'checkSymmetry scans A once (O(nnz), the local call does the same before it starts)';
const STATIONARY_DRY = 'checks A, b and the options; allocates x (O(n))';
const OT_DRY =
  'checks a, b (O(n + m) histogram checks), C (a row-major copy when C is order F, as the local ' +
  'call) and the options; allocates f, g and the plan buffer (zero pages, not touched)';
const BCD_DRY =
  'checks X (a CsrMatrix is converted to CSC once, O(nnz), as the local call does), y and the ' +
  'options; allocates the coefficient buffers; no epoch runs';

const krylov = (): QueueMethod => ({
  params: ['A', 'b', 'options'],
  options: 2,
  dryRun: KRYLOV_DRY,
  out: 'x',
});
const stationary = (): QueueMethod => ({
  params: ['A', 'b', 'options'],
  options: 2,
  dryRun: STATIONARY_DRY,
  out: 'x',
});
const ot = (batch = false, out?: string): QueueMethod => ({
  params: batch ? ['A', 'B', 'C', 'options'] : ['a', 'b', 'C', 'options'],
  options: 3,
  dryRun: OT_DRY,
  ...(out ? { out } : {}),
});
const bcd = (x = 'X', y = 'y'): QueueMethod => ({
  params: [x, y, 'options'],
  options: 2,
  dryRun: BCD_DRY,
});

/** @internal the registry, by method name */
export const REGISTRY: Readonly<Record<string, QueueMethod>> = {
  cg: krylov(),
  bicgstab: krylov(),
  gmres: krylov(),
  minres: krylov(),
  gcrotmk: krylov(),
  conjugateDirection: krylov(),
  solveBy: { params: ['method', 'A', 'b', 'options'], options: 3, dryRun: KRYLOV_DRY, out: 'x' },
  cgBatch: {
    params: ['A', 'B', 'options'],
    options: 2,
    dryRun: 'checks A, B (n·k) and the options; allocates X (O(n·k))',
    out: 'x',
  },
  jacobi: stationary(),
  gaussSeidel: stationary(),
  sor: stationary(),
  ssor: stationary(),
  sketchSolve: {
    params: ['A', 'b', 'options'],
    options: 2,
    dryRun: 'checks A, b and the options; the sketch is drawn inside the job',
    out: 'x',
  },
  spsolve: {
    params: ['A', 'b', 'options'],
    options: 2,
    dryRun: 'checks A, b, columns and the options; the factorisation runs only inside the job',
    out: 'x',
  },
  eigsh: {
    params: ['A', 'options'],
    options: 1,
    dryRun:
      'checks A, k, which/sigma and v0 (one O(n) nonzero scan); allocates the Ritz buffers; ' +
      "shift-invert's factorisation of A − σI runs only inside the job",
  },
  powerIteration: {
    params: ['A', 'options'],
    options: 1,
    dryRun: 'checks A and the options; allocates x',
    out: 'vector',
  },
  sinkhorn: ot(false, 'plan'),
  sinkhornBatch: ot(true),
  sinkhornNewton: ot(false, 'plan'),
  emd: ot(),
  wasserstein: {
    params: ['a', 'b', 'C', 'options'],
    options: 3,
    dryRun: `${OT_DRY}; forms C^p elementwise (O(n·m), as the local call does before it starts)`,
    out: 'plan',
  },
  lasso: bcd(),
  elasticNet: bcd(),
  nnls: bcd('A', 'b'),
  logisticL1: bcd(),
  groupLasso: bcd(),
  lassoPath: {
    ...bcd(),
    dryRun: `${BCD_DRY}; the λ grid is set up (O(#λ)), λmax is computed inside the job`,
  },
  elasticNetPath: {
    ...bcd(),
    dryRun: `${BCD_DRY}; the λ grid is set up (O(#λ)), λmax is computed inside the job`,
  },
  proxBcd: {
    params: ['options'],
    options: 0,
    dryRun:
      'checks the problem spec (X, y, blocks, smooth and prox terms) and the options; allocates x',
  },
};

/**
 * Names of lib/index.ts with a Sync twin that the queue does not run, and why.
 * @internal
 */
export const EXCLUDED: Readonly<Record<string, string>> = {
  cholesky:
    'resolves with a CholeskyFactor, a native factorisation held by the process that built it ' +
    '(use spsolve through the queue)',
  lu: 'resolves with an LuFactor, a native factorisation held by the process that built it (use spsolve through the queue)',
  petscSolve:
    'runs its own scale-out: an MPI job over files, hosts and a program path local to the ' +
    'calling machine (workDir, hostfile, mpiexec), which mean nothing on a queue worker',
  readPetscBinary:
    "reads a file on the calling machine's filesystem: a path means nothing on a queue worker",
  writePetscBinary:
    "writes a file on the calling machine's filesystem: a path means nothing on a queue worker",
  trainMlpBcd:
    "the result's predict() is a closure over the trained parameters in the worker's memory; " +
    'no public constructor rebuilds it on the client',
};

/** Every method a SolveQueue runs, in registry order. */
export const QUEUE_METHODS: readonly string[] = Object.freeze(Object.keys(REGISTRY));

/**
 * The registry entry of `method`, or ERR_INVALID_ARGUMENT naming 'method' and listing the names.
 * @internal
 */
export function methodEntry(method: unknown): QueueMethod {
  if (typeof method === 'string' && Object.prototype.hasOwnProperty.call(REGISTRY, method))
    return REGISTRY[method];
  throw new ItersolveError(
    'ERR_INVALID_ARGUMENT',
    `method: expected one of ${QUEUE_METHODS.join(', ')}, received ${typeof method === 'string' ? JSON.stringify(method) : typeof method}`,
    { argument: 'method' },
  );
}

/**
 * Whether `method` takes onProgress (the options table says; solveBy runs a Krylov solver).
 * @internal
 */
export function takesProgress(method: string): boolean {
  const op = method === 'solveBy' ? 'cg' : method;
  return optionsOf(op as Operation).some((o) => o.key === 'onProgress');
}

/**
 * The local Promise form of `method`.
 * @internal
 */
export function localMethod(method: string): (...args: unknown[]) => Promise<unknown> {
  return (lib as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
}

const PROBE = Symbol('itersolve.queue.dryRun');

/**
 * Validates `args` for `method` exactly as the local call does: runs the local Promise form with
 * an already-aborted signal in place of the caller's. The facades check everything, then reach
 * runJob, which rejects at once with an AbortError whose cause is the probe's reason: that
 * rejection means "valid" (the promise resolves); any other rejection is the local call's own
 * error, and the promise rejects with it.
 * @internal
 */
export async function dryRun(method: string, args: unknown[]): Promise<void> {
  const entry = methodEntry(method);
  const a = args.slice();
  const i = entry.options;
  const given = a[i];
  const probe = AbortSignal.abort(PROBE);
  if (given === undefined || given === null) {
    a[i] = { signal: probe };
  } else if (typeof given === 'object' && !Array.isArray(given) && !ArrayBuffer.isView(given)) {
    const sig = (given as { signal?: unknown }).signal;
    // A caller's signal that is not an AbortSignal stays, for the local error that names it.
    if (sig === undefined || sig === null || sig instanceof AbortSignal)
      a[i] = { ...(given as object), signal: probe };
  }
  try {
    await localMethod(method)(...a);
  } catch (e) {
    if (e instanceof lib.AbortError && e.cause === PROBE && e.result === undefined) return;
    throw e;
  }
  throw new ItersolveError(
    'ERR_EXTERNAL',
    `${method}: the dry run resolved instead of stopping at the aborted signal`,
  );
}
