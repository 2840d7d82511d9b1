#!/usr/bin/env python3
"""Reference figures for itersolve's Krylov-solver tests, computed with SciPy.

Regenerate everything with (from the repository root):

    /usr/bin/python3 scripts/krylov-fixtures.py

Needs NumPy and SciPy (Debian: `apt-get install python3-scipy`; made with SciPy 1.10.1, NumPy 1.24.2).
Reads test/fixtures/matrices/*.mtx and writes (overwriting) six JSON files in test/fixtures/krylov/:

  spd.json       every symmetric positive definite matrix of test/fixtures/matrices: n, nnz,
                 b = A @ ones(n), eigenvalue extremes, and SciPy Jacobi-PCG (tol 1e-8) outcome
                 (iterations, info, true relative residual, error against the exact solution ones);
                 plus the matrices left out and why.
  general.json   bp_0, bp_800, bp_1600 (nonsymmetric): b = A @ ones(n), 2-norm condition number,
                 SciPy GMRES(50) and BiCGSTAB (unpreconditioned, tol 1e-8) outcomes, and the
                 accuracy of a direct sparse solve (spsolve).
  minres.json    2D Poisson 32x32 minus sigma*I (sigma = 1.0 and 2.5: symmetric indefinite),
                 b_i = sin(i+1): SciPy MINRES (tol 1e-10) outcome, the spsolve solution x, and the
                 eigenvalue count below zero.
  poisson64.json 2D Poisson 64x64, b_i = sin(i+1): SciPy CG iterations at tol 1e-6 and 1e-8.
  gcrotmk.json   SciPy gcrotmk (GCROT(m,k), truncate 'oldest') reference runs: SciPy's test_truncate
                 problem (np.random.seed(1234); A = rand(30,30) + I, b = rand(30); A and b stored) with
                 GMRES(10) for comparison, and a set of matrices of test/fixtures/matrices (b = A @ ones(n)),
                 unpreconditioned and Jacobi (right) preconditioned: inner steps, outer cycles, relres.
  robust.json    small singular / defective systems (GMRES on diag(2,3,4) with a rank-deficient
                 preconditioner; the nilpotent 4x4 upper-triangular ones matrix): SciPy's results and the
                 least-squares optima (numpy.linalg.lstsq) a robust GMRES must return.

`/usr/bin/python3 scripts/krylov-fixtures.py gcrotmk robust` rebuilds only the files named
(spd, general, minres, poisson64, gcrotmk, robust); no argument rebuilds all of them.

Everything is deterministic: no timings, no random numbers. Floats are written with Python's
shortest round-trip repr (at most 17 significant digits). The TypeScript tests only read these
files; they never run Python. Prints one summary line per matrix / system as it goes.
"""
import glob
import json
import os
import sys

# One BLAS thread: dense reductions (eigvalsh, cond, dot products) then do not depend on the core count.
for _v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np
import scipy
import scipy.io as sio
import scipy.sparse as sp
import scipy.sparse.linalg as spla

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
MATRICES = os.path.join(ROOT, 'test', 'fixtures', 'matrices')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'krylov')

SYM_RTOL = 1e-12
PCG_TOL = 1e-8
GMRES_TOL = 1e-8
GMRES_RESTART = 50
GMRES_CYCLES = 100          # SciPy's gmres maxiter counts restart cycles: 100 * 50 = 5000 inner iterations
BICGSTAB_MAXITER = 5000
MINRES_TOL = 1e-10
MINRES_MAXITER = 5000
GENERAL = ['bp_0', 'bp_800', 'bp_1600']


def f(v):
    """Plain Python float (json writes the shortest repr that round-trips)."""
    return float(v)


