#!/usr/bin/env python3
"""Reference figures for itersolve's coordinate-descent tests (issue 11, sections 4 and 5),
computed with scikit-learn, SciPy and (for group Lasso and the polished l1-logistic optima)
a carefully converged numpy proximal-gradient solver written here.

Regenerate everything with (from the repository root):

    /usr/bin/python3 scripts/bcd-fixtures.py              # all files
    /usr/bin/python3 scripts/bcd-fixtures.py lasso digits  # only the files named

Needs NumPy, SciPy and scikit-learn (Debian: `apt-get install python3-scipy python3-sklearn`;
made with scikit-learn 1.2.1, SciPy 1.10.1, NumPy 1.24.2: each file records the versions under
`generator`). Writes (overwriting) JSON files in test/fixtures/bcd/:

  lasso.json     sklearn Lasso and ElasticNet (l1_ratio 0.5) at tol 1e-12 on three designs
                 (diabetes; a correlated simulated design; a sparse random design fitted both as
                 CSC and dense), with and without intercept, lambda / lambda_max in
                 {2, 1, 0.5, 0.1, 0.01}; sample-weight (dense and CSC) and positive=True cases; coefficients,
                 intercept, objective under OUR convention (below), duality gap under our
                 convention, sklearn's own dual_gap_ and n_iter_.
  path.json      lasso_path and enet_path (l1_ratio 0.5) on a 20-value grid (eps 1e-3, sklearn's
                 default geometric grid) on the correlated design, no intercept, tol 1e-12.
  nnls.json      scipy.optimize.nnls on an overdetermined, an underdetermined and an all-zero case.
  logistic.json  l1-logistic: sklearn LogisticRegression(penalty='l1') (liblinear without
                 intercept, saga with intercept) and the optimum polished by FISTA here.
  group.json     group Lasso optima from FISTA here (no sklearn estimator exists).
  digits.json    sklearn's digits data (1797 x 64, integer pixels 0..16), a stratified seeded
                 80/20 split, and reference accuracies (ridge classifier on pixels / 16; ridge
                 readout on frozen random initial ReLU features).
  sklearn-suite.json  the data and sklearn's answers for cases of sklearn's own
                 test_coordinate_descent.py that need numpy's RandomState (test_lasso_dual_gap,
                 test_random_descent, test_warm_start_convergence, test_enet_ridge_consistency,
                 test_enet_sample_weight_consistency), rebuilt against ours in test/bcd-sklearn.test.ts.

OUR CONVENTION (issue 11, section 2), with sample weights s_i (all 1 when absent), S = sum(s):

  P(w, c) = (1 / (2 S)) * sum_i s_i (y_i - x_i.w - c)^2 + lam * (r * ||w||_1 + (1 - r) / 2 * ||w||_2^2)

r = l1Ratio (1 for Lasso); lam plays sklearn's `alpha`. sklearn 1.2 rescales sample_weight to sum
to n and minimises (1/(2n)) sum s'_i (...)^2 + penalty, the same function. c = 0 without
intercept. `objective` is P at the stored (coef, intercept), evaluated in float64 by numpy.
`dualGap` is sklearn's coordinate-descent duality gap (cd_fast.pyx: the dual point is the
residual rescaled into the dual feasible set, with the sign-restricted dual norm max(X^T R) when
positive) of the weighted, centred problem, divided by n so that it is in units of P: sklearn
stops when its raw gap <= tol * ||y_c||^2 (y_c: the (weighted-)centred, sqrt(s)-scaled target),
i.e. when dualGap <= tol * ||y_c||^2 / n. `sklearnDualGap` is sklearn's dual_gap_ as returned
(sklearn 1.2 already divides it by n: it equals dualGap up to rounding).
lambda_max is the smallest lam with w = 0 optimal: max_j |sum_i s_i (x_ij - xbar_j)(y_i - ybar)|
/ (S r) (centring only with intercept; weighted means; max of the signed values when positive).

l1-logistic: P(w, c) = (1/n) sum_i log(1 + exp(-y_i (x_i.w + c))) + lam ||w||_1, y in {-1, +1}.
liblinear minimises ||w||_1 + C sum_i log(1 + exp(-y_i x_i.w)) = C n P(w): so C = 1 / (n lam).
(liblinear would also penalise an intercept, through its intercept_scaling column; we therefore
use liblinear only without intercept.) saga minimises (1/C) ||w||_1 + sum_i logloss with an
unpenalised intercept = C n P(w, c) / (C n) ... i.e. again C = 1 / (n lam) (saga is run to tol 1e-8
only; the polish below does the rest). Every stored objective is
P under our convention at the stored solution. `reference` is the optimum polished from sklearn's
answer by FISTA with restarts until the KKT residual (max over coordinates of the distance of
-grad_j f to lam * subdifferential of |w_j|; |grad_c| for the intercept) is <= 1e-13 or stalls.

Group Lasso: P(w, c) = (1/(2n)) ||y - Xw - c||^2 + lam * sum_g omega_g ||w_g||_2, omega_g =
sqrt(|g|), groups given as offsets. Reference: FISTA (step 1/L, L = ||X_c||_2^2 / n, gradient
restart) on the centred problem to a KKT residual <= 1e-13 (sqrt of machine precision squared;
the residual reached is stored), intercept = ybar - xbar.w.

Random data: numpy's default_rng(seed) with the seeds below. Simulated designs are rounded to
6 significant digits, diabetes' (already scaled) X to 8, before fitting, so the stored inputs
are exactly what was fitted. Floats are written with Python's shortest round-trip repr.
Deterministic (no timings; BLAS pinned to one thread); the TypeScript tests only read these files.
"""
import json
import os
import sys
import warnings

