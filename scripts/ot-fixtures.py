#!/usr/bin/env python3
"""Reference figures for itersolve's optimal-transport tests (issue 10, section 4), computed with POT.

Regenerate everything with (from the repository root):

    /usr/bin/python3 scripts/ot-fixtures.py

Needs NumPy and POT (Debian: `apt-get install python3-scipy python3-pot`; made with POT 0.8.2,
NumPy 1.24.2). Writes (overwriting) three JSON files in test/fixtures/ot/:

  sinkhorn.json  small problems (2D point clouds, 1D histograms, zeros in a and b, 1 x m, n x 1,
                 a random-cost rectangle) at epsilon = 1e-4 ... 10 (x max C = 1): POT's
                 sinkhorn_knopp and sinkhorn_log (stopThr 1e-14) outcomes where the method runs
                 (finite, converged): iterations, L1 marginal error, cost <C, P>, the potentials
                 f = eps log u, g = eps log v (null on zero-mass entries), and one reference plan
                 per case and epsilon (from sinkhorn_log, or sinkhorn_knopp where log did not
                 converge) with the largest difference between the two POT plans.
  emd.json       ot.emd (numItermax 1e7) on the point clouds and histograms above, on an identity
                 and a permutation problem, zero weights, 1 x m, n x 1 and a degenerate integer
                 cost: the plan as (row, col, value) triplets, cost, the duals u, v (POT's
                 center_dual, and estimate_dual_null_weights on zero weights) and result_code.
  pot-tests.json the inputs and POT outcomes of cases of POT's own test suite (test/test_ot.py,
                 test/test_bregman.py) that the TypeScript tests re-express against itersolve's
                 API: see the `potTests` entries and the comments below.

Cost matrices are never stored when the tests can rebuild them bit for bit: point clouds are
stored and C_ij = dx*dx + dy*dy (then divided by its maximum where stated), exactly as the JS
side computes it; 1D grids use C_ij = (i - j)^2 (integers). Random data: numpy's
default_rng(seed) with the seeds below (POT-test cases use np.random.RandomState(0), as POT's
tests do). Floats are written with Python's shortest round-trip repr. Deterministic (no
timings); the TypeScript tests only read these files, they never run Python.
"""
import json
import os
import sys
import warnings

for _v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np
import ot

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'ot')

EPSILONS = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]  # x max C (every case below has max C = 1)
STOP_THR = 1e-14  # POT's test: 2-norm of the b-marginal error, every 10 iterations
MAX_ITER = 100000
CONVERGED_L1 = 1e-12  # a POT run counts as a reference only when its L1 marginal error is below this


def vec(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def vec_or_null(x):
    return [float(v) if np.isfinite(v) else None for v in np.asarray(x, dtype=np.float64).ravel()]


def sqdist(X, Y):
    """C_ij = dx*dx + dy*dy (+ ...), summed left to right, as the JS tests compute it."""
    D = X[:, None, :] - Y[None, :, :]
    C = np.zeros(D.shape[:2])
    for k in range(D.shape[2]):
        C = C + D[:, :, k] * D[:, :, k]
    return C


def grid_cost(n, m):
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(m, dtype=np.float64)[None, :]
    return (i - j) * (i - j)


def l1_marginal_error(P, a, b):
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)')


def generator():
    return {'script': 'scripts/ot-fixtures.py', 'pot': ot.__version__, 'numpy': np.__version__,
            'python': sys.version.split()[0]}


# ---- problems -------------------------------------------------------------------------------

