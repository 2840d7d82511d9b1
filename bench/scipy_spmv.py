#!/usr/bin/env python3
"""SciPy anchor for the itersolve `spmv` benchmark suite (bench/spmv.js).

Builds the same Poisson matrices as itersolve's poisson2d / poisson3d (5- and 7-point stencils,
Dirichlet boundary, natural ordering, sorted columns, int32 indices) with scipy.sparse, times
`A @ x` (best and median of N calls, time.perf_counter) and prints one JSON object on stdout.

Usage: /usr/bin/python3 bench/scipy_spmv.py [--runs N] [--warmup W] poisson2d:1000 poisson3d:100
"""
import argparse
import json
import platform
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp


def lap1d(n):
    # tridiag(-1, 2, -1): the 1D stencil; kron sums give 4 (2D) and 6 (3D) on the diagonal.
    return sp.diags([-np.ones(n - 1), 2.0 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], shape=(n, n), format='csr')


def poisson2d(n):
    T, I = lap1d(n), sp.identity(n, format='csr')
    # Row r = i*n + j: kron(T, I) couples r±n (the i direction), kron(I, T) couples r±1.
    return sp.kron(T, I, format='csr') + sp.kron(I, T, format='csr')


def poisson3d(n):
    T, I = lap1d(n), sp.identity(n, format='csr')
    II = sp.identity(n * n, format='csr')
    return (sp.kron(T, II, format='csr') + sp.kron(I, sp.kron(T, I, format='csr'), format='csr')
            + sp.kron(II, T, format='csr'))


BUILDERS = {'poisson2d': poisson2d, 'poisson3d': poisson3d}
EXPECTED_NNZ = {'poisson2d': lambda n: 5 * n * n - 4 * n, 'poisson3d': lambda n: 7 * n ** 3 - 6 * n * n}


def canonical(A):
    A = A.tocsr()
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    A.indices = A.indices.astype(np.int32, copy=False)
    A.indptr = A.indptr.astype(np.int32, copy=False)
    A.data = A.data.astype(np.float64, copy=False)
    return A


def bench_x(rows):
    # Same deterministic vector as bench/spmv.js: x[i] = 1 + (i % 7) / 8.
    return 1.0 + (np.arange(rows, dtype=np.int64) % 7) / 8.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=50)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('problems', nargs='+', help='name:n, e.g. poisson2d:1000')
    args = ap.parse_args()

    out = {
        'python': platform.python_version(),
        'numpy': np.__version__,
        'scipy': scipy.__version__,
        'runs': args.runs,
        'warmup': args.warmup,
        'results': [],
    }
    for spec in args.problems:
        name, n = spec.split(':')
        n = int(n)
        t0 = time.perf_counter()
        A = canonical(BUILDERS[name](n))
        build_s = time.perf_counter() - t0
        if A.nnz != EXPECTED_NNZ[name](n):
            raise SystemExit(f'{name}({n}): built nnz {A.nnz}, expected {EXPECTED_NNZ[name](n)}')
        x = bench_x(A.shape[1])
        y = A @ x
        for _ in range(args.warmup):
            y = A @ x
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            y = A @ x
            times.append(time.perf_counter() - t)
        times.sort()
        out['results'].append({
            'problem': f'{name}({n})',
            'rows': int(A.shape[0]),
            'nnz': int(A.nnz),
            'index_dtype': str(A.indices.dtype),
            'build_s': build_s,
            'best_ms': times[0] * 1e3,
            'median_ms': times[len(times) // 2] * 1e3 if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2 * 1e3,
            'checksum': float(y.sum()),
        })
        del A, x, y
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