for _v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np
import scipy
import scipy.linalg as sla
import scipy.optimize as sopt
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, RidgeClassifier, enet_path, lasso_path
from sklearn.model_selection import train_test_split

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'bcd')

TOL = 1e-12
MAX_ITER = 10 ** 6
RATIOS = [2.0, 1.0, 0.5, 0.1, 0.01]
KKT_TARGET = 1e-13


def vec(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def rnd(x, digits):
    """Round to `digits` significant digits (through the decimal repr, so JSON holds them exactly)."""
    f = np.vectorize(lambda v: float(f'{v:.{digits}g}'))
    return f(np.asarray(x, dtype=np.float64)).astype(np.float64)


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)')


def generator():
    return {'script': 'scripts/bcd-fixtures.py', 'sklearn': sklearn.__version__, 'scipy': scipy.__version__,
            'numpy': np.__version__, 'python': sys.version.split()[0]}


# ---- designs --------------------------------------------------------------------------------

def toeplitz_design(rng, n, p, rho, k, snr):
    """benchopt-style: rows ~ N(0, T), T_ij = rho^|i-j| (X = Z L^T, L the Cholesky factor of T);
    k informative features at random positions with N(0,1) coefficients; noise scaled so that
    ||Xw*|| / ||noise|| = snr."""
    T = sla.toeplitz(rho ** np.arange(p))
    L = np.linalg.cholesky(T)
    X = rng.standard_normal((n, p)) @ L.T
    w = np.zeros(p)
    support = np.sort(rng.choice(p, size=k, replace=False))
    w[support] = rng.standard_normal(k)
    Xw = X @ w
    noise = rng.standard_normal(n)
    y = Xw + noise * (np.linalg.norm(Xw) / (snr * np.linalg.norm(noise)))
    return X, y


def designs():
    out = {}
    d = load_diabetes()
    out['diabetes'] = dict(X=rnd(d.data, 8), y=np.asarray(d.target, dtype=np.float64), source=(
        'sklearn.datasets.load_diabetes() (scaled: mean 0, norm 1 columns), X rounded to 8 significant digits'))
    rng = np.random.default_rng(1101)
    X, y = toeplitz_design(rng, 80, 50, 0.6, 8, 3.0)
    out['correlated'] = dict(X=rnd(X, 6), y=rnd(y + 1.5, 6), source=(
        'default_rng(1101): n=80, p=50, Toeplitz rho=0.6, 8 informative N(0,1), SNR 3, y + 1.5; 6 significant digits'))
    rng = np.random.default_rng(1102)
    n, p = 120, 80
    S = sp.random(n, p, density=0.08, format='csc', random_state=rng, data_rvs=rng.standard_normal)
    S.data = rnd(S.data, 6)
    S.sort_indices()
    w = np.zeros(p)
    w[rng.choice(p, 10, replace=False)] = rng.standard_normal(10) * 2
    Xw = S @ w
    noise = rng.standard_normal(n)
    y = Xw + noise * (np.linalg.norm(Xw) / (3.0 * np.linalg.norm(noise))) - 0.7
    out['sparse'] = dict(X=S.toarray(), csc=S, y=rnd(y, 6), source=(
        'default_rng(1102): scipy.sparse.random 120 x 80, density 0.08, N(0,1) values (6 digits), CSC, '
        '10 informative 2 N(0,1), SNR 3, y - 0.7; 6 significant digits'))
    return out


def design_json(d):
    X = d['X']
    j = {'n': int(X.shape[0]), 'p': int(X.shape[1]), 'y': vec(d['y']), 'source': d['source']}
    if 'csc' in d:
        S = d['csc']
        j['csc'] = {'indptr': [int(v) for v in S.indptr], 'indices': [int(v) for v in S.indices], 'data': vec(S.data)}
    else:
        j['X'] = vec(X.T)  # column-major (order 'F')
        j['order'] = 'F'
    return j


