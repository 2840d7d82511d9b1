#!/usr/bin/env python3
"""scikit-learn anchor for itersolve's coordinate-descent benchmarks (bench/bcd.js, issue 11 section 6).

Usage:
  /usr/bin/python3 bench/sklearn_bcd.py DIR [--runs R]   time sklearn on the problems of DIR/manifest.json
  /usr/bin/python3 bench/sklearn_bcd.py --generate DIR [--quick]
                                                        write the section-6 problems into DIR (numpy's
                                                        generator; for trying this script without the
                                                        JS suite: the suite writes its own numbers)

FILE FORMAT (DIR is written by the JS suite so that both sides solve the very same numbers):
DIR/manifest.json = {"problems": [PROBLEM, ...]}, every array a raw little-endian file in DIR:

  PROBLEM = {
    "name": str,                      e.g. "dense-0.1", "sparse-0.01", "path"
    "kind": "lasso" | "path",
    "n": int, "p": int,
    "X": {"format": "dense", "order": "F", "data": FILE}            float64, n*p, column-major
       | {"format": "csc", "nnz": int, "indptr": FILE, "indices": FILE, "data": FILE}
                                     indptr int32[p+1], indices int32[nnz] (row indices, sorted
                                     within each column), data float64[nnz]
    "y": FILE,                        float64[n]
    "fitIntercept": bool,             (default false)
    "tol": float,                     sklearn's tol: stop when the duality gap <= tol * ||y||^2 / n in
                                      objective units (the issue's rule; sklearn's own rule)
    "maxIter": int,                   (default 100000)
    "lambdas": [float, ...],          kind "lasso": absolute lambdas (sklearn alpha), one timed fit each
                                      kind "path":  the grid, in decreasing order (lasso_path(alphas=...),
                                      warm starts along it as sklearn does)
    "runs": int                       timed repetitions (best and first reported; default 1)
  }

OUTPUT: ONE line of JSON on stdout: {"python", "sklearn", "numpy", "scipy", "blas", "results": [...]};
per problem {"name", "kind", "fits": [{"lambda", "firstMs", "bestMs", "runsMs", "nIter", "dualGap",
"objective", "nnz"}]} for "lasso", and {"name", "kind", "firstMs", "bestMs", "runsMs", "nnz": [...],
"objectives": [...], "dualGaps": [...]} for "path". Objective: (1/(2n))||y - Xw - c||^2 + lambda ||w||_1;
dualGap: sklearn's dual_gap_ (sklearn 1.2 reports it in objective units). Only the fit calls are timed
(time.perf_counter); reading the files, the CSC construction and the objective are not. sklearn's
coordinate descent is single-threaded Cython; the BLAS threads it gets (reported as `blas`) only
matter for its dense preprocessing (centring, X^T y).

THE SECTION-6 PROBLEMS (what --generate writes; the JS suite draws its own numbers the same way):
  dense-*   benchopt's Lasso simulated design: n = 500, p = 5000, rows ~ N(0, T) with
            T_ij = 0.6^|i-j| (Toeplitz), 50 informative features (random positions, N(0,1)
            coefficients), y = Xw* + noise scaled to SNR ||Xw*|| / ||noise|| = 3; no intercept;
            lambda = 0.1 and 0.01 lambda_max, lambda_max = ||X^T y||_inf / n; tol 1e-6.
  sparse-*  n = 10000, p = 50000, density 1e-3 (scipy.sparse.random, N(0,1) values), CSC,
            100 informative, SNR 3; lambda = 0.1 and 0.01 lambda_max; tol 1e-6.
  path      the dense design, lasso_path on 20 values lambda_max * geomspace(1, 1e-2, 20), tol 1e-6.
--quick: n = 200, p = 2000 dense; n = 2000, p = 10000 sparse.

Measured here (one run each, 2 shared cores under load, sklearn 1.2.1, OpenBLAS 0.3.21, --generate
data): dense 0.1 lambda_max 92 ms (26 epochs, 106 nonzeros), 0.01 lambda_max 722 ms (605 epochs, 438
nonzeros); sparse 0.1 lambda_max 34 ms (21 epochs, 64 nonzeros), 0.01 lambda_max 128 ms (89 epochs,
3590 nonzeros); lasso_path (20 values down to 1e-2 lambda_max) 2280 ms. Lasso without intercept does
not copy an F-ordered X (copy_X only copies when fit_intercept), so the times are the solver's.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.linalg as sla
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, lasso_path


def blas_name():
    try:
        import threadpoolctl
        libs = sorted({f"{i.get('internal_api')}/{i.get('version')} ({i.get('num_threads')} threads)"
                       for i in threadpoolctl.threadpool_info() if i.get('user_api') == 'blas'})
        if libs:
            return ', '.join(libs)
    except Exception:
        pass
    return 'unknown'


# ---- reading --------------------------------------------------------------------------------

def load(d, p):
    n, m = p['n'], p['p']
    x = p['X']
    if x['format'] == 'dense':
        assert x.get('order', 'F') == 'F', 'dense X must be column-major (order F)'
        X = np.fromfile(os.path.join(d, x['data']), dtype='<f8').reshape(m, n).T  # F-contiguous view
        assert X.flags['F_CONTIGUOUS']
    else:
        indptr = np.fromfile(os.path.join(d, x['indptr']), dtype='<i4')
        indices = np.fromfile(os.path.join(d, x['indices']), dtype='<i4')
        data = np.fromfile(os.path.join(d, x['data']), dtype='<f8')
        assert indptr.size == m + 1 and indices.size == data.size == indptr[-1]
        X = sp.csc_matrix((data, indices, indptr), shape=(n, m))
    y = np.fromfile(os.path.join(d, p['y']), dtype='<f8')
    assert y.size == n
    return X, y


def objective(X, y, w, c, lam):
    r = y - X @ w - c
    return float(0.5 * (r @ r) / len(y) + lam * np.abs(w).sum())


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1e3


# ---- running --------------------------------------------------------------------------------

def run_lasso(d, p):
    X, y = load(d, p)
    fi = bool(p.get('fitIntercept', False))
    fits = []
    for lam in p['lambdas']:
        runs = []
        for _ in range(p.get('runs', 1)):
            est = Lasso(alpha=lam, fit_intercept=fi, tol=p['tol'], max_iter=p.get('maxIter', 100000),
                        precompute=False, selection='cyclic')
            with warnings.catch_warnings(record=True) as wrn:
                warnings.simplefilter('always', ConvergenceWarning)
                _, ms = timed(lambda: est.fit(X, y))
            runs.append(ms)
        w = est.coef_
        c = float(est.intercept_) if fi else 0.0
        fits.append({'lambda': lam, 'firstMs': runs[0], 'bestMs': min(runs), 'runsMs': runs, 'nIter': int(est.n_iter_),
                     'dualGap': float(est.dual_gap_), 'objective': objective(X, y, w, c, lam),
                     'nnz': int(np.count_nonzero(w)), 'converged': not wrn})
    return {'name': p['name'], 'kind': 'lasso', 'fits': fits}


def run_path(d, p):
    X, y = load(d, p)
    assert not p.get('fitIntercept', False), 'lasso_path does not fit an intercept'
    alphas = np.asarray(p['lambdas'], dtype=np.float64)
    runs = []
    for _ in range(p.get('runs', 1)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            (a, coefs, gaps), ms = timed(lambda: lasso_path(X, y, alphas=alphas, tol=p['tol'],
                                                            max_iter=p.get('maxIter', 100000)))
        runs.append(ms)
    return {'name': p['name'], 'kind': 'path', 'firstMs': runs[0], 'bestMs': min(runs), 'runsMs': runs,
            'lambdas': [float(v) for v in a], 'nnz': [int(np.count_nonzero(coefs[:, k])) for k in range(len(a))],
            'objectives': [objective(X, y, coefs[:, k], 0.0, a[k]) for k in range(len(a))],
            'dualGaps': [float(g) for g in gaps]}


# ---- generating (self-test) -------------------------------------------------------------------

def toeplitz_design(rng, n, p, rho, k, snr):
    # rows ~ N(0, T), T = toeplitz(rho^|i-j|): the AR(1) recursion x_j = rho x_{j-1} + sqrt(1-rho^2) e_j
    # gives exactly that covariance without a p x p Cholesky factor.
    E = rng.standard_normal((n, p))
    X = np.empty((n, p), order='F')
    X[:, 0] = E[:, 0]
    s = np.sqrt(1 - rho * rho)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + s * E[:, j]
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    Xw = X @ w
    noise = rng.standard_normal(n)
    return X, Xw + noise * (np.linalg.norm(Xw) / (snr * np.linalg.norm(noise)))


def generate(d, quick):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(2011)
    n, p = (200, 2000) if quick else (500, 5000)
    X, y = toeplitz_design(rng, n, p, 0.6, 50, 3.0)
    np.asfortranarray(X).T.astype('<f8').tofile(os.path.join(d, 'dense_X.f64'))  # column-major bytes
    y.astype('<f8').tofile(os.path.join(d, 'dense_y.f64'))
    lm = float(np.abs(X.T @ y).max() / n)
    dense = {'n': n, 'p': p, 'X': {'format': 'dense', 'order': 'F', 'data': 'dense_X.f64'}, 'y': 'dense_y.f64',
             'fitIntercept': False, 'tol': 1e-6, 'runs': 1}
    ns, ps = (2000, 10000) if quick else (10000, 50000)
    S = sp.random(ns, ps, density=1e-3, format='csc', random_state=rng, data_rvs=rng.standard_normal)
    S.sort_indices()
    w = np.zeros(ps)
    w[rng.choice(ps, 100, replace=False)] = rng.standard_normal(100)
    Sw = S @ w
    noise = rng.standard_normal(ns)
    ys = Sw + noise * (np.linalg.norm(Sw) / (3.0 * np.linalg.norm(noise)))
    S.indptr.astype('<i4').tofile(os.path.join(d, 'sparse_indptr.i32'))
    S.indices.astype('<i4').tofile(os.path.join(d, 'sparse_indices.i32'))
    S.data.astype('<f8').tofile(os.path.join(d, 'sparse_data.f64'))
    ys.astype('<f8').tofile(os.path.join(d, 'sparse_y.f64'))
    lms = float(np.abs(S.T @ ys).max() / ns)
    manifest = {'problems': [
        {'name': 'dense', 'kind': 'lasso', **dense, 'lambdas': [0.1 * lm, 0.01 * lm]},
        {'name': 'sparse', 'kind': 'lasso', 'n': ns, 'p': ps,
         'X': {'format': 'csc', 'nnz': int(S.nnz), 'indptr': 'sparse_indptr.i32', 'indices': 'sparse_indices.i32',
               'data': 'sparse_data.f64'}, 'y': 'sparse_y.f64', 'fitIntercept': False, 'tol': 1e-6,
         'lambdas': [0.1 * lms, 0.01 * lms], 'runs': 1},
        {'name': 'path', 'kind': 'path', **dense, 'lambdas': [float(v) for v in lm * np.geomspace(1, 1e-2, 20)]},
    ]}
    with open(os.path.join(d, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=1)
    sys.stderr.write(f'wrote {d}: dense {n}x{p}, sparse {ns}x{ps} nnz {S.nnz}\n')


def main():
    args = sys.argv[1:]
    if not args:
        sys.stderr.write(__doc__)
        sys.exit(2)
    if args[0] == '--generate':
        generate(args[1], '--quick' in args)
        return
    d = args[0]
    runs = int(args[args.index('--runs') + 1]) if '--runs' in args else None
    with open(os.path.join(d, 'manifest.json')) as fh:
        manifest = json.load(fh)
    out = {'python': sys.version.split()[0], 'executable': sys.executable, 'sklearn': sklearn.__version__,
           'numpy': np.__version__, 'scipy': scipy.__version__, 'blas': blas_name(), 'results': []}
    for p in manifest['problems']:
        if runs:
            p['runs'] = runs
        r = {'lasso': run_lasso, 'path': run_path}[p['kind']](d, p)
        sys.stderr.write(f"  sklearn {p['name']}: {json.dumps(r)[:300]}\n")
        out['results'].append(r)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