def problems():
    """name -> dict(kind, inputs for the JSON, a, b, C). max C = 1 for every one."""
    out = {}
    rng = np.random.default_rng(10)
    # 2D point clouds, random positive weights, C = squared Euclidean / max.
    X = rng.normal(size=(20, 2))
    Y = rng.normal(loc=0.5, size=(16, 2)) * 1.5
    a = rng.random(20) + 0.1
    a /= a.sum()
    b = rng.random(16) + 0.1
    b /= b.sum()
    C = sqdist(X, Y)
    C = C / C.max()
    out['points'] = dict(kind='points', X=X, Y=Y, a=a, b=b, C=C)
    # Same clouds with zeros in a and b (exact zeros; the remaining weights renormalised).
    az = a.copy()
    az[[3, 7, 19]] = 0.0
    az /= az.sum()
    bz = b.copy()
    bz[[0, 5]] = 0.0
    bz /= bz.sum()
    out['zeros'] = dict(kind='points', X=X, Y=Y, a=az, b=bz, C=C)
    # 1D histograms (two-bump mixture vs one Gaussian) on a 24-point grid, C = (i - j)^2 / 23^2.
    n = 24
    ha = ot.datasets.make_1D_gauss(n, m=6, s=2) + 0.5 * ot.datasets.make_1D_gauss(n, m=17, s=3)
    ha /= ha.sum()
    hb = ot.datasets.make_1D_gauss(n, m=12, s=4)
    out['hist'] = dict(kind='grid', a=ha, b=hb, C=grid_cost(n, n) / float((n - 1) ** 2), scale=float((n - 1) ** 2))
    # Random costs U[0, 1) (stored), rectangular, uniform weights; then 1 x m and n x 1.
    rng = np.random.default_rng(11)
    Cr = rng.random((9, 12))
    Cr /= Cr.max()
    out['random'] = dict(kind='matrix', a=np.full(9, 1 / 9), b=np.full(12, 1 / 12), C=Cr)
    C1 = rng.random((1, 7))
    C1 /= C1.max()
    b1 = rng.random(7) + 0.1
    b1 /= b1.sum()
    out['row'] = dict(kind='matrix', a=np.array([1.0]), b=b1, C=C1)
    Cc = rng.random((6, 1))
    Cc /= Cc.max()
    a1 = rng.random(6) + 0.1
    a1 /= a1.sum()
    out['col'] = dict(kind='matrix', a=a1, b=np.array([1.0]), C=Cc)
    return out


def problem_json(p):
    d = {'kind': p['kind'], 'n': int(p['C'].shape[0]), 'm': int(p['C'].shape[1]), 'a': vec(p['a']), 'b': vec(p['b'])}
    if p['kind'] == 'points':
        d['X'] = vec(p['X'])
        d['Y'] = vec(p['Y'])
        d['cost'] = 'sqeuclidean / max'
    elif p['kind'] == 'grid':
        d['cost'] = '(i - j)^2 / scale'
        d['scale'] = p['scale']
    else:
        d['C'] = vec(p['C'])
    return d


# ---- Sinkhorn -----------------------------------------------------------------------------

def run_pot_sinkhorn(method, a, b, C, eps):
    fn = ot.bregman.sinkhorn_knopp if method == 'knopp' else ot.bregman.sinkhorn_log
    with warnings.catch_warnings(record=True) as w, np.errstate(all='ignore'):
        warnings.simplefilter('always')
        P, log = fn(a, b, C, eps, numItermax=MAX_ITER, stopThr=STOP_THR, log=True)
        msgs = [str(x.message) for x in w]
    finite = bool(np.all(np.isfinite(P)))
    if method == 'knopp':
        with np.errstate(divide='ignore'):
            f = eps * np.log(log['u'])
            g = eps * np.log(log['v'])
    else:
        f = eps * log['log_u']
        g = eps * log['log_v']
    err = l1_marginal_error(P, a, b) if finite else float('inf')
    res = {
        'iterations': int(log['niter']) + 1,
        'marginalError': err if np.isfinite(err) else None,
        'finite': finite,
        'warnings': sorted(set(m.split(' at iteration')[0] for m in msgs)),
        'converged': bool(finite and err <= CONVERGED_L1),
    }
    if finite:
        res['cost'] = float(np.sum(P * C))
        res['f'] = vec_or_null(np.where(a > 0, f, -np.inf))
        res['g'] = vec_or_null(np.where(b > 0, g, -np.inf))
    return res, (P if finite else None)