def vec(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def load(name):
    A = sio.mmread(os.path.join(MATRICES, name + '.mtx')).tocsr()
    A.sort_indices()
    return A


def relres(A, b, x):
    return f(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


def errors_vs_ones(x):
    e = x - 1.0
    return f(np.linalg.norm(e) / np.sqrt(x.shape[0])), f(np.abs(e).max())


def counter():
    c = [0]

    def cb(*_):
        c[0] += 1
    return c, cb


def poisson2d(N):
    # 5-point Laplacian, Dirichlet: 4 on the diagonal, -1 for the 4 neighbours; i = r*N + c.
    T = sp.diags([-np.ones(N - 1), 2.0 * np.ones(N), -np.ones(N - 1)], [-1, 0, 1], shape=(N, N), format='csr')
    I = sp.identity(N, format='csr')
    A = (sp.kron(T, I, format='csr') + sp.kron(I, T, format='csr')).tocsr()
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    assert A.nnz == 5 * N * N - 4 * N
    return A


def sin_rhs(n):
    return np.sin(np.arange(1, n + 1, dtype=np.float64))  # b_i = sin(i+1), i = 0..n-1 (JS: Math.sin(i + 1))


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)')


def generator():
    return {
        'script': 'scripts/krylov-fixtures.py',
        'command': '/usr/bin/python3 scripts/krylov-fixtures.py',
        'scipy': scipy.__version__,
        'numpy': np.__version__,
    }


# ----------------------------------------------------------------------------------------------
def build_spd():
    names = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(MATRICES, '*.mtx')))
    spd, excluded = [], []
    for name in names:
        A = load(name)
        n, m = A.shape
        base = {'name': name, 'n': int(n), 'nnz': int(A.nnz)}
        if n != m:
            excluded.append({**base, 'reason': f'not square ({n}x{m})'})
            print(f'{name:10s} excluded: not square')
            continue
        amax = abs(A).max()
        asym = abs(A - A.T).max()
        symerr = f(asym / amax) if amax > 0 else 0.0
        if asym > SYM_RTOL * amax:
            excluded.append({**base, 'reason': 'nonsymmetric', 'symmetryRelErr': symerr})
            print(f'{name:10s} excluded: nonsymmetric (max|A-A^T|/max|A| = {symerr:.2e})')
            continue
        D = A.toarray()
        d = A.diagonal()
        try:
            np.linalg.cholesky(D)
            pd = True
        except np.linalg.LinAlgError:
            pd = False
        ev = np.linalg.eigvalsh(D)
        eig = {'min': f(ev[0]), 'max': f(ev[-1])}
        if not pd:
            excluded.append({**base, 'reason': 'symmetric but not positive definite (dense Cholesky fails)',
                             'eigMin': eig['min'], 'eigMax': eig['max'],
                             'eigNonPositive': int((ev <= 0).sum()),
                             'eigBelowRoundoff': int((ev <= n * np.finfo(float).eps * abs(ev).max()).sum()),
                             'zeroDiagonal': int((d == 0).sum())})
            print(f'{name:10s} excluded: symmetric, not PD (eig min {ev[0]:.3e}, max {ev[-1]:.3e}, '
                  f'{int((ev <= 0).sum())} eigenvalues <= 0)')
            continue
        if not (d > 0).all():  # cannot happen for PD, kept as a guard for Jacobi
            raise SystemExit(f'{name}: PD but nonpositive diagonal?')
        s = 1.0 / np.sqrt(d)
        evs = np.linalg.eigvalsh(s[:, None] * D * s[None, :])  # D^-1/2 A D^-1/2: what Jacobi-PCG sees
        del D
        b = A @ np.ones(n)
        maxiter = max(20000, 10 * n)
        its, cb = counter()
        x, info = spla.cg(A, b, tol=PCG_TOL, atol=0, M=sp.diags(1.0 / d), maxiter=maxiter, callback=cb)
        rr = relres(A, b, x)
        rel, mx = errors_vs_ones(x)
        spd.append({
            **base,
            'symmetryRelErr': symerr,
            'explicitZeros': int((A.data == 0).sum()),
            'b': vec(b),
            'bNorm2': f(np.linalg.norm(b)),
            'eigMin': eig['min'], 'eigMax': eig['max'], 'cond2': f(ev[-1] / ev[0]),
            'jacobiScaledCond2': f(evs[-1] / evs[0]),
            'scipyJacobiPcg': {'tol': PCG_TOL, 'atol': 0, 'maxiter': maxiter, 'iterations': its[0],
                               'info': int(info), 'relres': rr, 'relErr': rel, 'maxAbsErr': mx},
        })
        print(f'{name:10s} SPD n={n:5d} nnz={A.nnz:6d} cond={ev[-1] / ev[0]:.2e} jacobi-cond={evs[-1] / evs[0]:.2e} '
              f'PCG its={its[0]:5d} info={info} relres={rr:.2e} relerr={rel:.2e} maxerr={mx:.2e}')
    write('spd.json', {
        'generator': generator(),
        'description': 'SPD matrices of test/fixtures/matrices; b = A @ ones(n), exact solution ones. '
                       'scipyJacobiPcg: scipy.sparse.linalg.cg(A, b, tol, atol=0, M=diag(1/diag(A)), maxiter), '
                       'x0 = 0, iterations = callback count; relres = ||b - A x||/||b|| (true residual); '
                       'relErr = ||x - 1||_2/||1||_2; maxAbsErr = max|x - 1|. nnz counts both triangles of the '
                       'CSR built from the Matrix Market file (mmread -> tocsr). cond2 = eigMax/eigMin (dense eigvalsh); '
                       'jacobiScaledCond2 = the same for D^-1/2 A D^-1/2.',
        'criteria': {'symmetric': f'max|A - A^T| <= {SYM_RTOL} * max|A|',
                     'positiveDefinite': 'numpy.linalg.cholesky(A.toarray()) succeeds'},
        'matrices': spd,
        'excluded': excluded,
    })


