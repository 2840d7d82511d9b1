#!/usr/bin/env python3
"""Reference figures for itersolve's sparse direct solvers and eigsh (issue 12, sections 1-4 and 6),
computed with SciPy (SuperLU, ARPACK) and NumPy/LAPACK.

Regenerate everything with (from the repository root):

    /usr/bin/python3 scripts/direct-fixtures.py                  # all files
    /usr/bin/python3 scripts/direct-fixtures.py bcsstk01 dense   # only the files named

Needs NumPy and SciPy (Debian: `apt-get install python3-scipy`; made with SciPy 1.10.1, NumPy 1.24.2:
each file records the versions under `generator`). Writes (overwriting) JSON files in
test/fixtures/direct/:

  <matrix>.json  one per SuiteSparse matrix in test/fixtures/matrices (CC-BY 4.0, see that folder's
                 README; the matrix itself is not copied, only its file name is stored):
                   n, nnz (full, both triangles), symmetric, spd (dense LAPACK dpotrf succeeded;
                   else notSpdColumn = dpotrf's info, the 1-based column where it stopped);
                   b       a seeded right-hand side, numpy default_rng(SEED + index) standard
                           normals rounded to 8 significant digits (so the decimals ARE b);
                   x       scipy.sparse.linalg.spsolve(A, b) (SuperLU, COLAMD), shortest repr;
                   relres  ||b - A x||_2 / ||b||_2 of that x (numpy, float64);
                   luNnz   splu(A, permc_spec='COLAMD') nnz(L) + nnz(U) (SuperLU counts the unit
                           diagonal of L and the diagonal of U, i.e. n is counted twice: the JS
                           side should compare its fill against this loosely, as a reference);
                   cond1   the 1-norm condition number estimate of the dense matrix (numpy
                           cond(A, 1) on the dense copy; exact, not an estimate);
                   singular / note where SuperLU says the matrix is exactly singular (x is then
                           null and the test expects a typed error);
                 and for the symmetric positive definite ones
                   eigsh   {largest: ARPACK eigsh(A, k=6, which='LA', tol=1e-12) ascending,
                            smallest: eigsh(A, k=6, sigma=0, which='LM', tol=1e-12) (shift-invert)
                            ascending, denseLargest / denseSmallest: numpy.linalg.eigvalsh on the
                            dense matrix, denseCheckLargest / denseCheckSmallest: the largest
                            relative difference between the two}. They differ where ARPACK misses
                            a copy of a repeated eigenvalue (bcsstk03's largest: 0.046) or where
                            the dense answer is the less accurate one (eps * cond for the smallest
                            of bcsstk19 / bcsstk20, cond1 ~1e11 / 1e13): compare with the spread.
  dense.json     small dense cases (n <= 12, seeded): SPD matrices with their numpy (LAPACK
                 dpotrf) lower Cholesky factor L, log-determinant (2 sum log L_ii) and a solve;
                 a symmetric indefinite matrix with scipy.linalg.ldl's (lu, d, perm) (Bunch-
                 Kaufman, 1x1 and 2x2 pivots), its inertia and log|det| and a solve; a symmetric
                 matrix that is not positive definite with dpotrf's failing column; a singular
                 symmetric matrix and a singular nonsymmetric one (exact integer entries) with
                 their rank, 2-norm condition number and SuperLU's verdict (SuperLU does NOT
                 flag these two: rounding leaves tiny nonzero pivots; expect ERR_SINGULAR or a
                 huge condest); exactly singular ones whose elimination meets an exact zero pivot
                 (an all-ones 2x2 block, an empty column) that SuperLU does flag.

Matrix entries of the dense cases are rounded to 12 significant digits BEFORE factorising, so the
stored decimals are exactly the matrix that was factorised. Floats are otherwise written with
Python's shortest round-trip repr (17 significant digits at most). Deterministic (no timings); the
TypeScript tests only read these files, they never run Python. A matrix whose file would exceed
MAX_BYTES is skipped with a message (none is at present: the largest, bcsstk21, is ~120 KB).
"""
import json
import os
import sys
import warnings

for _v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.io  # noqa: E402
import scipy.linalg as sla  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATRICES = os.path.join(ROOT, 'test', 'fixtures', 'matrices')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'direct')
SEED = 12000
EIG_K = 6
EIG_TOL = 1e-12
MAX_BYTES = 300 * 1024


