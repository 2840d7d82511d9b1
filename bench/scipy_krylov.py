#!/usr/bin/env python3
"""SciPy anchor for itersolve's Krylov benchmarks: CG and Jacobi-PCG on 2D Poisson.

Usage: /usr/bin/python3 bench/scipy_krylov.py N [--quick]

Builds the 2D 5-point Poisson matrix on an N x N grid (Dirichlet, 4 on the diagonal, -1 off,
n = N^2, scipy.sparse.diags/kron, CSR float64, sorted indices), b = ones(n), x0 = 0, and times
  - spmvMs:   median of 20 calls of `A @ x` (after a warm-up call);
  - cg:       scipy.sparse.linalg.cg(A, b, rtol (tol before 1.12)=1e-8, atol=0, maxiter), unpreconditioned, one run;
  - jacobiCg: the same with M = diag(1/diag(A)) as a LinearOperator (elementwise product), one run.
With --quick both solves stop after at most 200 iterations (msPerIteration is the figure to use).
iterations = callback count; relres = true ||b - A x||/||b||. Prints ONE line of JSON on stdout.
The full run at N=1000 takes about 40 s here (two solves of 1853 iterations each); --quick about 5 s.
"""
import inspect
import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

TOL = 1e-8
QUICK_MAXITER = 200
SPMV_RUNS = 20


def poisson2d(N):
    T = sp.diags([-np.ones(N - 1), 2.0 * np.ones(N), -np.ones(N - 1)], [-1, 0, 1], shape=(N, N), format='csr')
    I = sp.identity(N, format='csr')
    A = (sp.kron(T, I, format='csr') + sp.kron(I, T, format='csr')).tocsr()
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    return A


def blas_name():
    """Which BLAS is in use: threadpoolctl if installed, else the BLAS library mapped into this process
    (Debian's libblas.so.3 is an alternatives link, so the mapped path is the real one), else numpy's
    build config, else 'unknown'."""
    try:
        import threadpoolctl
        libs = sorted({f"{i.get('internal_api')}/{i.get('version')}" for i in threadpoolctl.threadpool_info()
                       if i.get('user_api') == 'blas'})
        if libs:
            return ', '.join(libs)
    except Exception:
        pass
    try:
        with open('/proc/self/maps') as fh:
            libs = sorted({line.split()[-1] for line in fh if '/' in line})
        for key in ('openblas', 'mkl', 'blis', 'atlas'):
            hits = sorted({os.path.basename(p) for p in libs if key in os.path.basename(p).lower()})
            if hits:
                return f"{key} ({', '.join(hits)})"
        hits = sorted({p for p in libs if os.path.basename(p).startswith('libblas')})
        if hits:
            return f"reference? ({', '.join(hits)})"
    except OSError:
        pass
    try:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        cfg = buf.getvalue().lower()
        for key in ('openblas', 'mkl', 'blis', 'atlas', 'accelerate'):
            if f'{key}_info:\n    libraries' in cfg:
                return key
    except Exception:
        pass
    return 'unknown'


def solve(A, b, maxiter, M=None):
    its = [0]

    def cb(_xk):
        its[0] += 1
    t = time.perf_counter()
    # SciPy renamed cg's tol to rtol in 1.12 and removed tol in 1.14: the same relative tolerance.
    tol = {'rtol': TOL} if 'rtol' in inspect.signature(spla.cg).parameters else {'tol': TOL}
    x, info = spla.cg(A, b, atol=0, maxiter=maxiter, M=M, callback=cb, **tol)
    dt = time.perf_counter() - t
    return {
        'iterations': its[0],
        'info': int(info),
        'totalMs': dt * 1e3,
        'msPerIteration': dt * 1e3 / its[0] if its[0] else None,
        'relres': float(np.linalg.norm(b - A @ x) / np.linalg.norm(b)),
        'maxiter': maxiter,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('N', type=int, help='grid side; n = N*N unknowns')
    ap.add_argument('--quick', action='store_true', help=f'cap both solves at {QUICK_MAXITER} iterations')
    args = ap.parse_args()
    if args.N < 2:
        ap.error('N must be >= 2')
    N = args.N

    A = poisson2d(N)
    n = A.shape[0]
    b = np.ones(n)
    x = np.ones(n)
    y = A @ x  # warm-up
    times = []
    for _ in range(SPMV_RUNS):
        t = time.perf_counter()
        y = A @ x
        times.append(time.perf_counter() - t)
    del y

    maxiter = QUICK_MAXITER if args.quick else max(1000, 10 * N)  # unpreconditioned CG needs O(N) iterations
    cg = solve(A, b, maxiter)
    dinv = 1.0 / A.diagonal()
    M = spla.LinearOperator((n, n), matvec=lambda r: dinv * r.ravel(), dtype=np.float64)
    jcg = solve(A, b, maxiter, M=M)

    out = {
        'n': int(n),
        'N': N,
        'nnz': int(A.nnz),
        'quick': bool(args.quick),
        'tol': TOL,
        'spmvMs': statistics.median(times) * 1e3,
        'cg': cg,
        'jacobiCg': jcg,
        'scipy': scipy.__version__,
        'numpy': np.__version__,
        'blas': blas_name(),
    }
    sys.stdout.write(json.dumps(out) + '\n')


if __name__ == '__main__':
    main()