def sinkhorn_fixtures(probs):
    cases = []
    for name, p in probs.items():
        a, b, C = p['a'], p['b'], p['C']
        for eps in EPSILONS:
            entry = {'problem': name, 'epsilon': eps}
            plans = {}
            for method in ('knopp', 'log'):
                r, P = run_pot_sinkhorn(method, a, b, C, eps)
                entry[method] = r
                if r['converged']:
                    plans[method] = P
            if 'log' in plans:
                entry['planFrom'] = 'log'
                entry['plan'] = vec(plans['log'])
            elif 'knopp' in plans:
                entry['planFrom'] = 'knopp'
                entry['plan'] = vec(plans['knopp'])
            if len(plans) == 2:
                entry['planDiffKnoppLog'] = float(np.abs(plans['knopp'] - plans['log']).max())
            print(f"sinkhorn {name:7s} eps={eps:<7g} knopp: conv={entry['knopp']['converged']!s:5} "
                  f"its={entry['knopp']['iterations']:6d} err={entry['knopp']['marginalError']}  "
                  f"log: conv={entry['log']['converged']!s:5} its={entry['log']['iterations']:6d} "
                  f"err={entry['log']['marginalError']}  plan diff={entry.get('planDiffKnoppLog')}")
            cases.append(entry)
    return cases


# ---- emd ----------------------------------------------------------------------------------

def run_emd(a, b, C):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        G, log = ot.emd(a, b, C, numItermax=10 ** 7, log=True)
    rows, cols = np.nonzero(G)
    return {
        'cost': float(log['cost']),
        'costFromPlan': float(np.sum(G * C)),
        'u': vec(log['u']),
        'v': vec(log['v']),
        'resultCode': int(log['result_code']),
        'warning': log['warning'],
        'plan': {'rows': [int(i) for i in rows], 'cols': [int(j) for j in cols], 'values': vec(G[rows, cols])},
        'nnz': int(rows.size),
        'maxViolation': float(np.max(log['u'][:, None] + log['v'][None, :] - C)),
    }


def emd_fixtures(probs):
    cases = []
    for name in ('points', 'zeros', 'hist', 'random', 'row', 'col'):
        p = probs[name]
        r = run_emd(p['a'], p['b'], p['C'])
        cases.append({'problem': name, **r})
        print(f"emd {name:12s} cost={r['cost']!r} nnz={r['nnz']} code={r['resultCode']}")
    rng = np.random.default_rng(12)
    # Identity: the same cloud on both sides, uniform weights: P = I/n, cost 0.
    X = rng.normal(size=(30, 2))
    n = X.shape[0]
    extra = []
    r = run_emd(np.full(n, 1 / n), np.full(n, 1 / n), sqdist(X, X))
    extra.append({'name': 'identity', 'kind': 'points', 'n': n, 'm': n, 'X': vec(X), 'Y': vec(X),
                  'a': vec(np.full(n, 1 / n)), 'b': vec(np.full(n, 1 / n)), 'cost': 'sqeuclidean', **{'pot': r}})
    # Permutation: Y = X[perm]: P_{i, perm^-1(i)} = 1/n, cost 0.
    perm = rng.permutation(n)
    Y = X[perm]
    r = run_emd(np.full(n, 1 / n), np.full(n, 1 / n), sqdist(X, Y))
    extra.append({'name': 'permutation', 'kind': 'points', 'n': n, 'm': n, 'X': vec(X), 'Y': vec(Y),
                  'perm': [int(v) for v in perm], 'a': vec(np.full(n, 1 / n)), 'b': vec(np.full(n, 1 / n)),
                  'cost': 'sqeuclidean', 'pot': r})
    # Degenerate: integer costs in {0, 1, 2, 3}, uniform weights (many optimal plans: compare costs only).
    Ci = rng.integers(0, 4, size=(10, 10)).astype(np.float64)
    r = run_emd(np.full(10, 0.1), np.full(10, 0.1), Ci)
    extra.append({'name': 'degenerate', 'kind': 'matrix', 'n': 10, 'm': 10, 'C': vec(Ci),
                  'a': vec(np.full(10, 0.1)), 'b': vec(np.full(10, 0.1)), 'pot': r})
    for e in extra:
        print(f"emd {e['name']:12s} cost={e['pot']['cost']!r} nnz={e['pot']['nnz']} code={e['pot']['resultCode']}")
    return cases, extra


