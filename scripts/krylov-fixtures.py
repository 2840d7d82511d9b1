#!/usr/bin/env python3
"""Reference figures for itersolve's Krylov-solver tests, computed with SciPy.

Regenerate everything with (from the repository root):

    /usr/bin/python3 scripts/krylov-fixtures.py

Needs NumPy and SciPy (Debian: `apt-get install python3-scipy`; made with SciPy 1.10.1, NumPy 1.24.2).
Reads test/fixtures/matrices/*.mtx and writes (overwriting) four JSON files in test/fixtures/krylov/:

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


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f'scipy {scipy.__version__}, numpy {np.__version__}')
    build_spd()
    build_general()
    build_minres()
    build_poisson64()


if __name__ == '__main__':
    sys.exit(main())
