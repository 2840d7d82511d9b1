// The options table (lib/options.ts): defaults in one place, unknown keys and keys of other
// operations rejected by name, Promise-only options rejected by the Sync forms; and every mistake
// reads the same (code, argument, message, row) in the Sync and the Promise form of a solver.
import t from 'tap';
import {
  bicgstab,
  bicgstabSync,
  cg,
  cgBatch,
  cgBatchSync,
  cgSync,
  conjugateDirection,
  conjugateDirectionSync,
  CsrMatrix,
  gaussSeidel,
  gaussSeidelSync,
  gcrotmk,
  gcrotmkSync,
  gmres,
  gmresSync,
  ItersolveError,
  jacobi,
  jacobiSync,
  minres,
  minresSync,
  poisson2d,
  powerIteration,
  powerIterationSync,
  Preconditioner,
  sketchSolve,
  sketchSolveSync,
  sor,
  sorSync,
  ssor,
  ssorSync,
} from '../lib/index';
import {
  checkOptions,
  closest,
  editDistance,
  Operation,
  OPERATION_NAMES,
  OPTIONS,
  optionsOf,
  resolverFor,
  variantOf,
} from '../lib/options';
import { METHODS } from '../lib/layout';

const A = poisson2d(6);
const n = A.rows;
const b = new Float64Array(n).fill(1);

t.test('the table: every operation, key and CLI flag once', async (t) => {
  const keys = OPTIONS.map((o) => o.key);
  t.equal(new Set(keys).size, keys.length, 'keys are unique');
  const ops = Object.keys(OPERATION_NAMES) as Operation[];
  for (const o of OPTIONS) {
    t.ok(o.ops.length > 0 && o.ops.every((op) => ops.includes(op)), `${o.key}: known operations`);
    t.ok(o.doc.length > 10, `${o.key}: documented`);
    if (o.kind === 'enum') t.ok(o.values && o.values.length > 1, `${o.key}: values`);
  }
  for (const op of ops) {
    const flags = optionsOf(op)
      .map((o) => o.flag)
      .filter((f): f is string => f !== null);
    t.equal(new Set(flags).size, flags.length, `${op}: one option per CLI flag`);
    t.ok(
      flags.every((f) => /^--[a-z]+(-[a-z]+)*$/.test(f)),
      `${op}: flags are --kebab-case`,
    );
  }
  // The Promise-only options are exactly signal and onProgress, taken by every iterative operation.
  t.strictSame(
    OPTIONS.filter((o) => o.asyncOnly).map((o) => o.key),
    ['signal', 'onProgress'],
  );
  t.strictSame(
    optionsOf('cg', true).map((o) => o.key),
    [
      'x0',
      'out',
      'preconditioner',
      'rtol',
      'atol',
      'maxIterations',
      'history',
      'trueResidualEvery',
      'timeLimitMs',
    ],
  );
  t.strictSame(
    optionsOf('gcrotmk').map((o) => o.key),
    [
      'x0',
      'out',
      'preconditioner',
      'rtol',
      'atol',
      'maxIterations',
      'restart',
      'recycle',
      'history',
      'trueResidualEvery',
      'timeLimitMs',
      'signal',
      'onProgress',
    ],
  );
  t.strictSame(
    optionsOf('preconditioner').map((o) => o.key),
    ['omega'],
  );
  // The stationary methods: no preconditioner, no trueResidualEvery (their residual is the true one).
  t.strictSame(
    optionsOf('sor').map((o) => o.key),
    [
      'x0',
      'out',
      'omega',
      'ordering',
      'rtol',
      'atol',
      'maxIterations',
      'history',
      'timeLimitMs',
      'signal',
      'onProgress',
    ],
  );
  t.strictSame(
    optionsOf('gaussSeidel', true).map((o) => o.key),
    ['x0', 'out', 'sweep', 'ordering', 'rtol', 'atol', 'maxIterations', 'history', 'timeLimitMs'],
  );
  t.strictSame(
    optionsOf('jacobi', true).map((o) => o.key),
    ['x0', 'out', 'omega', 'rtol', 'atol', 'maxIterations', 'history', 'timeLimitMs'],
  );
  t.match(
    variantOf(
      OPTIONS.find((o) => o.key === 'rtol')!,
      'ssor',
    ).doc,
    /‖b − A x0‖₂/,
  );
});