# ---- cases of POT's own tests ----------------------------------------------------------------

def pot_tests():
    t = {}
    # test_ot.py::test_emd_emd2 (identity), test_bregman.py::test_sinkhorn / test_sinkhorn_variants:
    # n = 100, x = RandomState(0).randn(100, 2), uniform weights, M = sqeuclidean(x, x) (not normalised).
    rs = np.random.RandomState(0)
    x = rs.randn(100, 2)
    u = ot.utils.unif(100)
    M = sqdist(x, x)
    d = {'x': vec(x)}
    G = ot.emd(u, u, M)
    d['emdIsIdentity'] = bool(np.allclose(G, np.eye(100) / 100))
    res = {}
    for method in ('sinkhorn', 'sinkhorn_log', 'sinkhorn_stabilized', 'sinkhorn_epsilon_scaling'):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            P = ot.sinkhorn(u, u, M, 1, method=method, stopThr=1e-10)
        res[method] = {'cost': float(np.sum(P * M)), 'marginalError': l1_marginal_error(P, u, u)}
    d['sinkhornReg1'] = res
    t['x100'] = d
    print('pot-tests x100: emd identity', d['emdIsIdentity'], 'sinkhorn reg 1 costs',
          {k: v['cost'] for k, v in res.items()})

    # test_bregman.py::test_sinkhorn_multi_b: n = 10, x = RandomState(0).randn(10, 2), b = rand(10, 3)
    # normalised per column, M = sqeuclidean(x, x), reg 0.1: the k losses of the batch equal the single ones.
    rs = np.random.RandomState(0)
    x = rs.randn(10, 2)
    B = rs.rand(10, 3)
    B = B / np.sum(B, 0, keepdims=True)
    M = sqdist(x, x)
    u = ot.utils.unif(10)
    loss = [float(ot.sinkhorn2(u, B[:, k], M, 0.1, stopThr=1e-14, numItermax=100000)) for k in range(3)]
    t['multiB'] = {'x': vec(x), 'B': [vec(B[:, k]) for k in range(3)], 'reg': 0.1, 'loss': loss}
    print('pot-tests multiB losses', loss)

    # test_bregman.py::test_stabilized_vs_sinkhorn_multidim: a = gauss(100, 20, 5), b1 = gauss(100, 60, 8),
    # b2 = gauss(100, 30, 4), M = dist0(100) / median(M), reg 0.1.
    n = 100
    a = ot.datasets.make_1D_gauss(n, m=20, s=5)
    b1 = ot.datasets.make_1D_gauss(n, m=60, s=8)
    b2 = ot.datasets.make_1D_gauss(n, m=30, s=4)
    M = grid_cost(n, n)
    med = float(np.median(M))
    M = M / med
    loss = [float(ot.sinkhorn2(a, bk, M, 0.1, stopThr=1e-14, numItermax=100000)) for bk in (b1, b2)]
    t['multidim'] = {'a': vec(a), 'B': [vec(b1), vec(b2)], 'median': med, 'reg': 0.1, 'loss': loss}
    print('pot-tests multidim median', med, 'losses', loss)

    # test_bregman.py::test_sinkhorn_stabilization: a1 = gauss(100, 30, 10), a2 = gauss(100, 40, 10),
    # M = dist0(100) (max 9801, not normalised), reg 1e-5: log-domain and stabilised (tau = 1) losses
    # agree to 1e-6 (POT's default numItermax 1000; neither converges).
    a1 = ot.datasets.make_1D_gauss(n, m=30, s=10)
    a2 = ot.datasets.make_1D_gauss(n, m=40, s=10)
    M = grid_cost(n, n)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        l1 = float(ot.sinkhorn2(a1, a2, M, 1e-5, method='sinkhorn_log'))
        l2 = float(ot.sinkhorn2(a1, a2, M, 1e-5, tau=1, method='sinkhorn_stabilized'))
    w = ot.emd2(a1, a2, M)
    t['stabilization'] = {'a': vec(a1), 'b': vec(a2), 'reg': 1e-5, 'lossLog': l1, 'lossStabilized': l2,
                          'emd': float(w)}
    print('pot-tests stabilization', l1, l2, 'emd', w)

    # test_ot.py::test_dual_variables (smaller: n = 100, m = 120, means 30 / 50, s = 5 / 10),
    # M = |x_i - y_j|: cost = |mean1 - mean2| (W1 of two Gaussians, 1e-7), emd(b, a, M^T) the same
    # cost, zero duality gap and u_i + v_j <= M_ij.
    a = ot.datasets.make_1D_gauss(100, m=30, s=5)
    b = ot.datasets.make_1D_gauss(120, m=50, s=10)
    M = np.sqrt(grid_cost(100, 120))
    G, log = ot.emd(a, b, M, log=True)
    G2 = ot.emd(b, a, np.ascontiguousarray(M.T))
    t['dualVariables'] = {'a': vec(a), 'b': vec(b), 'cost': float(log['cost']), 'costTransposed': float(np.sum(G2 * M.T)),
                          'u': vec(log['u']), 'v': vec(log['v']),
                          'maxViolation': float(np.max(log['u'][:, None] + log['v'][None, :] - M))}
    print('pot-tests dualVariables cost', log['cost'])

    # test_bregman.py::test_sinkhorn_warmstart: m = 10, n = 20 on arange, uniform, M = (i - j)^2, reg 1,
    # warm start from the emd duals: the same plan as without.
    a = ot.unif(10)
    b = ot.unif(20)
    M = grid_cost(10, 20)
    _, log = ot.lp.emd(a, b, M, log=True)
    P0 = ot.bregman.sinkhorn(a, b, M, 1, method='sinkhorn', stopThr=1e-14, numItermax=100000)
    Pw = ot.bregman.sinkhorn(a, b, M, 1, method='sinkhorn', stopThr=1e-14, numItermax=100000,
                             warmstart=(log['u'], log['v']))
    t['warmstart'] = {'u': vec(log['u']), 'v': vec(log['v']), 'reg': 1, 'plan': vec(P0),
                      'planDiffWarm': float(np.abs(P0 - Pw).max())}
    print('pot-tests warmstart plan diff', t['warmstart']['planDiffWarm'])
    return t


def main():
    os.makedirs(OUT, exist_ok=True)
    which = set(sys.argv[1:]) or {'sinkhorn', 'emd', 'pot-tests'}
    probs = problems()
    meta = {'generator': generator(), 'problems': {k: problem_json(v) for k, v in probs.items()}}
    if 'sinkhorn' in which:
        write('sinkhorn.json', {**meta, 'epsilons': EPSILONS, 'stopThr': STOP_THR, 'numItermax': MAX_ITER,
                                'convergedL1': CONVERGED_L1, 'cases': sinkhorn_fixtures(probs)})
    if 'emd' in which:
        cases, extra = emd_fixtures(probs)
        write('emd.json', {**meta, 'cases': cases, 'extra': extra})
    if 'pot-tests' in which:
        write('pot-tests.json', {'generator': generator(), **pot_tests()})


if __name__ == '__main__':
    main()
