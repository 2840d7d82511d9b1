#!/usr/bin/env python3
"""SciPy anchor for itersolve's direct-solver benchmarks (bench/direct.js).

Usage: python3 bench/scipy_direct.py [--quick]     (the image's python3: the newest SciPy)

Times, best of REPS (3; 1 with --quick) wall-clock runs each:
  - spsolve on upwind convection-diffusion matrices (the same matrices as itersolve's
    convectionDiffusion(N, { dim, peclet: 10 }): per axis tridiag(-1, 2, -1) + pe*h*(1 on the
    diagonal, -1 below), h = 1/(N+1), Kronecker sum over the axes), CSC (SuperLU's own format, so
    no conversion is timed), b = ones: 2D N=300, 2D N=500, 3D N=30 (--quick: 2D N=300 only);
  - eigsh on the 2D Poisson matrix N=100 (n = 10^4), k = 6: which='LA', and the smallest by
    shift-invert (sigma=0, which='LM'), default tol, seeded v0 = ones.
Prints ONE line of JSON: { scipy, numpy, umfpack, spsolve: [{dim, N, n, nnz, seconds, relres}],
eigsh: [{case, seconds, values}] }.
"""
import argparse
import json
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def conv_diff(N, dim, pe=10.0):
    h = 1.0 / (N + 1)
    I = sp.identity(N, format="csr")
    T = (sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(N, N)) +
         sp.diags([-1.0, 1.0], [-1, 0], shape=(N, N)) * (pe * h)).tocsr()
    if dim == 2:
        A = sp.kron(I, T) + sp.kron(T, I)
    else:
        A = sp.kron(sp.kron(I, I), T) + sp.kron(sp.kron(I, T), I) + sp.kron(T, sp.kron(I, I))
    return A.tocsc()


def poisson2d(N):
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(N, N))
    I = sp.identity(N)
    return (sp.kron(I, T) + sp.kron(T, I)).tocsr()


def best_of(reps, fn):
    best, out = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    try:
        import scikits.umfpack  # noqa: F401  (spsolve would use UMFPACK instead of SuperLU)
        umf = True
    except Exception:
        umf = False
    cases = [(2, 300)] if args.quick else [(2, 300), (2, 500), (3, 30)]
    out = {"scipy": scipy.__version__, "numpy": np.__version__, "umfpack": umf, "spsolve": [],
           "eigsh": []}
    for dim, N in cases:
        A = conv_diff(N, dim)
        b = np.ones(A.shape[0])
        secs, x = best_of(reps, lambda: spla.spsolve(A, b))
        rel = float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))
        out["spsolve"].append({"dim": dim, "N": N, "n": A.shape[0], "nnz": int(A.nnz),
                               "seconds": secs, "relres": rel})
    P = poisson2d(100)
    v0 = np.ones(P.shape[0])
    secs, w = best_of(reps, lambda: spla.eigsh(P, k=6, which="LA", v0=v0,
                                               return_eigenvectors=False))
    out["eigsh"].append({"case": "largest", "seconds": secs, "values": sorted(map(float, w))})
    secs, w = best_of(reps, lambda: spla.eigsh(P, k=6, sigma=0, which="LM", v0=v0,
                                               return_eigenvectors=False))
    out["eigsh"].append({"case": "smallest", "seconds": secs, "values": sorted(map(float, w))})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