# ----------------------------------------------------------------------------------------------
def build_general():
    out = []
    for name in GENERAL:
        A = load(name)
        n = A.shape[0]
        assert A.shape[0] == A.shape[1]
        b = A @ np.ones(n)
        cond = f(np.linalg.cond(A.toarray()))
        its, cb = counter()
        xg, infog = spla.gmres(A, b, tol=GMRES_TOL, atol=0, restart=GMRES_RESTART, maxiter=GMRES_CYCLES,
                               callback=cb, callback_type='pr_norm')
        g = {'restart': GMRES_RESTART, 'tol': GMRES_TOL, 'atol': 0, 'maxiterCycles': GMRES_CYCLES,
             'innerIterations': its[0], 'info': int(infog), 'relres': relres(A, b, xg)}
        g['relErr'], g['maxAbsErr'] = errors_vs_ones(xg)
        its, cb = counter()
        xb, infob = spla.bicgstab(A, b, tol=GMRES_TOL, atol=0, maxiter=BICGSTAB_MAXITER, callback=cb)
        bi = {'tol': GMRES_TOL, 'atol': 0, 'maxiter': BICGSTAB_MAXITER, 'iterations': its[0], 'info': int(infob),
              'relres': relres(A, b, xb) if np.all(np.isfinite(xb)) else None}
        if np.all(np.isfinite(xb)):
            bi['relErr'], bi['maxAbsErr'] = errors_vs_ones(xb)
        xd = spla.spsolve(A.tocsc(), b)
        dr = {'relres': relres(A, b, xd)}
        dr['relErr'], dr['maxAbsErr'] = errors_vs_ones(xd)
        out.append({'name': name, 'n': int(n), 'nnz': int(A.nnz), 'b': vec(b), 'bNorm2': f(np.linalg.norm(b)),
                    'cond2': cond, 'scipyGmres': g, 'scipyBicgstab': bi, 'spsolve': dr})
        print(f'{name:10s} n={n} nnz={A.nnz} cond={cond:.2e} | GMRES(50) its={g["innerIterations"]} info={infog} '
              f'relres={g["relres"]:.2e} | BiCGSTAB its={bi["iterations"]} info={infob} relres={bi["relres"]} '
              f'| spsolve relres={dr["relres"]:.2e} relerr={dr["relErr"]:.2e}')
    write('general.json', {
        'generator': generator(),
        'description': 'Nonsymmetric bp_* simplex-basis matrices; b = A @ ones(n). scipyGmres: '
                       'scipy.sparse.linalg.gmres(restart=50, tol, atol=0, maxiter=cycles, callback_type="pr_norm"), '
                       'innerIterations = callback count; scipyBicgstab: unpreconditioned, iterations = callback count '
                       '(info < 0 is a breakdown). info = 0 means converged. spsolve: SuperLU direct solve, the '
                       'attainable accuracy. cond2 = numpy.linalg.cond(dense A). relres is the true residual '
                       '||b - A x||/||b||; relErr = ||x - 1||_2/||1||_2.',
        'matrices': out,
    })


