// lib/layout.ts and lib/errors.ts name the call interface and the error codes on lib's side; the
// addon exports the same names as `layout`. They must agree list for list: a slot, reason,
// method or code added on one side only fails here rather than silently shifting every index.
import t from 'tap';
import { ERROR_CODES } from '../lib/errors';
import * as L from '../lib/layout';
import { native } from '../lib/native';

type NativeLayout = {
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
  lasso: { params: string[]; stats: string[]; layouts: string[]; selections: string[] };
  logisticL1: { params: string[]; stats: string[] };
  groupLasso: { params: string[]; stats: string[]; groupKinds: string[] };
  lassoPath: { params: string[]; stats: string[] };
  nnls: { params: string[]; stats: string[] };
  proxBcd: {
    params: string[];
    stats: string[];
    smooths: string[];
    proxes: string[];
    variances: string[];
  };
  trainMlp: { params: string[]; stats: string[]; inits: string[] };
  mlpPredict: { params: string[] };
};

const nat = (native() as unknown as { layout?: NativeLayout }).layout;

t.test('the addon exports its layout', async (t) => {
  t.type(nat, 'object', 'native().layout is an object');
});

t.test('reasons, error codes and methods agree with the addon, in order', async (t) => {
  if (!nat) return t.fail('no native layout');
  t.strictSame(nat.reasons, [...L.REASONS], 'reasons');
  t.strictSame(nat.errorCodes, [...ERROR_CODES], 'errorCodes');
  t.strictSame(nat.methods, [...L.METHODS], 'methods');
});

t.test('every operation’s params and stats agree with the addon', async (t) => {
  if (!nat) return t.fail('no native layout');
  for (const op of [
    'krylov',
    'batch',
    'sketch',
    'power',
    'stationary',
    'sinkhorn',
    'sinkhornBatch',
    'sinkhornNewton',
    'emd',
    'lasso',
    'logisticL1',
    'groupLasso',
    'lassoPath',
    'nnls',
    'proxBcd',
    'trainMlp',
  ] as const) {
    t.strictSame(nat[op].params, [...L.LAYOUT[op].params], `${op}.params`);
    t.strictSame(nat[op].stats, [...L.LAYOUT[op].stats], `${op}.stats`);
  }
  for (const list of ['methods', 'sweeps', 'orderings'] as const)
    t.strictSame(
      nat.stationary[list],
      [...L.LAYOUT.stationary[list]],
      `stationary.${list} (the native enums' order)`,
    );
  t.strictSame(
    nat.sinkhorn.methods,
    [...L.SINKHORN_METHODS],
    'sinkhorn.methods (ot::SinkhornMethod)',
  );
  t.strictSame(nat.sinkhornNewton.plans, [...L.PLAN_KINDS], 'sinkhornNewton.plans');
  t.strictSame(nat.costMatrix.params, [...L.COST_MATRIX_PARAMS], 'costMatrix.params');
  t.strictSame(nat.costMatrix.metrics, [...L.METRICS], 'costMatrix.metrics (ot::Metric)');
  t.strictSame(nat.proxBcd.smooths, [...L.PROX_SMOOTHS], 'proxBcd.smooths (bcd::SmoothKind)');
  t.strictSame(nat.proxBcd.proxes, [...L.PROX_KINDS], 'proxBcd.proxes (bcd::ProxKind)');
  t.strictSame(nat.proxBcd.variances, [...L.PROX_VARIANCES], 'proxBcd.variances');
  t.strictSame(nat.groupLasso.groupKinds, [...L.GROUP_KINDS], 'groupLasso.groupKinds');
  t.strictSame(nat.trainMlp.inits, [...L.MLP_INITS], 'trainMlp.inits (bcd::MlpInit)');
  t.strictSame(nat.mlpPredict.params, [...L.MLP_PREDICT_PARAMS], 'mlpPredict.params');
  // the whole object, so a list the addon adds later is noticed too
  t.strictSame(Object.keys(nat).sort(), Object.keys(L.LAYOUT).sort(), 'the same lists');
  t.strictSame(
    JSON.parse(JSON.stringify(nat)),
    JSON.parse(JSON.stringify(L.LAYOUT)),
    'deep equality',
  );
});

t.test('the name → index maps are the lists’ positions', async (t) => {
  t.equal(L.KRYLOV.p.method, 0);
  t.equal(L.KRYLOV.p.recycle, 15);
  t.equal(L.KRYLOV.params.length, 16);
  t.equal(L.METHOD_INDEX.gcrotmk, 5);
  t.equal(L.REASON_INDEX.stagnation, 8);
  t.equal(L.STATIONARY.p.zeroStart, 12);
  t.same(
    [
      L.STATIONARY_INDEX.method.ssor,
      L.STATIONARY_INDEX.sweep.symmetric,
      L.STATIONARY_INDEX.ordering.multicolor,
    ],
    [3, 2, 1],
  );
  t.equal(L.OT_INDEX.method['epsilon-scaling'], 4);
  t.equal(L.SINKHORN.s.elapsedMs, L.OT_STATS.length - 1);
  for (const S of [
    L.KRYLOV,
    L.BATCH,
    L.SKETCH,
    L.POWER,
    L.STATIONARY,
    L.SINKHORN,
    L.SINKHORN_BATCH,
    L.SINKHORN_NEWTON,
    L.EMD,
    L.COST_MATRIX,
    L.LASSO,
    L.LOGISTIC,
    L.GROUP_LASSO,
    L.LASSO_PATH,
    L.NNLS,
    L.PROX_BCD,
    L.MLP,
    L.MLP_PREDICT,
  ]) {
    S.params.forEach((name, i) => t.equal((S.p as Record<string, number>)[name], i, name));
    S.stats.forEach((name, i) => t.equal((S.s as Record<string, number>)[name], i, name));
  }
  t.ok(Object.isFrozen(L.KRYLOV.p), 'maps are frozen');
});