def flist(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def rnd(x, digits):
    """Round to `digits` significant digits (through the decimal repr, so JSON holds them exactly)."""
    f = np.vectorize(lambda v: float(f'{v:.{digits}g}'))
    return f(np.asarray(x, dtype=np.float64)).astype(np.float64)


def rows(M):
    """Row-major nested lists."""
    return [flist(r) for r in np.asarray(M, dtype=np.float64)]


def write(name, obj):
    path = os.path.join(OUT, name)
    text = json.dumps(obj, separators=(',', ':')) + '\n'
    if len(text) > MAX_BYTES:
        print(f'SKIPPED {name}: {len(text)} bytes > {MAX_BYTES}')
        return
    with open(path, 'w') as fh:
        fh.write(text)
    print(f'wrote {os.path.relpath(path, ROOT)} ({len(text)} bytes)')


def generator():
    return {'script': 'scripts/direct-fixtures.py', 'scipy': scipy.__version__, 'numpy': np.__version__,
            'python': sys.version.split()[0]}


def dpotrf_info(D):
    """0 when LAPACK's Cholesky succeeds, else the 1-based column where the pivot was not positive."""
    _, info = sla.lapack.dpotrf(D, lower=1, clean=1)
    return int(info)


# ---- the SuiteSparse matrices --------------------------------------------------------------------

def matrix_fixture(name, index):
    A = scipy.io.mmread(os.path.join(MATRICES, name + '.mtx')).tocsc().astype(np.float64)
    A.sum_duplicates()
    n = A.shape[0]
    D = A.toarray()
    symmetric = bool(np.array_equal(D, D.T))
    info = dpotrf_info(D) if symmetric else None
    spd = symmetric and info == 0
    rng = np.random.default_rng(SEED + index)
    b = rnd(rng.standard_normal(n), 8)
    out = {'generator': generator(), 'matrix': f'test/fixtures/matrices/{name}.mtx', 'n': int(n),
           'nnz': int(A.nnz), 'symmetric': symmetric, 'spd': bool(spd), 'seed': SEED + index}
    if symmetric and not spd:
        out['notSpdColumn'] = info
    with np.errstate(all='ignore'):
        out['cond1'] = float(np.linalg.cond(D, 1))
    out['b'] = flist(b)
    try:
        lu = spla.splu(A, permc_spec='COLAMD')
        out['luNnz'] = int(lu.L.nnz + lu.U.nnz)
    except RuntimeError as e:
        out['luNnz'] = None
        out['singular'] = True
        out['note'] = f'SuperLU splu: {e}'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        x = spla.spsolve(A, b, permc_spec='COLAMD')
    if np.all(np.isfinite(x)) and not out.get('singular'):
        out['x'] = flist(x)
        out['relres'] = float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))
    else:
        out['x'] = None
        out['relres'] = None
        out['singular'] = True
        out.setdefault('note', 'SuperLU spsolve: matrix is exactly singular (non-finite x)')
    if spd:
        largest = np.sort(spla.eigsh(A, k=EIG_K, which='LA', tol=EIG_TOL, v0=np.ones(n))[0])
        smallest = np.sort(spla.eigsh(A, k=EIG_K, sigma=0, which='LM', tol=EIG_TOL, v0=np.ones(n))[0])
        ev = np.linalg.eigvalsh(D)
        out['eigsh'] = {'k': EIG_K, 'tol': EIG_TOL, 'largest': flist(largest), 'smallest': flist(smallest),
                        'denseLargest': flist(ev[-EIG_K:]), 'denseSmallest': flist(ev[:EIG_K]),
                        'denseCheckLargest': float(np.max(np.abs(largest - ev[-EIG_K:]) / np.abs(ev[-EIG_K:]))),
                        'denseCheckSmallest': float(np.max(np.abs(smallest - ev[:EIG_K]) / np.abs(ev[:EIG_K])))}
    return out


# ---- small dense cases ------------------------------------------------------------------------

def spd_case(rng, n, shift):
    M = rng.standard_normal((n, n))
    A = M @ M.T + shift * np.eye(n)
    A = rnd((A + A.T) / 2, 12)
    L = np.linalg.cholesky(A)
    b = rnd(rng.standard_normal(n), 8)
    x = sla.cho_solve((L, True), b)
    return {'kind': 'spd', 'n': n, 'A': rows(A), 'L': rows(L),
            'logDeterminant': float(2 * np.sum(np.log(np.diag(L)))),
            'logDeterminantSlogdet': float(np.linalg.slogdet(A)[1]), 'b': flist(b), 'x': flist(x)}