# ----------------------------------------------------------------------------------------------
def build_minres():
    N = 32
    A0 = poisson2d(N)
    n = A0.shape[0]
    b = sin_rhs(n)
    lam = np.linalg.eigvalsh(A0.toarray())
    systems = []
    for sigma in (1.0, 2.5):
        A = (A0 - sigma * sp.identity(n, format='csr')).tocsr()
        A.sort_indices()
        ev = lam - sigma
        its, cb = counter()
        xm, info = spla.minres(A, b, tol=MINRES_TOL, maxiter=MINRES_MAXITER, callback=cb)
        xd = spla.spsolve(A.tocsc(), b)
        m = {'tol': MINRES_TOL, 'maxiter': MINRES_MAXITER, 'iterations': its[0], 'info': int(info),
             'relres': relres(A, b, xm),
             'relErrVsDirect': f(np.linalg.norm(xm - xd) / np.linalg.norm(xd))}
        # SciPy's test is on ||r|| / (||A||_est * ||x|| + ||b||), looser than ||r||/||b||: also record the first
        # iteration at which the TRUE relative residual of SciPy's iterate drops below each level.
        hist = []
        spla.minres(A, b, tol=1e-15, maxiter=MINRES_MAXITER,
                    callback=lambda xk: hist.append(np.linalg.norm(b - A @ xk) / np.linalg.norm(b)))
        m['firstIterationTrueRelresBelow'] = {
            lvl: next((k + 1 for k, r in enumerate(hist) if r <= float(lvl)), None)
            for lvl in ('1e-6', '1e-8', '1e-10', '1e-12')}
        m['minTrueRelres'] = f(min(hist))
        systems.append({
            'sigma': sigma, 'N': N, 'n': int(n), 'nnz': int(A.nnz),
            'eigNegative': int((ev < 0).sum()), 'eigMin': f(ev[0]), 'eigMax': f(ev[-1]),
            'eigMinAbs': f(np.abs(ev).min()), 'cond2': f(np.abs(ev).max() / np.abs(ev).min()),
            'bNorm2': f(np.linalg.norm(b)),
            'scipyMinres': m,
            'direct': {'relres': relres(A, b, xd), 'xNorm2': f(np.linalg.norm(xd)), 'x': vec(xd)},
        })
        print(f'poisson32-{sigma}I n={n} nnz={A.nnz} negative eigs={int((ev < 0).sum())} '
              f'min|eig|={np.abs(ev).min():.3e} cond={systems[-1]["cond2"]:.2e} | MINRES its={its[0]} info={info} '
              f'relres={m["relres"]:.2e} err-vs-direct={m["relErrVsDirect"]:.2e} first its to true relres '
              f'1e-8/1e-10={m["firstIterationTrueRelresBelow"]["1e-8"]}/{m["firstIterationTrueRelresBelow"]["1e-10"]} | spsolve relres={systems[-1]["direct"]["relres"]:.2e}')
    write('minres.json', {
        'generator': generator(),
        'description': 'A = P - sigma*I, P = 2D Poisson 5-point on a 32x32 grid (Dirichlet; 4 on the diagonal, -1 '
                       'for the neighbours (r±1, c) and (r, c±1); unknown i = r*32 + c), symmetric indefinite. '
                       'b_i = sin(i+1) for i = 0..1023 (JS: Math.sin(i + 1)). scipyMinres: '
                       'scipy.sparse.linalg.minres(A, b, tol, maxiter), x0 = 0, iterations = callback count; '
                       'relres = ||b - A x||/||b|| (true residual; SciPy stops on ||r|| <= tol*(||A||_est*||x|| + ||b||) with '
                       '||A||_est a growing Frobenius estimate of the Lanczos T_k, so relres ends well above tol). '
                       'firstIterationTrueRelresBelow: from a second run (tol 1e-15), the first iteration whose iterate '
                       'has true relres <= the level (null: never within maxiter). direct.x: scipy.sparse.linalg.spsolve solution. '
                       'eigNegative: number of eigenvalues of A below zero (dense eigvalsh).',
        'systems': systems,
    })