# ---- objective, gap, lambda_max ---------------------------------------------------------------

def objective(X, y, w, c, lam, r, s=None):
    s = np.ones(len(y)) if s is None else s
    res = y - X @ w - c
    return float(np.sum(s * res * res) / (2 * s.sum()) + lam * (r * np.abs(w).sum() + 0.5 * (1 - r) * (w @ w)))


def centred(X, y, s, fit_intercept):
    n = len(y)
    s = np.ones(n) if s is None else s * (n / s.sum())
    if fit_intercept:
        xm = (s @ X) / s.sum()
        ym = (s @ y) / s.sum()
        Xc, yc = X - xm, y - ym
    else:
        Xc, yc = X, y
    q = np.sqrt(s)
    return Xc * q[:, None], yc * q


def lam_max(X, y, s, fit_intercept, r, positive):
    Xc, yc = centred(X, y, s, fit_intercept)
    g = Xc.T @ yc / len(y)
    return float((g.max() if positive else np.abs(g).max()) / r)


def cd_gap(X, y, w, s, fit_intercept, lam, r, positive):
    """sklearn cd_fast.enet_coordinate_descent's gap on the centred, weighted problem, / n."""
    Xc, yc = centred(X, y, s, fit_intercept)
    n = len(y)
    a, b = lam * r * n, lam * (1 - r) * n
    R = yc - Xc @ w
    XtA = Xc.T @ R - b * w
    dual_norm = XtA.max() if positive else np.abs(XtA).max()
    R2 = R @ R
    if dual_norm > a:
        const = a / dual_norm
        gap = 0.5 * (R2 + R2 * const * const)
    else:
        const = 1.0
        gap = R2
    gap += a * np.abs(w).sum() - const * (R @ yc) + 0.5 * b * (1 + const * const) * (w @ w)
    return float(gap / n), float(yc @ yc)


# ---- Lasso / ElasticNet ---------------------------------------------------------------------

def fit(est, X, y, s):
    with warnings.catch_warnings(record=True) as wrn:
        warnings.simplefilter('always')
        est.fit(X, y, sample_weight=s)
    conv = not any(issubclass(x.category, ConvergenceWarning) for x in wrn)
    return est, conv


def lasso_fixtures(D):
    cases = []
    rng = np.random.default_rng(1103)
    weights = {name: rnd(rng.uniform(0.5, 2.0, len(D[name]['y'])), 6) for name in ('diabetes', 'correlated', 'sparse')}

    def one(design, kind, fi, ratio, r, s_name=None, positive=False, sparse=False):
        d = D[design]
        X, y = d['X'], d['y']
        s = weights[s_name] if s_name else None
        lm = lam_max(X, y, s, fi, r, positive)
        lam = ratio * lm
        kw = dict(alpha=lam, fit_intercept=fi, tol=TOL, max_iter=MAX_ITER, positive=positive)
        est = Lasso(**kw) if kind == 'lasso' else ElasticNet(l1_ratio=r, **kw)
        Xf = d['csc'] if sparse else np.asfortranarray(X)
        est, conv = fit(est, Xf, y, s)
        w = np.asarray(est.coef_, dtype=np.float64)
        c = float(est.intercept_) if fi else 0.0
        gap, ync = cd_gap(X, y, w, s, fi, lam, r, positive)
        e = {'design': design, 'estimator': kind, 'sparse': sparse, 'fitIntercept': fi, 'positive': positive,
             'sampleWeight': s_name, 'l1Ratio': r, 'lambda': lam, 'lambdaMax': lm, 'lambdaRatio': ratio,
             'coef': vec(w), 'intercept': c, 'objective': objective(X, y, w, c, lam, r, s), 'dualGap': gap,
             'yCentredNorm2': ync, 'sklearnDualGap': float(est.dual_gap_), 'nIter': int(est.n_iter_),
             'converged': conv, 'nnz': int(np.count_nonzero(w))}
        print(f"{kind:6s} {design:10s} {'csc' if sparse else 'dense'} fi={fi!s:5} pos={positive!s:5} "
              f"sw={s_name!s:10} r={ratio:<5g} nnz={e['nnz']:3d} obj={e['objective']:.15g} gap={gap:.2e} "
              f"it={e['nIter']} conv={conv}")
        cases.append(e)

    for design in ('diabetes', 'correlated', 'sparse'):
        for fi in (False, True):
            for ratio in RATIOS:
                one(design, 'lasso', fi, ratio, 1.0)
                one(design, 'enet', fi, ratio, 0.5)
                if design == 'sparse':
                    one(design, 'lasso', fi, ratio, 1.0, sparse=True)
                    one(design, 'enet', fi, ratio, 0.5, sparse=True)
    for design in ('diabetes', 'correlated'):
        for fi in (False, True):
            for ratio in (1.0, 0.5, 0.05):
                one(design, 'lasso', fi, ratio, 1.0, s_name=design)
                one(design, 'lasso', fi, ratio, 1.0, positive=True)
            one(design, 'enet', fi, 0.1, 0.5, s_name=design)
    for fi in (False, True):
        for ratio in (1.0, 0.1):
            one('sparse', 'lasso', fi, ratio, 1.0, positive=True, sparse=True)
        for sparse in (True, False):  # sample weights on CSC X, and the dense twin
            one('sparse', 'lasso', fi, 0.1, 1.0, s_name='sparse', sparse=sparse)
            one('sparse', 'enet', fi, 0.1, 0.5, s_name='sparse', sparse=sparse)
    return cases, {k: vec(v) for k, v in weights.items()}