t.test('defaults live in the table', async (t) => {
  for (const m of METHODS) {
    const o = checkOptions(m, {}, true, 50);
    t.same(
      [o.rtol, o.atol, o.maxIterations, o.history, o.trueResidualEvery],
      [1e-8, 0, 500, false, 0],
      `${m}: rtol 1e-8, atol 0, maxIterations 10·n`,
    );
  }
  t.equal(checkOptions('gmres', {}, true, 5).restart, 30, 'gmres restart 30');
  t.same(
    [checkOptions('gcrotmk', {}, true, 5).restart, checkOptions('gcrotmk', {}, true, 5).recycle],
    [20, 20],
    'gcrotmk m = 20 (SciPy), k = m',
  );
  t.same(
    [
      checkOptions('gcrotmk', { restart: 7 }, true, 5).recycle,
      checkOptions('gcrotmk', { recycle: 0 }, true, 5).recycle,
    ],
    [7, 0],
    'k follows m; 0 allowed',
  );
  t.equal(checkOptions('conjugateDirection', {}, true, 5).memory, 2);
  t.equal(checkOptions('minres', {}, true, 5).checkSymmetry, false);
  t.equal(checkOptions('cgBatch', {}, true, 12).maxIterations, 120);
  t.equal(
    checkOptions('powerIteration', {}, true, 12).maxIterations,
    1000,
    'power iteration: 1000',
  );
  t.same(checkOptions('sketchSolve', {}, true, 10, 30), {
    sketch: 'kaczmarz',
    sampling: 'norm',
    blockSize: 8,
    seed: 1,
    rtol: 1e-8,
    atol: 0,
    maxIterations: 3000,
    history: false,
    trueResidualEvery: 0,
  });
  t.equal(
    checkOptions('sketchSolve', { sketch: 'gaussian', blockSize: 7 }, true, 10, 30).maxIterations,
    500,
    '100·⌈m / blockSize⌉',
  );
  t.equal(checkOptions('sketchSolve', {}, true, 10, 3).blockSize, 3, 'min(8, m)');
  t.equal(checkOptions('preconditioner', {}, true, 3).omega, 1);
  t.same(checkOptions('sor', {}, true, 12), {
    omega: 1,
    ordering: 'natural',
    rtol: 1e-8,
    atol: 0,
    maxIterations: 120,
    history: false,
  });
  t.same(
    [checkOptions('gaussSeidel', {}, true, 3).sweep, checkOptions('jacobi', {}, true, 3).omega],
    ['forward', 1],
  );
  t.equal(
    variantOf(
      OPTIONS.find((o) => o.key === 'maxIterations')!,
      'cg',
    ).defaultText,
    '10·n',
  );
  t.equal(
    variantOf(
      OPTIONS.find((o) => o.key === 'restart')!,
      'gcrotmk',
    ).default,
    20,
  );
  // undefined counts as absent, for keys of any operation
  t.equal(
    checkOptions('cg', { rtol: undefined, restart: undefined, nonsense: undefined }, true, 5).rtol,
    1e-8,
  );
});