# ----------------------------------------------------------------------------------------------
def build_poisson64():
    N = 64
    A = poisson2d(N)
    n = A.shape[0]
    b = sin_rhs(n)
    maxiter = 10 * n
    runs = []
    for tol in (1e-6, 1e-8):
        its, cb = counter()
        x, info = spla.cg(A, b, tol=tol, atol=0, maxiter=maxiter, callback=cb)
        runs.append({'tol': tol, 'atol': 0, 'maxiter': maxiter, 'iterations': its[0], 'info': int(info),
                     'relres': relres(A, b, x)})
        print(f'poisson64 n={n} nnz={A.nnz} CG tol={tol:g}: its={its[0]} info={info} relres={runs[-1]["relres"]:.2e}')
    lam_min = 8 * np.sin(np.pi / (2 * (N + 1))) ** 2   # analytic extreme eigenvalues of the 2D 5-point Laplacian
    lam_max = 8 * np.cos(np.pi / (2 * (N + 1))) ** 2
    write('poisson64.json', {
        'generator': generator(),
        'description': '2D Poisson 5-point on a 64x64 grid (Dirichlet; 4 on the diagonal, -1 off; i = r*64 + c), '
                       'b_i = sin(i+1) for i = 0..4095 (JS: Math.sin(i + 1)). scipyCg: unpreconditioned '
                       'scipy.sparse.linalg.cg(A, b, tol, atol=0, maxiter), x0 = 0, iterations = callback count; '
                       'relres = ||b - A x||/||b|| (true residual).',
        'N': N, 'n': int(n), 'nnz': int(A.nnz), 'bNorm2': f(np.linalg.norm(b)),
        'eigMin': f(lam_min), 'eigMax': f(lam_max), 'cond2': f(lam_max / lam_min),
        'scipyCg': runs,
    })


# ----------------------------------------------------------------------------------------------
GCROT_TOL = 1e-8
GCROT_MAXITER = 1000       # SciPy's gcrotmk maxiter counts outer cycles
# Matrices of test/fixtures/matrices on which SciPy's GCROT(20, 20) converges within a few hundred
# steps both ways (the ill-conditioned ones would make step counts depend on rounding).
GCROT_MATRICES = ['arc130', 'bcsstk02', 'bcsstk05', 'bcsstk09', 'bcsstk22', 'bcsstm07', '662_bus', '685_bus']
GCROT_RUNS = [  # (m, k, preconditioner)
    (20, None, None), (20, None, 'jacobi'), (10, 5, 'jacobi'),
]


def counted(n, apply=None):
    """A LinearOperator for SciPy's right preconditioner that counts its applications: gcrotmk
    applies it exactly once per inner (FGMRES) step, so the count is the number of inner steps
    (a product with A each) without the residual recomputations."""
    c = [0]

    def mv(v):
        c[0] += 1
        return v.copy() if apply is None else apply(v)
    return c, spla.LinearOperator((n, n), matvec=mv, dtype=np.float64)


def scipy_gcrotmk(A, b, m, k, tol, M_apply=None, maxiter=GCROT_MAXITER):
    n = A.shape[0]
    steps, M = counted(n, M_apply)
    outer = [0]

    def cb(_):
        outer[0] += 1
    x, info = spla.gcrotmk(A, b, m=m, k=k, tol=tol, atol=0, maxiter=maxiter, M=M, callback=cb,
                           truncate='oldest')
    return {'m': m, 'k': m if k is None else k, 'tol': tol, 'atol': 0, 'maxiterCycles': maxiter,
            'innerSteps': steps[0], 'outerCallbacks': outer[0], 'info': int(info), 'relres': relres(A, b, x)}