def path_fixtures(D):
    d = D['correlated']
    X, y = np.asfortranarray(d['X']), d['y']
    out = {}
    for kind, r in (('lasso', 1.0), ('enet', 0.5)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            if kind == 'lasso':
                alphas, coefs, gaps = lasso_path(X, y, eps=1e-3, n_alphas=20, tol=TOL, max_iter=MAX_ITER)
            else:
                alphas, coefs, gaps = enet_path(X, y, l1_ratio=r, eps=1e-3, n_alphas=20, tol=TOL, max_iter=MAX_ITER)
        lm = lam_max(d['X'], y, None, False, r, False)
        objs = [objective(d['X'], y, coefs[:, k], 0.0, alphas[k], r) for k in range(len(alphas))]
        mygaps = [cd_gap(d['X'], y, coefs[:, k], None, False, alphas[k], r, False)[0] for k in range(len(alphas))]
        out[kind] = {'l1Ratio': r, 'lambdaMax': lm, 'lambdas': vec(alphas), 'coefs': [vec(coefs[:, k]) for k in range(len(alphas))],
                     'objectives': objs, 'dualGaps': mygaps, 'sklearnDualGaps': vec(gaps),
                     'nnz': [int(np.count_nonzero(coefs[:, k])) for k in range(len(alphas))]}
        print(f"{kind}_path: lam_max {lm:.15g} vs alphas[0] {alphas[0]:.15g}; nnz {out[kind]['nnz']}; "
              f"max gap {max(mygaps):.2e}")
    return out


# ---- NNLS ---------------------------------------------------------------------------------

def nnls_fixtures():
    rng = np.random.default_rng(1104)
    cases = []

    def one(name, A, b):
        A, b = rnd(A, 6), rnd(b, 6)
        x, rn = sopt.nnls(A, b, maxiter=50 * A.shape[1])
        g = A.T @ (A @ x - b)
        kkt = float(max(np.abs(g[x > 0]).max(initial=0.0), (-g[x == 0]).max(initial=0.0)))
        cases.append({'name': name, 'm': int(A.shape[0]), 'n': int(A.shape[1]), 'A': vec(A.T), 'order': 'F',
                      'b': vec(b), 'x': vec(x), 'rnorm': float(rn), 'objective': float(0.5 * np.sum((A @ x - b) ** 2)),
                      'kkt': kkt, 'nnz': int(np.count_nonzero(x))})
        print(f"nnls {name}: nnz {np.count_nonzero(x)}/{A.shape[1]} rnorm {rn:.15g} kkt {kkt:.1e}")

    A = rng.standard_normal((40, 15))
    xs = np.maximum(rng.standard_normal(15), 0)
    one('overdetermined', A, A @ xs + 0.3 * rng.standard_normal(40))
    A = rng.standard_normal((15, 25))
    one('underdetermined', A, rng.standard_normal(15))
    A = rng.uniform(0.1, 1.0, (20, 8))
    one('all-zero', A, -(A @ np.ones(8)))
    return cases


# ---- proximal gradient (FISTA with gradient restart) -------------------------------------------

def fista(grad_f, f, prox, L, z0, kkt, max_iter=60_000):
    """min f(z) + h(z); returns (z, kkt residual, iterations). Stops at kkt <= KKT_TARGET or when the
    residual has not improved for 5 000 iterations (or after max_iter)."""
    z = z0.copy()
    yk = z.copy()
    t = 1.0
    best = (kkt(z), z.copy())
    since = 0
    it = 0
    for it in range(1, max_iter + 1):
        znew = prox(yk - grad_f(yk) / L, 1.0 / L)
        if (yk - znew) @ (znew - z) > 0:  # gradient restart (O'Donoghue and Candes)
            t = 1.0
            yk = z.copy()
            znew = prox(yk - grad_f(yk) / L, 1.0 / L)
        tn = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        yk = znew + ((t - 1) / tn) * (znew - z)
        z, t = znew, tn
        if it % 20 == 0:
            k = kkt(z)
            if k < best[0]:
                best, since = (k, z.copy()), 0
            else:
                since += 20
            if k <= KKT_TARGET or since >= 5_000:
                break
    return best[1], best[0], it


def soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


# ---- l1-logistic --------------------------------------------------------------------------------

def log1pexp(u):
    return np.logaddexp(0.0, u)


def sigmoid(u):
    return np.where(u >= 0, 1 / (1 + np.exp(-np.abs(u))), np.exp(-np.abs(u)) / (1 + np.exp(-np.abs(u))))


def logistic_objective(X, y, w, c, lam):
    return float(np.mean(log1pexp(-y * (X @ w + c))) + lam * np.abs(w).sum())


def logistic_fixtures():
    rng = np.random.default_rng(1105)
    n, p = 100, 30
    X, _ = toeplitz_design(rng, n, p, 0.5, 1, 3.0)
    w = np.zeros(p)
    w[rng.choice(p, 6, replace=False)] = 1.5 * rng.standard_normal(6)
    X = rnd(X, 6)
    prob = sigmoid(X @ w + 0.4)
    y = np.where(rng.random(n) < prob, 1.0, -1.0)
    cases = []
    for fi in (False, True):
        # lambda_max: gradient of the mean log-loss at w = 0 (and the optimal intercept when fitted).
        if fi:
            pbar = np.mean(y > 0)
            g = X.T @ ((y > 0) - pbar) / n
        else:
            g = X.T @ (y / 2) / n
        lm = float(np.abs(g).max())
        for ratio in (1.0, 0.5, 0.1, 0.02):
            lam = ratio * lm
            C = 1.0 / (n * lam)
            solver = 'saga' if fi else 'liblinear'
            est = LogisticRegression(penalty='l1', C=C, solver=solver, fit_intercept=fi, tol=1e-8 if fi else 1e-12,
                                     max_iter=20000 if fi else 10000, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', ConvergenceWarning)
                est.fit(X, y)
            ws = est.coef_.ravel().astype(np.float64)
            cs = float(est.intercept_[0]) if fi else 0.0
            Xa = np.hstack([X, np.ones((n, 1))]) if fi else X

            def f(z):
                return float(np.mean(log1pexp(-y * (Xa @ z))))

            def grad_f(z):
                return -(Xa.T @ (y * sigmoid(-y * (Xa @ z)))) / n

            def prox(z, tau):
                out = soft(z, tau * lam)
                if fi:
                    out[-1] = z[-1]
                return out

            def kkt(z):
                g = grad_f(z)
                ww, gw = (z[:-1], g[:-1]) if fi else (z, g)
                v = np.where(ww != 0, np.abs(gw + lam * np.sign(ww)), np.maximum(np.abs(gw) - lam, 0))
                return float(max(v.max(), abs(g[-1]) if fi else 0.0))

            L = np.linalg.norm(Xa, 2) ** 2 / (4 * n)
            z0 = np.concatenate([ws, [cs]]) if fi else ws.copy()
            zr, k, its = fista(grad_f, f, prox, L, z0, kkt)
            wr, cr = (zr[:-1], float(zr[-1])) if fi else (zr, 0.0)
            e = {'fitIntercept': fi, 'lambda': lam, 'lambdaMax': lm, 'lambdaRatio': ratio,
                 'sklearn': {'solver': solver, 'C': C, 'coef': vec(ws), 'intercept': cs, 'nIter': int(est.n_iter_.max()),
                             'objective': logistic_objective(X, y, ws, cs, lam), 'kkt': kkt(z0)},
                 'reference': {'coef': vec(wr), 'intercept': cr, 'objective': logistic_objective(X, y, wr, cr, lam),
                               'kkt': k, 'fistaIterations': its, 'nnz': int(np.count_nonzero(wr))}}
            print(f"logistic fi={fi!s:5} r={ratio:<4g} {solver:9s} obj {e['sklearn']['objective']:.15g} kkt "
                  f"{e['sklearn']['kkt']:.1e} | polished {e['reference']['objective']:.15g} kkt {k:.1e} "
                  f"({its} its) nnz {e['reference']['nnz']} |dw| {np.abs(wr - ws).max():.1e}")
            cases.append(e)
    return {'n': n, 'p': p, 'X': vec(X.T), 'order': 'F', 'y': vec(y),
            'source': 'default_rng(1105): n=100, p=30, Toeplitz rho=0.5, 6 informative 1.5 N(0,1), intercept 0.4, '
                      'labels Bernoulli(sigmoid) in {-1, +1}; X to 6 significant digits'}, cases


# ---- group Lasso --------------------------------------------------------------------------------

def group_fixtures(D):
    d = D['correlated']
    X, y = d['X'], d['y']
    n, p = X.shape
    offsets = [0, 1, 4, 9, 10, 16, 20, 28, 30, 35, 41, 44, 50]
    sizes = np.diff(offsets)
    omega = np.sqrt(sizes)
    groups = [slice(offsets[g], offsets[g + 1]) for g in range(len(sizes))]
    cases = []
    for fi in (False, True):
        Xc, yc = centred(X, y, None, fi)
        lm = float(max(np.linalg.norm(Xc[:, G].T @ yc) / (n * omega[g]) for g, G in enumerate(groups)))
        L = np.linalg.norm(Xc, 2) ** 2 / n
        for ratio in (1.0, 0.5, 0.2, 0.05):
            lam = ratio * lm

            def f(w):
                r = yc - Xc @ w
                return 0.5 * (r @ r) / n

            def grad_f(w):
                return -(Xc.T @ (yc - Xc @ w)) / n

            def prox(v, tau):
                out = v.copy()
                for g, G in enumerate(groups):
                    nv = np.linalg.norm(v[G])
                    out[G] = 0.0 if nv <= tau * lam * omega[g] else v[G] * (1 - tau * lam * omega[g] / nv)
                return out

            def kkt(w):
                gr = grad_f(w)
                worst = 0.0
                for g, G in enumerate(groups):
                    nw = np.linalg.norm(w[G])
                    if nw > 0:
                        worst = max(worst, np.linalg.norm(gr[G] + lam * omega[g] * w[G] / nw))
                    else:
                        worst = max(worst, np.linalg.norm(gr[G]) - lam * omega[g])
                return float(worst)

            w, k, its = fista(grad_f, f, prox, L, np.zeros(p), kkt)
            c = float(np.mean(y) - np.mean(X, 0) @ w) if fi else 0.0
            res = y - X @ w - c
            obj = float(0.5 * (res @ res) / n + lam * sum(omega[g] * np.linalg.norm(w[G]) for g, G in enumerate(groups)))
            active = [g for g, G in enumerate(groups) if np.linalg.norm(w[G]) > 0]
            cases.append({'fitIntercept': fi, 'lambda': lam, 'lambdaMax': lm, 'lambdaRatio': ratio, 'coef': vec(w),
                          'intercept': c, 'objective': obj, 'kkt': k, 'fistaIterations': its, 'activeGroups': active})
            print(f"group fi={fi!s:5} r={ratio:<4g} obj {obj:.15g} kkt {k:.1e} its {its} active {active}")
    return {'designName': 'correlated', 'offsets': offsets, 'groupWeights': vec(omega), 'cases': cases}


# ---- digits ---------------------------------------------------------------------------------------

B36 = '0123456789abcdefg'
INIT_HOW = {'he': 'He init: W ~ N(0, 2/fan_in), b = 0', 'paper': 'paper init: W = 0.01 N(0,1), b = 0.1'}


def digits_fixture():
    dg = load_digits()
    pix = dg.data.astype(np.int64)
    lab = dg.target.astype(np.int64)
    assert pix.min() >= 0 and pix.max() <= 16
    idx = np.arange(len(lab))
    tr, te = train_test_split(idx, test_size=0.2, stratify=lab, random_state=11)
    tr, te = np.sort(tr), np.sort(te)
    X = pix / 16.0
    Y = lab
    acc = {}
    rc = RidgeClassifier(alpha=1.0).fit(X[tr], Y[tr])
    acc['ridgePixels'] = {'accuracy': float(rc.score(X[te], Y[te])),
                          'how': 'sklearn RidgeClassifier(alpha=1.0) (fit_intercept=True: one-vs-all ridge regression '
                                 'on +-1 targets, argmax) on pixels / 16, train split -> test split'}

    def features(seed, init):
        rng = np.random.default_rng(seed)
        dims = [64, 256, 256]
        H = X
        for i in range(2):
            if init == 'he':
                W = rng.standard_normal((dims[i + 1], dims[i])) * np.sqrt(2.0 / dims[i])
                b = np.zeros(dims[i + 1])
            else:
                W = 0.01 * rng.standard_normal((dims[i + 1], dims[i]))
                b = np.full(dims[i + 1], 0.1)
            H = np.maximum(H @ W.T + b, 0.0)
        return H

    for init in ('he', 'paper'):
        accs = []
        for seed in range(5):
            H = features(seed, init)
            m = RidgeClassifier(alpha=1.0).fit(H[tr], Y[tr])
            accs.append(float(m.score(H[te], Y[te])))
        acc[f'ridgeFrozenFeatures_{init}'] = {
            'accuracies': accs, 'mean': float(np.mean(accs)), 'seeds': list(range(5)),
            'how': ('network 64 -> 256 -> 256 (ReLU), ' + INIT_HOW[init] + ', drawn with numpy default_rng(seed) (W1 then '
                    'W2, row-major (out, in)); features = ReLU(W2 ReLU(W1 x + b1) + b2) for x = pixels / 16, frozen; '
                    'readout = sklearn RidgeClassifier(alpha=1.0) on the train split; test-split accuracy. Seeds 0-4 '
                    "(numpy's generator: a JS run draws other weights, so compare with the spread).")}
        print(f"digits frozen features {init}: {accs}")
    print(f"digits ridge on pixels: {acc['ridgePixels']['accuracy']}")
    return {
        'n': int(len(lab)), 'd': 64, 'classes': 10,
        'pixels': [''.join(B36[v] for v in row) for row in pix],
        'pixelsEncoding': "one string per image, 64 characters (8x8 row-major), each a base-36 digit 0-9a-g = 0..16; "
                          "the issue's features are value / 16",
        'labels': ''.join(str(v) for v in lab),
        'testIndices': [int(v) for v in te],
        'split': 'sklearn train_test_split(arange(1797), test_size=0.2, stratify=labels, random_state=11); '
                 'train = the other indices (sorted)',
        'reference': acc,
        'provenance': {
            'loader': f'sklearn.datasets.load_digits() (scikit-learn {sklearn.__version__}, file sklearn/datasets/data/digits.csv.gz)',
            'sklearnDescr': 'Optical recognition of handwritten digits dataset; "This is a copy of the test set of the UCI ML '
                            'hand-written digits datasets https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits"; '
                            'Creator: E. Alpaydin; Date: July 1998; 1797 instances, 64 integer attributes 0..16. '
                            "sklearn's description states no licence.",
            'original': 'UCI Machine Learning Repository, dataset 80 "Optical Recognition of Handwritten Digits" '
                        '(E. Alpaydin, C. Kaynak, 1998), file optdigits.tes; doi:10.24432/C50P49',
            'licence': 'CC BY 4.0 (Creative Commons Attribution 4.0 International), as the UCI repository lists it for '
                       'this dataset; attribution: Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of '
                       'Handwritten Digits. UCI Machine Learning Repository.',
        },
    }


# ---- scikit-learn's own tests (sklearn/linear_model/tests/test_coordinate_descent.py) -------------

def build_dataset(n_samples=50, n_features=200, n_informative_features=10):
    """sklearn's test helper, verbatim in effect: RandomState(0), w ~ randn with the tail zeroed, X ~ randn."""
    rs = np.random.RandomState(0)
    w = rs.randn(n_features)
    w[n_informative_features:] = 0.0
    X = rs.randn(n_samples, n_features)
    return X, X @ w


def dense_json(X):
    X = np.asarray(X, dtype=np.float64)
    return {'rows': int(X.shape[0]), 'cols': int(X.shape[1]), 'order': 'C', 'data': vec(X)}


def suite_fixtures():
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge
    out = {}
    # test_lasso_dual_gap: Lasso(alpha = 0.01 max|X^T y|/n, fit_intercept=False) on build_dataset(10, 30).
    X, y = build_dataset(n_samples=10, n_features=30)
    alpha = 0.01 * np.max(np.abs(X.T @ y)) / len(y)
    clf = Lasso(alpha=alpha, fit_intercept=False).fit(X, y)
    out['dualGap'] = {'X': dense_json(X), 'y': vec(y), 'lambda': float(alpha), 'coef': vec(clf.coef_),
                      'dualGap': float(clf.dual_gap_), 'nIter': int(clf.n_iter_)}
    # test_random_descent: ElasticNet() (alpha 1, l1_ratio 0.5) cyclic at tol 1e-8 on build_dataset(50, 20) and on
    # its transpose with y[:20].
    X, y = build_dataset(n_samples=50, n_features=20)
    a = ElasticNet(selection='cyclic', tol=1e-8).fit(X, y)
    b = ElasticNet(selection='cyclic', tol=1e-8).fit(X.T, y[:20])
    out['randomDescent'] = {'X': dense_json(X), 'y': vec(y), 'coef': vec(a.coef_), 'intercept': float(a.intercept_),
                            'coefT': vec(b.coef_), 'interceptT': float(b.intercept_)}
    # test_warm_start_convergence: ElasticNet(alpha=1e-3, tol=1e-3) on build_dataset(): > 2 epochs cold, 1 warm.
    X, y = build_dataset()
    m = ElasticNet(alpha=1e-3, tol=1e-3).fit(X, y)
    out['warmStart'] = {'X': dense_json(X), 'y': vec(y), 'nIter': int(m.n_iter_), 'coef': vec(m.coef_),
                        'intercept': float(m.intercept_)}
    # test_enet_ridge_consistency: ElasticNet(l1_ratio=0, alpha=1/sum(sw)) == Ridge(alpha=1) with sample weights.
    rng = np.random.RandomState(42)
    X, y = make_regression(n_samples=300, n_features=100, effective_rank=10, n_informative=50, random_state=rng)
    sw = rng.uniform(low=0.01, high=10, size=X.shape[0])
    r = Ridge(alpha=1.0, tol=1e-12).fit(X, y, sample_weight=sw)
    out['ridge'] = {'X': dense_json(X), 'y': vec(y), 'sampleWeight': vec(sw), 'ridgeAlpha': 1.0,
                    'lambda': float(1.0 / sw.sum()), 'coef': vec(r.coef_), 'intercept': float(r.intercept_)}
    # test_enet_sample_weight_consistency: RandomState(0) rand(10, 5), rand(10); ElasticNet(l1_ratio=0.5, tol=1e-6).
    rng = np.random.RandomState(0)
    X = rng.rand(10, 5)
    y = rng.rand(10)
    fits = []
    for fi in (True, False):
        for al in (0.01, 0.1):
            e = ElasticNet(alpha=al, fit_intercept=fi, tol=1e-12, l1_ratio=0.5).fit(X, y)
            fits.append({'fitIntercept': fi, 'lambda': al, 'coef': vec(e.coef_), 'intercept': float(e.intercept_)})
    out['sampleWeight'] = {'X': dense_json(X), 'y': vec(y), 'fits': fits}
    # test_sparse_dense_descent_paths / test_path_parameters: lasso_path and enet_path (defaults: 100 alphas,
    # eps 1e-3, no intercept; here at tol 1e-12) on build_dataset(50, 20).
    X, y = build_dataset(n_samples=50, n_features=20)
    la, lc, _ = lasso_path(X, y, tol=1e-12, max_iter=100000)
    ea, ec, _ = enet_path(X, y, tol=1e-12, max_iter=100000)
    out['paths'] = {'X': dense_json(X), 'y': vec(y), 'lasso': {'lambdas': vec(la), 'coefs': [vec(c) for c in lc.T]},
                    'enet': {'l1Ratio': 0.5, 'lambdas': vec(ea), 'coefs': [vec(c) for c in ec.T]}}
    # test_lasso_path_return_models_vs_new_return_gives_same_coefficients: lars_path (method 'lasso') on the toy data,
    # interpolated at alphas [5, 1, 0.5].
    from scipy import interpolate
    from sklearn.linear_model import lars_path
    X = np.array([[1, 2, 3.1], [2.3, 5.4, 4.3]]).T
    y = np.array([1, 2, 3.1])
    al, _, cl = lars_path(X, y, method='lasso')
    at = [5.0, 1.0, 0.5]
    lars = interpolate.interp1d(al[::-1], cl[:, ::-1])(at)
    out['lars'] = {'X': dense_json(X), 'y': vec(y), 'lambdas': at, 'coefs': [vec(c) for c in np.asarray(lars).T]}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    which = set(sys.argv[1:]) or {'lasso', 'path', 'nnls', 'logistic', 'group', 'digits', 'suite'}
    D = designs()
    dj = {k: design_json(v) for k, v in D.items()}
    conv = {'objective': '(1/(2 sum s)) sum s_i (y_i - x_i.w - c)^2 + lambda (r |w|_1 + (1-r)/2 |w|^2)',
            'dualGap': 'sklearn cd_fast gap on the centred sqrt(s)-scaled problem, divided by n (objective units)'}
    if 'lasso' in which:
        cases, weights = lasso_fixtures(D)
        write('lasso.json', {'generator': generator(), 'tol': TOL, 'convention': conv, 'designs': dj,
                             'sampleWeights': weights, 'cases': cases})
    if 'path' in which:
        write('path.json', {'generator': generator(), 'tol': TOL, 'eps': 1e-3, 'nLambdas': 20, 'convention': conv,
                            'design': dj['correlated'], **path_fixtures(D)})
    if 'nnls' in which:
        write('nnls.json', {'generator': generator(), 'objective': '0.5 ||Ax - b||^2, x >= 0', 'cases': nnls_fixtures()})
    if 'logistic' in which:
        design, cases = logistic_fixtures()
        write('logistic.json', {'generator': generator(), 'kktTarget': KKT_TARGET,
                                'objective': '(1/n) sum log(1 + exp(-y_i (x_i.w + c))) + lambda |w|_1',
                                'design': design, 'cases': cases})
    if 'group' in which:
        write('group.json', {'generator': generator(), 'kktTarget': KKT_TARGET,
                             'objective': '(1/(2n)) |y - Xw - c|^2 + lambda sum_g omega_g |w_g|_2',
                             'design': dj['correlated'], **group_fixtures(D)})
    if 'digits' in which:
        write('digits.json', {'generator': generator(), **digits_fixture()})
    if 'suite' in which:
        write('sklearn-suite.json', {'generator': generator(),
                                     'source': 'cases of sklearn/linear_model/tests/test_coordinate_descent.py',
                                     **suite_fixtures()})


if __name__ == '__main__':
    main()