t.test('the generated resolver and the loop fallback agree', async (t) => {
  const inputs: Array<Record<string, unknown>> = [
    {},
    { rtol: 1e-3, maxIterations: 7 },
    { restart: 5 },
    { restart: 5, recycle: 0, flexible: true, memory: 1 },
    { sketch: 'gaussian', blockSize: 3, seed: 9 },
    { sampling: 'uniform' },
    { rtol: undefined, atol: 1e-12, history: true, trueResidualEvery: 3, timeLimitMs: 10 },
    { omega: 1.5 },
    { checkSymmetry: true },
    { rtol: -1 },
    { maxIter: 3 },
    { restart: 2.5 },
    { signal: AbortSignal.abort() },
    { onProgress: () => {} },
    { sketch: 'x' },
    { seed: 1, x0: new Float64Array(2), out: new Float64Array(2) },
  ];
  const outcome = (f: () => unknown) => {
    try {
      return { value: f() };
    } catch (e) {
      return { error: (e as Error).message, argument: (e as ItersolveError).argument };
    }
  };
  for (const op of Object.keys(OPERATION_NAMES) as Operation[]) {
    for (const sync of [true, false]) {
      const gen = resolverFor(op, sync);
      const loop = resolverFor(op, sync, false);
      for (const o of inputs) {
        const a = outcome(() => gen(o, 20, 30));
        const b = outcome(() => loop(o, 20, 30));
        // the generated resolver lists every key (undefined when absent without a default)
        const defined = (r: { value?: unknown }) =>
          r.value
            ? Object.fromEntries(
                Object.entries(r.value as object).filter(([, x]) => x !== undefined),
              )
            : r;
        t.strictSame(
          defined(a),
          defined(b),
          `${op}/${sync ? 'sync' : 'async'} ${JSON.stringify(o)}`,
        );
      }
    }
  }
});

t.test('the facades use the table’s defaults', async (t) => {
  // rtol 0 is never met in floating point: CG runs to maxIterations = 10·n
  const r = cgSync(A, b, { rtol: 0 });
  t.same([r.reason, r.iterations], ['max-iterations', 10 * n]);
  const p = powerIterationSync(A, { rtol: 0 });
  t.same([p.reason, p.iterations], ['max-iterations', 1000]);
});