def build_gcrotmk():
    # SciPy's own test (scipy/sparse/linalg/_isolve/tests/test_gcrotmk.py, test_truncate).
    np.random.seed(1234)
    At = np.random.rand(30, 30) + np.eye(30)
    bt = np.random.rand(30)
    trunc = {'seed': 1234, 'n': 30, 'A': [vec(row) for row in At], 'b': vec(bt), 'bNorm2': f(np.linalg.norm(bt)),
             'cond2': f(np.linalg.cond(At)), 'gcrotmk': []}
    for tol in (1e-4, 1e-10):
        g = scipy_gcrotmk(At, bt, 10, 10, tol, maxiter=200)
        trunc['gcrotmk'].append(g)
        print(f'truncate 30x30 gcrotmk(10,10) tol={tol:g}: inner steps {g["innerSteps"]} info={g["info"]} relres={g["relres"]:.3e}')
    its, cb = counter()
    xg, infog = spla.gmres(At, bt, tol=1e-4, atol=0, restart=10, maxiter=100, callback=cb, callback_type='pr_norm')
    trunc['gmres'] = {'restart': 10, 'tol': 1e-4, 'atol': 0, 'maxiterCycles': 100, 'innerIterations': its[0],
                      'info': int(infog), 'relres': relres(At, bt, xg)}
    print(f'truncate 30x30 GMRES(10): its {its[0]} info={infog} relres={trunc["gmres"]["relres"]:.4f} (stalls)')
    mats = []
    for name in GCROT_MATRICES:
        A = load(name)
        n = A.shape[0]
        b = A @ np.ones(n)
        d = A.diagonal()
        runs = []
        for m, k, pre in GCROT_RUNS:
            g = scipy_gcrotmk(A, b, m, k, GCROT_TOL, (lambda v, d=d: v / d) if pre == 'jacobi' else None)
            g['preconditioner'] = pre
            runs.append(g)
        mats.append({'name': name, 'n': int(n), 'nnz': int(A.nnz), 'bNorm2': f(np.linalg.norm(b)), 'runs': runs})
        print(f'{name:10s} n={n:5d} gcrotmk inner steps: ' +
              ', '.join(f'({r["m"]},{r["k"]},{r["preconditioner"]}) {r["innerSteps"]} info={r["info"]} relres={r["relres"]:.2e}'
                        for r in runs))
    write('gcrotmk.json', {
        'generator': generator(),
        'description': 'scipy.sparse.linalg.gcrotmk(A, b, m, k, tol, atol=0, maxiter=cycles, M, truncate="oldest"), '
                       'x0 = 0. M is a LinearOperator (identity or Jacobi z = r/diag(A)) that counts its applications: '
                       'SciPy applies it once per inner FGMRES step, so innerSteps is the number of inner steps (products '
                       'with A in the Arnoldi process; SciPy also recomputes b - A x when the recurrence residual meets '
                       'the tolerance). outerCallbacks = callback count (outer cycles started). relres = ||b - A x||/||b|| '
                       'recomputed. truncate: SciPy test_truncate (np.random.seed(1234); A = np.random.rand(30, 30) + '
                       'np.eye(30), row-major; b = np.random.rand(30), drawn after A), with GMRES(10) (callback_type '
                       '"pr_norm") stalling on it. matrices: b = A @ ones(n).',
        'truncate': trunc,
        'matrices': mats,
    })