def dense_fixture():
    rng = np.random.default_rng(SEED)
    cases = []
    for n, shift in ((1, 1.0), (2, 0.5), (5, 1.0), (8, 0.1), (12, 1e-3), (12, 12.0)):
        c = spd_case(rng, n, shift)
        c['name'] = f'spd-n{n}-shift{shift:g}'
        cases.append(c)
    # symmetric indefinite: a random symmetric matrix with a zero (1,1) entry, so Bunch-Kaufman needs a 2x2 pivot
    n = 9
    S = rng.standard_normal((n, n))
    A = rnd((S + S.T) / 2, 12)
    A[0, 0] = 0.0
    lu, d, perm = sla.ldl(A, lower=True)
    ev = np.linalg.eigvalsh(A)
    b = rnd(rng.standard_normal(n), 8)
    sign, logabs = np.linalg.slogdet(A)
    cases.append({'kind': 'symmetric-indefinite', 'name': 'indefinite-n9', 'n': n, 'A': rows(A),
                  'ldl': {'lu': rows(lu), 'd': rows(d), 'perm': [int(p) for p in perm],
                          'note': 'scipy.linalg.ldl(A, lower=True): A = lu @ d @ lu.T, lu[perm] lower triangular'},
                  'reconstructionError': float(np.max(np.abs(lu @ d @ lu.T - A))),
                  'inertia': {'positive': int(np.sum(ev > 0)), 'negative': int(np.sum(ev < 0)), 'zero': 0},
                  'eigenvalues': flist(ev), 'logAbsDeterminant': float(logabs), 'determinantSign': float(sign),
                  'b': flist(b), 'x': flist(np.linalg.solve(A, b)), 'notSpdColumn': dpotrf_info(A.copy())})
    # symmetric, positive diagonal, not positive definite: dpotrf stops at a later column
    A = np.array([[4.0, 2.0, 0.0, 0.0], [2.0, 5.0, 3.0, 0.0], [0.0, 3.0, 1.0, 1.0], [0.0, 0.0, 1.0, 6.0]])
    cases.append({'kind': 'not-spd', 'name': 'positive-diagonal-not-spd-n4', 'n': 4, 'A': rows(A),
                  'notSpdColumn': dpotrf_info(A.copy()), 'eigenvalues': flist(np.linalg.eigvalsh(A)),
                  'note': 'notSpdColumn: LAPACK dpotrf info (1-based column whose pivot is <= 0, natural order)'})
    # singular symmetric (rank 3 of 6, integer entries: exactly singular)
    G = rng.integers(-3, 4, size=(6, 3)).astype(np.float64)
    A = G @ G.T
    Asp = sp.csc_matrix(A)
    try:
        spla.splu(Asp)
        verdict = 'factorised'
    except RuntimeError as e:
        verdict = str(e)
    cases.append({'kind': 'singular', 'name': 'singular-symmetric-rank3-n6', 'n': 6, 'A': rows(A),
                  'rank': int(np.linalg.matrix_rank(A)), 'superlu': verdict, 'cond2': float(np.linalg.cond(A)),
                  'eigenvalues': flist(np.linalg.eigvalsh(A))})
    # singular nonsymmetric: column 4 (0-based 3) = column 0 + column 1
    B = rng.integers(-5, 6, size=(7, 7)).astype(np.float64)
    B[:, 3] = B[:, 0] + B[:, 1]
    try:
        spla.splu(sp.csc_matrix(B))
        verdict = 'factorised'
    except RuntimeError as e:
        verdict = str(e)
    cases.append({'kind': 'singular', 'name': 'singular-general-n7', 'n': 7, 'A': rows(B),
                  'rank': int(np.linalg.matrix_rank(B)), 'superlu': verdict, 'cond2': float(np.linalg.cond(B)),
                  'note': 'column 3 = column 0 + column 1 (0-based), exact integers'})
    # exactly singular symmetric positive semidefinite: block [[1, 1], [1, 1]] (Cholesky: 1 - 1 * 1 = 0 exactly;
    # LDL^T and LU likewise) and diagonal 3, 4, 5; natural-order Cholesky meets a zero pivot at column 2 (1-based)
    E = np.zeros((5, 5))
    E[0:2, 0:2] = [[1.0, 1.0], [1.0, 1.0]]
    E[2, 2], E[3, 3], E[4, 4] = 3.0, 4.0, 5.0
    E[2, 4] = E[4, 2] = 1.0
    try:
        spla.splu(sp.csc_matrix(E))
        verdict = 'factorised'
    except RuntimeError as e:
        verdict = str(e)
    cases.append({'kind': 'singular', 'name': 'exactly-singular-semidefinite-n5', 'n': 5, 'A': rows(E),
                  'rank': int(np.linalg.matrix_rank(E)), 'superlu': verdict,
                  'notSpdColumn': dpotrf_info(E.copy()), 'eigenvalues': flist(np.linalg.eigvalsh(E)),
                  'note': 'exact zero pivot in column 2 (1-based) in natural order; any ordering meets an exact zero'})
    # structurally singular: an empty column
    C = np.diag([2.0, 3.0, 0.0, 5.0]) + np.diag([1.0, 1.0, 0.0], 1)
    C[2, 1] = 1.0
    C[:, 2] = 0.0
    try:
        spla.splu(sp.csc_matrix(C))
        verdict = 'factorised'
    except RuntimeError as e:
        verdict = str(e)
    cases.append({'kind': 'singular', 'name': 'structurally-singular-empty-column-n4', 'n': 4, 'A': rows(C),
                  'rank': int(np.linalg.matrix_rank(C)), 'emptyColumn': 2, 'superlu': verdict})
    return {'generator': generator(), 'seed': SEED,
            'note': 'dense matrices as row-major nested lists; SPD entries rounded to 12 digits before factorising',
            'cases': cases}


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sorted(f[:-4] for f in os.listdir(MATRICES) if f.endswith('.mtx'))
    want = set(sys.argv[1:])
    for i, name in enumerate(names):
        if not want or name in want:
            write(name + '.json', matrix_fixture(name, i))
    if not want or 'dense' in want:
        write('dense.json', dense_fixture())


if __name__ == '__main__':
    main()