t.test('unknown options: named, with the closest known one', async (t) => {
  t.throws(() => cgSync(A, b, { maxIter: 3 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'maxIter',
    message: "maxIter: unknown option of cg (did you mean 'maxIterations'?)",
  });
  t.throws(() => cgSync(A, b, { rtoll: 1e-3 } as never), {
    argument: 'rtoll',
    message: /did you mean 'rtol'\?/,
  });
  t.throws(() => cgSync(A, b, { precond: 'jacobi' } as never), {
    argument: 'precond',
    message: /did you mean 'preconditioner'\?/,
  });
  t.throws(() => gmresSync(A, b, { restrat: 5 } as never), {
    argument: 'restrat',
    message: /did you mean 'restart'\?/,
  });
  t.throws(() => cgSync(A, b, { max_iterations: 5 } as never), {
    argument: 'max_iterations',
    message: /did you mean 'maxIterations'\?/,
  });
  t.throws(() => cgSync(A, b, { tolerance: 1e-3 } as never), {
    argument: 'tolerance',
    message: 'tolerance: unknown option of cg',
  });
  t.throws(() => powerIterationSync(A, { maxIterations: 5, tol: 1 } as never), {
    argument: 'tol',
    message: /did you mean 'rtol'\?/,
  });
  t.throws(() => sketchSolveSync(A, b, { blocksize: 2 } as never), {
    argument: 'blocksize',
    message: /did you mean 'blockSize'\?/,
  });
  t.throws(() => Preconditioner.create(A, 'ssor', { omgea: 1.5 } as never), {
    argument: 'omgea',
    message: "omgea: unknown option of Preconditioner.create (did you mean 'omega'?)",
  });
  // the suggestion is one this operation takes
  t.throws(() => cgSync(A, b, { memroy: 1 } as never), {
    argument: 'memroy',
    message: 'memroy: unknown option of cg',
  });
  t.equal(closest('maxit', ['rtol', 'maxIterations']), 'maxIterations');
  t.equal(closest('xyz', ['rtol', 'maxIterations']), undefined);
  t.equal(editDistance('restrat', 'restart'), 1, 'a transposition is one edit');
  t.equal(editDistance('', 'abc'), 3);
});

t.test('options of other operations are named as such', async (t) => {
  t.throws(() => cgSync(A, b, { restart: 3 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'restart',
    message: 'restart: not an option of cg (gmres and gcrotmk take it)',
  });
  t.throws(() => gmresSync(A, b, { recycle: 3 } as never), {
    argument: 'recycle',
    message: 'recycle: not an option of gmres (gcrotmk takes it)',
  });
  t.throws(() => conjugateDirectionSync(A, b, { preconditioner: 'jacobi' } as never), {
    argument: 'preconditioner',
    message: "preconditioner: not an option of conjugateDirection (did you mean 'oracle'?)",
  });
  t.throws(() => cgSync(A, b, { oracle: 'jacobi' } as never), {
    argument: 'oracle',
    message: /did you mean 'preconditioner'\?/,
  });
  t.throws(() => cgBatchSync(A, b, { flexible: true } as never), {
    argument: 'flexible',
    message: /^flexible: not an option of cgBatch/,
  });
  t.throws(() => powerIterationSync(A, { atol: 1 } as never), {
    argument: 'atol',
    message: /^atol: not an option of powerIteration/,
  });
  await t.rejects(cg(A, b, { restart: 3 } as never), {
    argument: 'restart',
    message: 'restart: not an option of cg (gmres and gcrotmk take it)',
  });
});

t.test('signal and onProgress are rejected by the Sync forms', async (t) => {
  const signal = new AbortController().signal;
  t.throws(() => cgSync(A, b, { signal } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'signal',
    message: 'signal: not an option of cgSync (the Promise form cg takes it)',
  });
  t.throws(() => gmresSync(A, b, { onProgress: () => {} } as never), {
    argument: 'onProgress',
    message: /gmresSync.*gmres takes it/,
  });
  t.throws(() => cgBatchSync(A, b, { signal } as never), { argument: 'signal' });
  t.throws(() => sketchSolveSync(A, b, { signal } as never), { argument: 'signal' });
  t.throws(() => powerIterationSync(A, { signal } as never), { argument: 'signal' });
  // and taken by the Promise forms
  const r = await cg(A, b, { signal, onProgress: () => {} });
  t.equal(r.converged, true);
  await t.rejects(cg(A, b, { signal: {} as never }), {
    argument: 'signal',
    message: 'signal: expected an AbortSignal, received Object',
  });
});

t.test('gcrotmk and minres checkSymmetry through the facade', async (t) => {
  const N = CsrMatrix.fromDense(3, 3, Float64Array.from([4, 1, 0, 0, 4, 1, 0, 0, 4]));
  t.throws(() => minresSync(N, Float64Array.from([1, 2, 3]), { checkSymmetry: true }), {
    code: 'ERR_NOT_SYMMETRIC',
    argument: 'A',
    name: 'ItersolveError',
  });
  await t.rejects(minres(N, Float64Array.from([1, 2, 3]), { checkSymmetry: true }), {
    code: 'ERR_NOT_SYMMETRIC',
    argument: 'A',
  });
  // symmetric to within ε^(1/3): accepted; exactly symmetric: accepted
  const S = CsrMatrix.fromDense(2, 2, Float64Array.from([2, 1, 1 + 1e-9, 2]));
  t.equal(minresSync(S, Float64Array.from([1, 1]), { checkSymmetry: true }).converged, true);
  t.equal(minresSync(A, b, { checkSymmetry: true }).converged, true);
  t.throws(() => minresSync(A, b, { checkSymmetry: 1 as never }), {
    argument: 'checkSymmetry',
    message: 'checkSymmetry: expected a boolean, received 1',
  });
  t.throws(() => gcrotmkSync(A, b, { recycle: -1 }), {
    argument: 'recycle',
    message: 'recycle: expected an integer in [0, 100000], received -1',
  });
  t.throws(() => gcrotmkSync(A, b, { restart: 0 }), { argument: 'restart' });
});

// ---- Sync and Promise forms: one mistake, one error --------------------------------------------

type Run = (A: CsrMatrix, b: Float64Array, o?: object) => unknown;
interface Solver {
  name: string;
  sync: Run;
  async: Run;
  /** the option that takes a preconditioner kind, if any */
  precond?: 'preconditioner' | 'oracle';
  square?: boolean;
  /** Jacobi, Gauss-Seidel, SOR, SSOR: a zero diagonal entry is an error */
  stationary?: boolean;
}
const solvers: Solver[] = [
  { name: 'cg', sync: cgSync as Run, async: cg as Run, precond: 'preconditioner', square: true },
  {
    name: 'bicgstab',
    sync: bicgstabSync as Run,
    async: bicgstab as Run,
    precond: 'preconditioner',
    square: true,
  },
  {
    name: 'gmres',
    sync: gmresSync as Run,
    async: gmres as Run,
    precond: 'preconditioner',
    square: true,
  },
  {
    name: 'minres',
    sync: minresSync as Run,
    async: minres as Run,
    precond: 'preconditioner',
    square: true,
  },
  {
    name: 'conjugateDirection',
    sync: conjugateDirectionSync as Run,
    async: conjugateDirection as Run,
    precond: 'oracle',
    square: true,
  },
  {
    name: 'gcrotmk',
    sync: gcrotmkSync as Run,
    async: gcrotmk as Run,
    precond: 'preconditioner',
    square: true,
  },
  {
    name: 'cgBatch',
    sync: cgBatchSync as Run,
    async: cgBatch as Run,
    precond: 'preconditioner',
    square: true,
  },
  { name: 'sketchSolve', sync: sketchSolveSync as Run, async: sketchSolve as Run },
  { name: 'jacobi', sync: jacobiSync as Run, async: jacobi as Run, square: true, stationary: true },
  {
    name: 'gaussSeidel',
    sync: gaussSeidelSync as Run,
    async: gaussSeidel as Run,
    square: true,
    stationary: true,
  },
  { name: 'sor', sync: sorSync as Run, async: sor as Run, square: true, stationary: true },
  { name: 'ssor', sync: ssorSync as Run, async: ssor as Run, square: true, stationary: true },
  {
    name: 'powerIteration',
    sync: ((M: CsrMatrix, _b: Float64Array, o?: object) => powerIterationSync(M, o)) as Run,
    async: ((M: CsrMatrix, _b: Float64Array, o?: object) => powerIteration(M, o)) as Run,
    square: true,
  },
];

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
const shape = (e: unknown) => {
  const x = e as ItersolveError;
  return {
    instance: e instanceof ItersolveError,
    name: x?.name,
    code: x?.code,
    argument: x?.argument,
    row: x?.row,
    message: x?.message,
  };
};

// A matrix whose IC(0) fails for good: a negative diagonal entry at row 5 (no shift cures it).
const negDiag = (() => {
  const v = A.values.slice();
  for (let k = A.rowPtr[5]; k < A.rowPtr[6]; k++) if (A.colIdx[k] === 5) v[k] = -4;
  return new CsrMatrix(n, n, A.rowPtr, A.colIdx, v);
})();

// A zero diagonal entry at row 9: the stationary methods cannot divide by it.
const zeroDiag = (() => {
  const v = A.values.slice();
  for (let k = A.rowPtr[9]; k < A.rowPtr[10]; k++) if (A.colIdx[k] === 9) v[k] = 0;
  return new CsrMatrix(n, n, A.rowPtr, A.colIdx, v);
})();

const nanB = b.slice();
nanB[7] = NaN;
const mistakes: Array<{
  what: string;
  applies: (s: Solver) => boolean;
  args: (s: Solver) => [CsrMatrix, Float64Array, object?];
}> = [
  { what: 'NaN in b', applies: (s) => s.name !== 'powerIteration', args: () => [A, nanB] },
  {
    what: 'b of the wrong length',
    applies: (s) => s.name !== 'powerIteration',
    args: () => [A, new Float64Array(n - 1)],
  },
  {
    what: 'x0 of the wrong length',
    applies: () => true,
    args: () => [A, b, { x0: new Float64Array(3) }],
  },
  {
    what: 'a non-square A',
    applies: (s) => !!s.square,
    args: () => [
      CsrMatrix.fromDense(2, 3, Float64Array.from([1, 0, 0, 0, 1, 0])),
      new Float64Array(2),
    ],
  },
  { what: 'A not a CsrMatrix', applies: () => true, args: () => [{} as CsrMatrix, b] },
  { what: 'a bad option value', applies: () => true, args: () => [A, b, { rtol: -1 }] },
  { what: 'a NaN option value', applies: () => true, args: () => [A, b, { maxIterations: NaN }] },
  { what: 'an unknown option', applies: () => true, args: () => [A, b, { maxIter: 3 }] },
  { what: 'options not an object', applies: () => true, args: () => [A, b, 5 as never] },
  {
    what: 'a bad preconditioner kind',
    applies: (s) => !!s.precond,
    args: (s) => [A, b, { [s.precond!]: 'ic1' }],
  },
  {
    what: 'ERR_ZERO_PIVOT from a failing ic0',
    applies: (s) => !!s.precond,
    args: (s) => [negDiag, b, { [s.precond!]: 'ic0' }],
  },
  {
    what: 'ERR_ZERO_PIVOT from a zero diagonal entry',
    applies: (s) => !!s.stationary,
    args: () => [zeroDiag, b],
  },
  {
    what: 'an option the stationary methods do not take',
    applies: (s) => !!s.stationary,
    args: () => [A, b, { trueResidualEvery: 2 }],
  },
];

t.test('every mistake reads the same in the Sync and the Promise form', async (t) => {
  for (const s of solvers) {
    for (const m of mistakes) {
      if (!m.applies(s)) continue;
      const [M, rhs, o] = m.args(s);
      const B =
        s.name === 'cgBatch' && rhs.length === n ? Float64Array.from([...rhs, ...rhs]) : rhs;
      const se = caught(() => s.sync(M, B, o));
      let ae: unknown;
      const p = s.async(M, B, o) as Promise<unknown>;
      t.ok(
        p instanceof Promise,
        `${s.name}, ${m.what}: the Promise form returns a promise (never throws)`,
      );
      await p.then(
        () => undefined,
        (e: unknown) => (ae = e),
      );
      t.ok(
        se instanceof ItersolveError,
        `${s.name}, ${m.what}: Sync throws an ItersolveError (${(se as Error)?.message})`,
      );
      t.strictSame(shape(ae), shape(se), `${s.name}, ${m.what}: same error in both forms`);
      t.ok((se as ItersolveError)?.argument, `${s.name}, ${m.what}: names its argument`);
    }
  }
});

t.test('the arguments and rows named', async (t) => {
  t.match(
    caught(() => cgSync(A, nanB)),
    { code: 'ERR_INVALID_ARGUMENT', argument: 'b', message: /b\[7\]|index 7|entry 7/ },
  );
  t.match(
    caught(() => cgSync(negDiag, b, { preconditioner: 'ic0' })),
    { code: 'ERR_ZERO_PIVOT', row: 5, message: /row 5/ },
  );
  t.match(
    caught(() => Preconditioner.ic0(negDiag)),
    { code: 'ERR_ZERO_PIVOT', row: 5, message: /row 5/ },
  );
  t.match(
    caught(() => sorSync(zeroDiag, b)),
    { code: 'ERR_ZERO_PIVOT', argument: 'A', row: 9, message: /row 9/ },
  );
});