def build_robust():
    # GMRES, A = diag(2, 3, 4), b = (0, 1, 1), x0 = (1, 0, 0), right preconditioner z = (r0, r1, 0):
    # the operator A M^-1 = diag(2, 3, 0) is singular; the best reachable x is (0, 1/3, 0), residual 1.
    A = np.diag([2.0, 3.0, 4.0])
    b = np.array([0.0, 1.0, 1.0])
    x0 = np.array([1.0, 0.0, 0.0])
    P = np.diag([1.0, 1.0, 0.0])
    M = spla.LinearOperator((3, 3), matvec=lambda r: P @ r, dtype=np.float64)
    xs, info = spla.gmres(A, b, x0=x0, M=M, tol=1e-15, atol=0)
    y, *_ = np.linalg.lstsq(A @ P, b - A @ x0, rcond=None)
    xl = x0 + P @ y
    diag = {'A': vec(np.diag(A)), 'b': vec(b), 'x0': vec(x0), 'preconditioner': 'z = (r0, r1, 0)', 'rtol': 1e-15,
            'scipyGmres': {'x': vec(xs), 'info': int(info), 'residual': f(np.linalg.norm(b - A @ xs))},
            'lstsq': {'x': vec(xl), 'residual': f(np.linalg.norm(b - A @ xl))}}
    print(f'diag(2,3,4) singular M: SciPy gmres x={xs} info={info}; lstsq x={xl} residual {diag["lstsq"]["residual"]}')
    # The nilpotent 4x4 strictly upper-triangular ones matrix, b = ones: GMRES(4) for 4 steps spans R^4,
    # the least-squares optimum over it is ||b - N x|| = 1 at x = (t, 0, 0, 1).
    N = np.triu(np.ones((4, 4)), 1)
    bn = np.ones(4)
    xs, info = spla.gmres(N, bn, restart=4, maxiter=1, tol=1e-10, atol=0)
    xl, *_ = np.linalg.lstsq(N, bn, rcond=None)
    nil = {'A': [vec(r) for r in N], 'b': vec(bn), 'restart': 4, 'maxIterations': 4,
           'scipyGmres': {'x': vec(xs), 'info': int(info), 'residual': f(np.linalg.norm(bn - N @ xs))},
           'lstsq': {'xMinNorm': vec(xl), 'residual': f(np.linalg.norm(bn - N @ xl))}}
    xb, infob = spla.bicgstab(N, np.array([1.0, 1.0, 1.0, 0.0]), tol=1e-10, atol=0)
    nil['scipyBicgstabB1110'] = {'b': [1.0, 1.0, 1.0, 0.0], 'info': int(infob),
                                 'xFinite': bool(np.all(np.isfinite(xb)))}
    print(f'nilpotent 4x4: SciPy gmres residual {nil["scipyGmres"]["residual"]:.4f} x0={xs[0]:.3e}; lstsq residual '
          f'{nil["lstsq"]["residual"]}; SciPy bicgstab b=(1,1,1,0) info={infob} finite={nil["scipyBicgstabB1110"]["xFinite"]}')
    write('robust.json', {
        'generator': generator(),
        'description': 'Singular / defective systems for GMRES robustness. diag: A = diag(2,3,4), b = (0,1,1), '
                       'x0 = (1,0,0), right preconditioner z = (r0, r1, 0) (so A M^-1 = diag(2,3,0)), SciPy gmres tol 1e-15, '
                       'and the least-squares optimum x0 + P y, y = lstsq(A P, b - A x0). nilpotent: N = strictly upper '
                       'triangular ones (4x4), b = ones, SciPy GMRES(4) for one cycle (its x blows up), the least-squares '
                       'optimum lstsq(N, b) (min-norm x; every x = (t, 0, 0, 1) is optimal, residual 1), and SciPy '
                       'bicgstab on b = (1,1,1,0) (returns non-finite x).',
        'diag': diag,
        'nilpotent': nil,
    })


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f'scipy {scipy.__version__}, numpy {np.__version__}')
    builders = {'spd': build_spd, 'general': build_general, 'minres': build_minres, 'poisson64': build_poisson64,
                'gcrotmk': build_gcrotmk, 'robust': build_robust}
    names = sys.argv[1:] or list(builders)
    for name in names:
        if name not in builders:
            raise SystemExit(f'unknown fixture {name!r}; known: {", ".join(builders)}')
        builders[name]()


if __name__ == '__main__':
    sys.exit(main())
