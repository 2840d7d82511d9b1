#!/usr/bin/env python3
"""SciPy 1.10's own iterative-solver tests, rebuilt as fixtures for itersolve's solvers.

Regenerate (from the repository root; needs Debian's python3-scipy, SciPy 1.10.1 / NumPy 1.24.2):

    /usr/bin/python3 scripts/scipy-isolve-fixtures.py

Reads nothing; writes (overwriting) test/fixtures/scipy-isolve/cases.json, which
test/scipy-isolve.test.ts runs against cg / bicgstab / gmres / minres / gcrotmk.

Sources: scipy/sparse/linalg/_isolve/tests/{test_iterative,test_minres,test_gcrotmk,test_lgmres}.py
of SciPy 1.10.1. Every real-valued case those tests run with cg, bicgstab, gmres, minres or
gcrotmk is rebuilt here with the tests' own seeds and matrices (the float32 variants become
float64 matrices holding the float32-rounded values, as SciPy itself upcasts them against a
float64 b), then run through SciPy once to record what it returns. Tests of LGMRES-only
behaviour that are not about LGMRES's augmentation (corner cases, NaN matrix, denormals, the
Arnoldi comparison with GMRES, breakdown on a nilpotent matrix, exact preconditioner) are mapped
onto gmres and gcrotmk; tests of APIs itersolve does not have (matrix-free LinearOperator A,
re-entrancy, LGMRES outer_v, GCROT CU / discard_C / truncate='smallest', MINRES shift, SciPy's
legacy atol semantics, complex matrices, callback content) are left out and listed under
`leftOut` in the output.

Per case the fixture holds: the matrix (by name; every matrix is stored once in CSR form: rowPtr,
colIdx, values, or {"sameAs": name} when another holds the same entries), b and x0 (short arrays,
{"fill": v, "n": n}, {"arange": n}, or {"ref": name} into `vectors` for longer ones),
the solver and itersolve's options (rtol, atol, maxIterations, restart, recycle, preconditioner),
SciPy's call (tol, atol, maxiter, restart / m / k, M) and result (info, iterations, matvecs, final
true relative residual), and `expect`: what SciPy's own test asserts of that run —
'converge' (info == 0 and the residual bound), 'no-converge' (info != 0) or 'any' (the test only
checks the residual *if* info == 0). `checks` lists the extra assertions of the SciPy test that
the TypeScript test repeats (see the test file for each name).

Option mapping (SciPy 1.10 -> itersolve):
  tol -> rtol.  atol: given -> atol; not given ('legacy') -> SciPy stops at once when the initial
  residual is <= tol (absolute) and otherwise uses tol*||b|| (tol when b = 0), so itersolve gets
  atol = tol when ||b - A x0|| <= tol or b = 0, else atol = 0.  inf -> "inf" in JSON (the test
  passes Number.MAX_VALUE: itersolve's options must be finite).
  maxiter: cg/bicgstab/minres iterations -> maxIterations; gmres without a callback (or with
  callback_type 'pr_norm' / 'x') counts restart cycles -> maxIterations = maxiter*restart inner
  steps, with the legacy callback it counts inner steps -> maxIterations = maxiter; gcrotmk counts
  cycles of at most m+k inner steps -> maxIterations = maxiter*(m+k).  For 'converge' cases the
  cap is further limited to max(200, 10*SciPy's iterations, 10n) so that a regression fails fast
  instead of running 320 000 GMRES steps (recorded as maxIterationsEquivalent).
  restart (gmres, SciPy default min(20, n)) -> restart; gcrotmk m -> restart, k -> recycle.
  M: SciPy applies z = M r. Dense M -> {"dense": name, "scale": s} (test: z = s*M r);
  identity LinearOperator -> "identity"; exact inverse (np.linalg.solve / splu) ->
  {"inverse": matrixName} (test: z = A^-1 r by a direct solve); diagonal -> {"diag": [...]}.

Iteration counts: cg / bicgstab / minres = callback calls (one per iteration; SciPy's cg and
bicgstab also call it once more at exit, so the count can exceed the iterations by one);
gmres = inner steps (callback_type 'pr_norm', one call per inner step, or the legacy callback
where the SciPy test uses it); gcrotmk = outer cycles (`iterations`) and `matvecs` (products
with A, counted through a LinearOperator wrapper: the initial residual, one per inner step, the
confirmation at the end of each cycle).

Deterministic: seeded NumPy randomness exactly as in SciPy's tests, BLAS pinned to one thread.
Floats are written with Python's shortest round-trip repr.
"""
import itertools
import json
import os
import sys
import warnings

for _v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, splu
from scipy.sparse.linalg._isolve import bicgstab, cg, gcrotmk, gmres, minres

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'scipy-isolve')
SRC = 'scipy/sparse/linalg/_isolve/tests/'

warnings.simplefilter('ignore', DeprecationWarning)

SOLVERS = {'cg': cg, 'bicgstab': bicgstab, 'gmres': gmres, 'minres': minres, 'gcrotmk': gcrotmk}

# ----------------------------------------------------------------------------------------------
# Storage of matrices, dense preconditioners and vectors

MATRICES = {}   # name -> dict(n, rowPtr, colIdx, values, [dtype, cond2])
DENSE = {}      # name -> dict(n, values row-major)
CASES = []
LEFT_OUT = []


def fl(v):
    v = float(v)
    if v == np.inf:
        return 'inf'
    if v == -np.inf:
        return '-inf'
    if v != v:
        return 'nan'
    return v


def add_matrix(name, A, dtype='float64', finite=True):
    """Stores A (dense ndarray or sparse) once in CSR form, explicit zeros dropped, sorted."""
    if name in MATRICES:
        return name
    S = sp.csr_matrix(np.asarray(A, dtype=np.float64)) if not sp.issparse(A) else sp.csr_matrix(A, dtype=np.float64)
    S.sum_duplicates()
    if finite:
        S.eliminate_zeros()
    S.sort_indices()
    n = S.shape[0]
    entry = {
        'n': int(n),
        'rowPtr': [int(v) for v in S.indptr],
        'colIdx': [int(v) for v in S.indices],
        'values': [fl(v) for v in S.data],
    }
    for other, e in MATRICES.items():
        if 'sameAs' not in e and e['n'] == entry['n'] and e['rowPtr'] == entry['rowPtr'] and \
                e['colIdx'] == entry['colIdx'] and e['values'] == entry['values']:
            # e.g. Poisson's float32 copy holds the same (integer) values: store it once.
            MATRICES[name] = {'sameAs': other}
            return name
    if dtype != 'float64':
        entry['dtype'] = dtype
    if finite and n <= 2000:
        D = S.toarray()
        try:
            s = np.linalg.svd(D, compute_uv=False) if n <= 400 else None
            if s is not None:
                entry['cond2'] = fl(s[0] / s[-1]) if s[-1] > 0 else 'inf'
            elif (abs(D - D.T)).max() == 0:
                ev = np.abs(np.linalg.eigvalsh(D))
                entry['cond2'] = fl(ev.max() / ev.min())
        except np.linalg.LinAlgError:
            pass
    MATRICES[name] = entry
    return name


def add_dense(name, M):
    if name not in DENSE:
        M = np.asarray(M, dtype=np.float64)
        DENSE[name] = {'n': int(M.shape[0]), 'values': [fl(v) for v in M.ravel()]}
    return name


VECTORS = {}    # name -> list of floats (vectors that several cases share, e.g. test_atol's b)
_VECTOR_NAMES = {}


def vec_spec(v):
    v = np.asarray(v, dtype=np.float64)
    if v.size > 0 and np.all(v == v[0]):
        return {'fill': fl(v[0]), 'n': int(v.size)}
    if np.array_equal(v, np.arange(v.size, dtype=np.float64)):
        return {'arange': int(v.size)}
    values = [fl(x) for x in v]
    if v.size <= 4:
        return values
    key = json.dumps(values)
    if key not in _VECTOR_NAMES:
        _VECTOR_NAMES[key] = f'v{len(_VECTOR_NAMES)}'
        VECTORS[_VECTOR_NAMES[key]] = values
    return {'ref': _VECTOR_NAMES[key]}


def dense_of(A):
    return A.toarray() if sp.issparse(A) else np.asarray(A, dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# One SciPy run, with counts


class Counting:
    def __init__(self, A):
        self.A = A
        self.count = 0

    def op(self):
        A = self.A
        n = A.shape[0]

        def mv(v):
            self.count += 1
            return A.dot(v)
        return LinearOperator((n, n), matvec=mv, rmatvec=lambda v: A.T.dot(v), dtype=np.float64)


def scipy_run(solver, A, b, x0=None, tol=1e-5, atol=None, maxiter=None, M=None, restart=None,
              m=None, k=None, legacy_callback=False):
    fn = SOLVERS[solver]
    calls = [0]

    def cb(*_):
        calls[0] += 1
    cnt = Counting(A)
    kw = {'tol': tol}
    if x0 is not None:
        kw['x0'] = x0.copy() if isinstance(x0, np.ndarray) else x0
    if atol is not None and solver != 'minres':
        kw['atol'] = atol
    if maxiter is not None:
        kw['maxiter'] = maxiter
    if M is not None:
        kw['M'] = M
    if solver == 'gmres':
        if restart is not None:
            kw['restart'] = restart
        kw['callback'] = cb
        kw['callback_type'] = 'legacy' if legacy_callback else 'pr_norm'
    elif solver == 'gcrotmk':
        if m is not None:
            kw['m'] = m
        if k is not None:
            kw['k'] = k
        kw['callback'] = cb
    else:
        kw['callback'] = cb
    with np.errstate(all='ignore'):
        x, info = fn(cnt.op(), b, **kw)
        x = np.asarray(x, dtype=np.float64)
        r = b - A.dot(x)
    bn = np.linalg.norm(b)
    rn = np.linalg.norm(r)
    out = {'info': int(info), 'iterations': calls[0], 'matvecs': cnt.count,
           'resnorm': fl(rn), 'relres': fl(rn / bn) if bn > 0 else fl(rn)}
    return out, x


# ----------------------------------------------------------------------------------------------
# Mapping of SciPy's call to itersolve's options


def effective_atol(A, b, x0, tol, atol):
    """SciPy 1.10 _get_atol: 'legacy' (atol not given) -> see the module docstring."""
    if atol is not None:
        return atol
    x = np.zeros_like(b) if x0 is None or isinstance(x0, str) else x0
    if isinstance(x0, str):  # 'Mb' with M = identity
        x = b.copy()
    r0 = np.linalg.norm(b - A.dot(x))
    if r0 <= tol or np.linalg.norm(b) == 0:
        return tol
    return 0.0


def add_case(cid, family, source, solver, matrix, A, b, *, x0=None, tol=1e-5, atol=None, maxiter=None,
             M=None, Mspec=None, restart=None, m=None, k=None, legacy_callback=False, expect='converge',
             checks=None, compare_iterations=False, extra=None, scipy_x=False):
    n = A.shape[0]
    res, x = scipy_run(solver, A, b, x0=x0, tol=tol, atol=atol, maxiter=maxiter, M=M, restart=restart,
                       m=m, k=k, legacy_callback=legacy_callback)
    # The fixture must be faithful: SciPy's own assertion holds for its own result.
    if expect == 'converge':
        assert res['info'] == 0, (cid, res)
    elif expect == 'no-converge':
        assert res['info'] != 0, (cid, res)
    eatol = effective_atol(A, b, x0, tol, atol)
    opts = {'rtol': fl(tol), 'atol': fl(eatol)}
    sc = {'tol': fl(tol), 'atol': 'legacy' if atol is None else fl(atol)}
    if solver in ('cg', 'bicgstab'):
        mi = maxiter if maxiter is not None else 10 * n
        sc['maxiter'] = mi
        equiv = mi
    elif solver == 'minres':
        mi = maxiter if maxiter is not None else 5 * n
        sc['maxiter'] = mi
        equiv = mi
    elif solver == 'gmres':
        rs = min(restart if restart is not None else 20, n)
        mi = maxiter if maxiter is not None else 10 * n
        sc['maxiter'] = mi
        sc['restart'] = rs
        sc['maxiterCounts'] = 'inner steps (legacy callback)' if legacy_callback else 'restart cycles'
        equiv = mi if legacy_callback else mi * rs
        opts['restart'] = restart if restart is not None else 20
    else:  # gcrotmk
        mm = m if m is not None else 20
        kk = k if k is not None else mm
        mi = maxiter if maxiter is not None else 1000
        sc.update({'maxiter': mi, 'm': mm, 'k': kk})
        equiv = mi * (mm + kk)
        opts['restart'] = mm
        opts['recycle'] = kk
    if expect == 'converge':
        cap = max(200, 10 * max(res['iterations'], res['matvecs']), 10 * n)
        opts['maxIterations'] = int(min(equiv, cap))
        if opts['maxIterations'] != equiv:
            opts['maxIterationsEquivalent'] = int(equiv)
    else:
        opts['maxIterations'] = int(equiv)
    if Mspec is not None:
        opts['preconditioner'] = Mspec
        sc['M'] = Mspec
    case = {'id': cid, 'family': family, 'source': SRC + source, 'solver': solver, 'matrix': matrix,
            'b': vec_spec(b)}
    if x0 is not None:
        case['x0'] = vec_spec(b if isinstance(x0, str) else x0)
        if isinstance(x0, str):
            sc['x0'] = x0
    case.update({'options': opts, 'scipyCall': sc, 'scipy': res, 'expect': expect})
    if checks:
        case['checks'] = checks
    if compare_iterations:
        # gcrotmk: SciPy counts outer cycles, so compare products with A instead.
        case['compareIterations'] = 'matvecs' if solver == 'gcrotmk' else 'iterations'
    if extra:
        case.update(extra)
    if scipy_x:
        case['scipy']['x'] = [fl(v) for v in x]
    CASES.append(case)
    return res, x


# ----------------------------------------------------------------------------------------------
# test_iterative.py: IterativeParams (real-valued cases only)


class Case:
    def __init__(self, name, A, b=None, skip=(), nonconvergence=(), dtype='float64'):
        self.name = name
        self.A = A
        self.b = np.arange(A.shape[0], dtype=float) if b is None else b
        self.skip = list(skip)
        self.nonconvergence = list(nonconvergence)
        self.dtype = dtype
        self.key = name + ('-f32' if dtype == 'float32' else '')


def f32(A):
    return A.astype(np.float32).astype(np.float64)


def iterative_cases():
    cases = []
    N = 40
    data = np.ones((3, N))
    data[0, :] = 2
    data[1, :] = -1
    data[2, :] = -1
    P1 = sp.spdiags(data, [0, -1, 1], N, N, format='csr')
    cases.append(Case('poisson1d', P1))
    cases.append(Case('poisson1d', f32(P1), skip=['minres'], dtype='float32'))
    cases.append(Case('neg-poisson1d', -P1, skip=['cg']))
    cases.append(Case('neg-poisson1d', f32(-P1), skip=['cg', 'minres'], dtype='float32'))
    P2 = sp.kronsum(P1, P1).tocsr()
    cases.append(Case('poisson2d', P2, skip=['minres']))
    cases.append(Case('poisson2d', f32(P2), skip=['minres'], dtype='float32'))
    data = np.array([[6, -5, 2, 7, -1, 10, 4, -3, -8, 9]], dtype='d')
    RD = sp.spdiags(data, [0], 10, 10, format='csr')
    cases.append(Case('rand-diag', RD, skip=['cg']))
    cases.append(Case('rand-diag', f32(RD), skip=['cg'], dtype='float32'))
    np.random.seed(1234)
    data = np.random.rand(4, 4)
    cases.append(Case('rand', data, skip=['cg', 'minres']))
    cases.append(Case('rand', f32(data), skip=['cg', 'minres'], dtype='float32'))
    np.random.seed(1234)
    data = np.random.rand(4, 4)
    data = data + data.T
    cases.append(Case('rand-sym', data, skip=['cg']))
    cases.append(Case('rand-sym', f32(data), skip=['cg'], dtype='float32'))
    np.random.seed(1234)
    data = np.random.rand(9, 9)
    data = np.dot(data.conj(), data.T)
    cases.append(Case('rand-sym-pd', data))
    cases.append(Case('rand-sym-pd', f32(data), skip=['minres'], dtype='float32'))
    # (rand-cmplx, rand-cmplx-herm, rand-cmplx-sym-pd and the complex nonsymposdef: left out)
    data = np.ones((2, 10))
    data[0, :] = 2
    data[1, :] = -1
    A = sp.spdiags(data, [0, -1], 10, 10, format='csr')
    cases.append(Case('nonsymposdef', A, skip=['minres', 'cg']))
    A = np.array([[0, 0, 0, 0, 0, 1, -1, -0, -0, -0, -0],
                  [0, 0, 0, 0, 0, 2, -0, -1, -0, -0, -0],
                  [0, 0, 0, 0, 0, 2, -0, -0, -1, -0, -0],
                  [0, 0, 0, 0, 0, 2, -0, -0, -0, -1, -0],
                  [0, 0, 0, 0, 0, 1, -0, -0, -0, -0, -1],
                  [1, 2, 2, 2, 1, 0, -0, -0, -0, -0, -0],
                  [-1, 0, 0, 0, 0, 0, -1, -0, -0, -0, -0],
                  [0, -1, 0, 0, 0, 0, -0, -1, -0, -0, -0],
                  [0, 0, -1, 0, 0, 0, -0, -0, -1, -0, -0],
                  [0, 0, 0, -1, 0, 0, -0, -0, -0, -1, -0],
                  [0, 0, 0, 0, -1, 0, -0, -0, -0, -0, -1]], dtype=float)
    b = np.array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    cases.append(Case('sym-nonpd', A, b, skip=['cg'], nonconvergence=['bicgstab']))
    for c in cases:
        add_matrix(c.key, c.A, c.dtype)
    return cases, P1, P2


def well_conditioned(key):
    e = MATRICES[key]
    c = MATRICES[e['sameAs']].get('cond2') if 'sameAs' in e else e.get('cond2')
    return isinstance(c, float) and c <= 1e4


def spmat(A):
    return A if sp.issparse(A) else np.asarray(A)


def build_iterative():
    cases, P1, P2 = iterative_cases()
    order = ['cg', 'bicgstab', 'gmres', 'minres', 'gcrotmk']
    # test_maxiter: maxiter=1, tol=1e-12, x0 = 0, a (legacy for gmres) callback; info == 1.
    for c in cases:
        for s in order:
            if s in c.skip + c.nonconvergence:
                continue
            A = spmat(c.A)
            add_case(f'maxiter/{c.key}/{s}', 'maxiter', 'test_iterative.py::test_maxiter', s, c.key, A, c.b,
                     x0=0 * c.b, tol=1e-12, maxiter=1, legacy_callback=True, expect='no-converge',
                     checks=['oneIteration', 'reason:max-iterations'],
                     extra={'note': 'maxiter=1 maps to maxIterations=1 (one iteration = one product with A) for every solver'})
    # itersolve's one-iteration mapping for gcrotmk: SciPy's maxiter=1 is one cycle (m+k steps).
    for case in CASES:
        if case['family'] == 'maxiter':
            case['options']['maxIterations'] = 1
    # test_convergence: tol 1e-8 (float64) / 1e-2 (float32), x0 = 0, default maxiter; info == 0 and
    # ||A x - b|| < tol ||b||, or for nonconvergence: info != 0 and ||A x - b|| <= ||b||.
    for s in order:
        for c in cases:
            if s in c.skip:
                continue
            A = spmat(c.A)
            tol = 1e-8 if c.dtype == 'float64' else 1e-2
            nonconv = s in c.nonconvergence
            add_case(f'convergence/{c.key}/{s}', 'convergence', 'test_iterative.py::test_convergence', s, c.key, A,
                     c.b, x0=0 * c.b, tol=tol, expect='no-converge' if nonconv else 'converge',
                     checks=['residualNotAboveB'] if nonconv else None,
                     compare_iterations=(not nonconv and well_conditioned(c.key)))
    # test_precond_dummy: M = identity LinearOperator, then A as an operator with identity psolve
    # (= unpreconditioned); tol 1e-8, x0 = 0; info == 0.
    for c in cases:
        for s in order:
            if s in c.skip + c.nonconvergence:
                continue
            A = spmat(c.A)
            n = A.shape[0]
            ident = LinearOperator((n, n), matvec=lambda v: v, rmatvec=lambda v: v, dtype=np.float64)
            add_case(f'precond-dummy/{c.key}/{s}/M', 'precond-dummy', 'test_iterative.py::test_precond_dummy', s,
                     c.key, A, c.b, x0=0 * c.b, tol=1e-8, M=ident, Mspec='identity',
                     compare_iterations=well_conditioned(c.key))
            add_case(f'precond-dummy/{c.key}/{s}/op', 'precond-dummy', 'test_iterative.py::test_precond_dummy', s,
                     c.key, A, c.b, x0=0 * c.b, tol=1e-8,
                     compare_iterations=well_conditioned(c.key))
    # test_precond_inverse: Poisson1D, Poisson2D with M = A^-1; tol 1e-8, x0 = 0; info == 0 and
    # at most 3 products with A.
    # (SciPy's params.Poisson1D / params.Poisson2D carry no skip list: minres runs on both here.)
    for c in (cases[0], cases[4]):
        for s in order:
            Ad = dense_of(c.A)
            inv = LinearOperator(c.A.shape, matvec=lambda v, Ad=Ad: np.linalg.solve(Ad, v), dtype=np.float64)
            add_case(f'precond-inverse/{c.key}/{s}', 'precond-inverse', 'test_iterative.py::test_precond_inverse',
                     s, c.key, c.A, c.b, x0=0 * c.b, tol=1e-8, M=inv, Mspec={'inverse': c.key},
                     checks=['matvecsAtMost:3'])
    # test_x0_equals_Mb: x0 = 'Mb' (M = identity, so x0 = b); tol 1e-8; info == 0.
    for s in order:
        for c in cases:
            if s in c.skip:
                continue
            A = spmat(c.A)
            add_case(f'x0-Mb/{c.key}/{s}', 'x0-equals-Mb', 'test_iterative.py::test_x0_equals_Mb', s, c.key, A,
                     c.b, x0='Mb', tol=1e-8)
    return cases


def build_iterative_specials():
    # test_atol: A 10x10 SPD, b = 1e3 rand; M in None, 1e-6 M0, 1e6 M0 (dense SPD, z = M r);
    # tol, atol in {0, 1e-10 .. 1e2, inf} (not both 0); info == 0, err <= 1.00025 max(atol, tol ||b||).
    for s in ['cg', 'bicgstab', 'gmres', 'gcrotmk']:
        np.random.seed(1234)
        A = np.random.rand(10, 10)
        A = A.dot(A.T) + 10 * np.eye(10)
        b = 1e3 * np.random.rand(10)
        tols = np.r_[0, np.logspace(np.log10(1e-10), np.log10(1e2), 7), np.inf]
        M0 = np.random.randn(10, 10)
        M0 = M0.dot(M0.T)
        add_matrix('atol-spd10', A)
        add_dense('atol-M0', M0)
        for (mi, scale), tol, atol in itertools.product([(None, None), (0, 1e-6), (1, 1e6)], tols, tols):
            if tol == 0 and atol == 0:
                continue
            M = None if scale is None else scale * M0
            spec = None if scale is None else {'dense': 'atol-M0', 'scale': scale}
            mname = 'none' if scale is None else f'{scale:g}M0'
            add_case(f'atol/{s}/{mname}/tol={tol:g}/atol={atol:g}', 'atol', 'test_iterative.py::test_atol', s,
                     'atol-spd10', A, b, tol=tol, atol=atol, M=M, Mspec=spec, checks=['atolBound'])
    # test_zero_rhs: b = 0; tol 1e-10 .. 1e2.
    for s in ['cg', 'bicgstab', 'gmres', 'minres', 'gcrotmk']:
        np.random.seed(1234)
        A = np.random.rand(10, 10)
        A = A.dot(A.T) + 10 * np.eye(10)
        add_matrix('zero-rhs-spd10', A)
        b = np.zeros(10)
        for tol in np.r_[np.logspace(np.log10(1e-10), np.log10(1e2), 7)]:
            t = f'{tol:g}'
            add_case(f'zero-rhs/{s}/tol={t}/x0=0', 'zero-rhs', 'test_iterative.py::test_zero_rhs', s,
                     'zero-rhs-spd10', A, b, tol=tol, checks=['xZero:1e-15'])
            add_case(f'zero-rhs/{s}/tol={t}/x0=1', 'zero-rhs', 'test_iterative.py::test_zero_rhs', s,
                     'zero-rhs-spd10', A, b, tol=tol, x0=np.ones(10), checks=[f'xZero:{tol!r}'])
            if s != 'minres':
                add_case(f'zero-rhs/{s}/tol={t}/x0=1/atol=0', 'zero-rhs', 'test_iterative.py::test_zero_rhs', s,
                         'zero-rhs-spd10', A, b, tol=tol, atol=0, x0=np.ones(10), expect='any',
                         checks=['xZeroIfConverged:1e-8'])
                add_case(f'zero-rhs/{s}/tol={t}/atol=tol', 'zero-rhs', 'test_iterative.py::test_zero_rhs', s,
                         'zero-rhs-spd10', A, b, tol=tol, atol=tol, checks=['xZero:1e-300'])
                add_case(f'zero-rhs/{s}/tol={t}/atol=0', 'zero-rhs', 'test_iterative.py::test_zero_rhs', s,
                         'zero-rhs-spd10', A, b, tol=tol, atol=0, checks=['xZero:1e-300'])
    # test_x0_working: A = R R^T (10x10, seed 1), b, x0 random; tol 1e-6 (atol 0 except minres).
    for s in ['cg', 'bicgstab', 'gmres', 'minres', 'gcrotmk']:
        np.random.seed(1)
        n = 10
        A = np.random.rand(n, n)
        A = A.dot(A.T)
        b = np.random.rand(n)
        x0 = np.random.rand(n)
        add_matrix('x0-working', A)
        atol = None if s == 'minres' else 0
        add_case(f'x0-working/{s}/x0=none', 'x0-working', 'test_iterative.py::test_x0_working', s, 'x0-working',
                 A, b, tol=1e-6, atol=atol, compare_iterations=well_conditioned('x0-working'))
        add_case(f'x0-working/{s}/x0=rand', 'x0-working', 'test_iterative.py::test_x0_working', s, 'x0-working',
                 A, b, tol=1e-6, atol=atol, x0=x0, compare_iterations=well_conditioned('x0-working'))
    # TestGMRES.test_basic: Vandermonde 10x10, b = e0, restart 5, maxiter 1 cycle: x[0] ~ 0.359 (rtol 1e-2).
    A = np.vander(np.arange(10) + 1)[:, ::-1].astype(float)
    b = np.zeros(10)
    b[0] = 1
    add_matrix('vander10', A)
    add_case('gmres/basic', 'gmres-basic', 'test_iterative.py::TestGMRES::test_basic', 'gmres', 'vander10', A, b,
             tol=1e-5, restart=5, maxiter=1, expect='any', checks=['x0Approx:0.359:1e-2'])
    # TestGMRES.test_callback: 6x6 tridiagonal, b = ones, tol 1e-16, maxiter 1 (legacy: one inner step):
    # the relative residual after the first step is 0.81649658092772603.
    A = np.array([[-2, 1, 0, 0, 0, 0], [1, -2, 1, 0, 0, 0], [0, 1, -2, 1, 0, 0], [0, 0, 1, -2, 1, 0],
                  [0, 0, 0, 1, -2, 1], [0, 0, 0, 0, 1, -2]], dtype=float)
    add_matrix('tridiag6', A)
    add_case('gmres/callback', 'gmres-callback', 'test_iterative.py::TestGMRES::test_callback', 'gmres',
             'tridiag6', A, np.ones(6), x0=np.zeros(6), tol=1e-16, maxiter=1, legacy_callback=True,
             expect='no-converge', checks=['firstRelres:0.81649658092772603:1e-10'])
    # The same with M = 1e-3 I: SciPy (left preconditioning) reports the preconditioned residual
    # 1e-3*0.8165; itersolve's GMRES is right-preconditioned and tracks the true residual, which a
    # scaled identity does not change: 0.8165 again.
    add_case('gmres/callback/M=1e-3I', 'gmres-callback', 'test_iterative.py::TestGMRES::test_callback', 'gmres',
             'tridiag6', A, np.ones(6), tol=1e-16, maxiter=1, legacy_callback=True, M=1e-3 * np.eye(6),
             Mspec={'diag': [1e-3] * 6}, expect='no-converge', checks=['firstRelres:0.81649658092772603:1e-10'])
    # TestGMRES.test_abi (its real half): gmres(eye(2), ones).
    add_matrix('eye2', np.eye(2))
    add_case('gmres/abi-real', 'gmres-abi', 'test_iterative.py::TestGMRES::test_abi', 'gmres', 'eye2', np.eye(2),
             np.ones(2))
    # TestGMRES.test_atol_legacy, the parts that do not depend on legacy atol: eye(2) b = ones,
    # tol 1e-5 -> x = b (rtol 1e-8); eye(2) b = 1e-10 ones, tol 1e-8, atol 0.
    add_case('gmres/atol-legacy/ones', 'gmres-atol-legacy', 'test_iterative.py::TestGMRES::test_atol_legacy',
             'gmres', 'eye2', np.eye(2), np.ones(2), tol=1e-5, checks=['xEqualsB:1e-8'])
    add_case('gmres/atol-legacy/1e-10', 'gmres-atol-legacy', 'test_iterative.py::TestGMRES::test_atol_legacy',
             'gmres', 'eye2', np.eye(2), 1e-10 * np.ones(2), tol=1e-8, atol=0)
    # TestGMRES.test_defective_precond_breakdown: M = diag(1, 1, 0), A = diag(2, 3, 4), b = [0, 1, 1],
    # x0 = [1, 0, 0], tol 1e-15, atol 0: no NaN, no false success, M A x = M b.
    A = np.diag([2., 3., 4.])
    add_matrix('diag234', A)
    add_case('gmres/defective-precond', 'gmres-breakdown', 'test_iterative.py::TestGMRES::test_defective_precond_breakdown',
             'gmres', 'diag234', A, np.array([0., 1., 1.]), x0=np.array([1., 0., 0.]), tol=1e-15, atol=0,
             M=np.diag([1., 1., 0.]), Mspec={'diag': [1., 1., 0.]}, expect='any',
             checks=['finiteX', 'MAxEqualsMb'])
    # TestGMRES.test_defective_matrix_breakdown: A = [[0,1,0],[1,0,0],[0,0,0]], b = [1,0,1]: no NaN,
    # no false success, A A x = A b.
    A = np.array([[0., 1, 0], [1, 0, 0], [0, 0, 0]])
    add_matrix('defective3', A)
    add_case('gmres/defective-matrix', 'gmres-breakdown', 'test_iterative.py::TestGMRES::test_defective_matrix_breakdown',
             'gmres', 'defective3', A, np.array([1., 0, 1]), tol=1e-8, atol=0, expect='any',
             checks=['finiteX', 'AAxEqualsAb'])
    # TestGMRES.test_callback_type: rand 20x20 (seed 1), tol 1e-6, atol 0, restart 50: two inner
    # steps (legacy maxiter) do not converge; two cycles do.
    np.random.seed(1)
    A = np.random.rand(20, 20)
    b = np.random.rand(20)
    add_matrix('rand20-seed1', A)
    add_case('gmres/callback-type/legacy', 'gmres-callback-type', 'test_iterative.py::TestGMRES::test_callback_type',
             'gmres', 'rand20-seed1', A, b, tol=1e-6, atol=0, maxiter=2, restart=50, legacy_callback=True,
             expect='no-converge', checks=['iterationsExactly:2', 'reason:max-iterations'])
    add_case('gmres/callback-type/pr_norm', 'gmres-callback-type', 'test_iterative.py::TestGMRES::test_callback_type',
             'gmres', 'rand20-seed1', A, b, tol=1e-6, atol=0, maxiter=2, restart=50, compare_iterations=True)
    # TestGMRES.test_callback_x_monotonic: rand 20x20 + I (seed 1), restart 10, 20 cycles, tol 1e-6:
    # info == 20 (no convergence) and the residual never grows.
    np.random.seed(1)
    A = np.random.rand(20, 20) + np.eye(20)
    b = np.random.rand(20)
    add_matrix('rand20-seed1-plus-eye', A)
    add_case('gmres/x-monotonic', 'gmres-monotonic', 'test_iterative.py::TestGMRES::test_callback_x_monotonic',
             'gmres', 'rand20-seed1-plus-eye', A, b, tol=1e-6, atol=0, maxiter=20, restart=10,
             expect='no-converge', checks=['monotoneHistory', 'iterationsExactly:200', 'reason:max-iterations'])


def build_minres():
    def sample():
        np.random.seed(1234)
        matrix = np.random.rand(10, 10)
        matrix = matrix + matrix.T
        vector = np.random.rand(10)
        return matrix, vector
    # test_singular: row 0 of A and b[0] zeroed (tol 1e-5): info == 0, residual < 1e-5 ||b||.
    A, b = sample()
    A[0, ] = 0
    b[0] = 0
    add_matrix('minres-singular', A)
    add_case('minres/singular', 'minres', 'test_minres.py::test_singular', 'minres', 'minres-singular', A, b)
    # test_x0_is_used_by: a random x0 changes the first iterate (here: the initial residual).
    A, b = sample()
    add_matrix('minres-sample', A)
    np.random.seed(12345)
    x0 = np.random.rand(10)
    add_case('minres/x0-used/x0', 'minres', 'test_minres.py::test_x0_is_used_by', 'minres', 'minres-sample', A, b,
             x0=x0, expect='any', checks=['x0Changes:minres/x0-used/none'])
    add_case('minres/x0-used/none', 'minres', 'test_minres.py::test_x0_is_used_by', 'minres', 'minres-sample', A, b,
             expect='any')
    # test_shift: itersolve has no `shift`; the shifted system A - 0.5 I itself.
    A, b = sample()
    S = A - 0.5 * np.eye(10)
    add_matrix('minres-sample-shifted', S)
    add_case('minres/shift/explicit', 'minres', 'test_minres.py::test_shift', 'minres', 'minres-sample-shifted', S, b)
    # test_asymmetric_fail: check=True raises -> itersolve's checkSymmetry throws ERR_NOT_SYMMETRIC.
    A, b = sample()
    A[1, 2] = 1
    A[2, 1] = 2
    add_matrix('minres-asymmetric', A)
    try:
        minres(A, b, check=True)
        raise AssertionError('SciPy minres(check=True) accepted an asymmetric matrix')
    except ValueError:
        pass
    CASES.append({'id': 'minres/asymmetric-fail', 'family': 'minres', 'source': SRC + 'test_minres.py::test_asymmetric_fail',
                  'solver': 'minres', 'matrix': 'minres-asymmetric', 'b': vec_spec(b),
                  'options': {'rtol': 1e-5, 'atol': 0.0, 'maxIterations': 50, 'checkSymmetry': True},
                  'scipyCall': {'tol': 1e-5, 'check': True}, 'scipy': {'raises': 'ValueError'},
                  'expect': 'throws', 'throwsCode': 'ERR_NOT_SYMMETRIC'})
    # test_minres_non_default_x0 / precond_non_default_x0 / precond_exact_x0 (tol 1e-6).
    np.random.seed(1234)
    a = np.random.randn(5, 5)
    a = np.dot(a, a.T)
    b = np.random.randn(5)
    c = np.random.randn(5)
    add_matrix('minres-spd5-seed1234', a)
    add_case('minres/non-default-x0', 'minres', 'test_minres.py::test_minres_non_default_x0', 'minres',
             'minres-spd5-seed1234', a, b, x0=c, tol=1e-6)
    np.random.seed(12345)
    a = np.random.randn(5, 5)
    a = np.dot(a, a.T)
    b = np.random.randn(5)
    c = np.random.randn(5)
    m = np.random.randn(5, 5)
    m = np.dot(m, m.T)
    add_matrix('minres-spd5-seed12345', a)
    add_dense('minres-M5', m)
    add_case('minres/precond-non-default-x0', 'minres', 'test_minres.py::test_minres_precond_non_default_x0', 'minres',
             'minres-spd5-seed12345', a, b, x0=c, tol=1e-6, M=m, Mspec={'dense': 'minres-M5', 'scale': 1.0})
    np.random.seed(1234)
    a = np.eye(10)
    b = np.ones(10)
    c = np.ones(10)
    m = np.random.randn(10, 10)
    m = np.dot(m, m.T)
    add_matrix('eye10', a)
    add_dense('minres-M10', m)
    add_case('minres/precond-exact-x0', 'minres', 'test_minres.py::test_minres_precond_exact_x0', 'minres', 'eye10',
             a, b, x0=c, tol=1e-6, M=m, Mspec={'dense': 'minres-M10', 'scale': 1.0})


def build_gcrotmk_lgmres():
    Am = sp.csr_matrix(np.array([[-2, 1, 0, 0, 0, 9],
                                 [1, -2, 1, 0, 5, 0],
                                 [0, 1, -2, 1, 0, 0],
                                 [0, 0, 1, -2, 1, 0],
                                 [0, 3, 0, 1, -2, 1],
                                 [1, 0, 0, 0, 1, -2]], dtype=float))
    bm = np.array([1., 2, 3, 4, 5, 6])
    add_matrix('Am6', Am)
    pc = splu(Am.tocsc())
    Minv = LinearOperator(Am.shape, matvec=pc.solve, dtype=np.float64)
    # test_preconditioner (both files; lgmres -> gmres): tol 1e-14, x0 = 0; with M = A^-1 three
    # products with A, fewer than half of the unpreconditioned count, and the same x.
    for s, src in (('gcrotmk', 'test_gcrotmk.py'), ('gmres', 'test_lgmres.py')):
        add_case(f'{s}/preconditioner/none', 'exact-preconditioner', src + '::test_preconditioner', s, 'Am6', Am, bm,
                 x0=np.zeros(6), tol=1e-14, checks=['allcloseAxB:1e-12'])
        add_case(f'{s}/preconditioner/inverse', 'exact-preconditioner', src + '::test_preconditioner', s, 'Am6', Am,
                 bm, x0=np.zeros(6), tol=1e-14, M=Minv, Mspec={'inverse': 'Am6'},
                 checks=['allcloseAxB:1e-12', 'matvecsAtMost:3', f'halfMatvecsOf:{s}/preconditioner/none',
                         f'sameX:{s}/preconditioner/none'])
    # test_arnoldi: eye(2000) + rand(density 5e-4); one GCROT cycle with k = 0 (or one LGMRES
    # cycle) equals one GMRES(15) cycle; neither converges, residual > 1e-3 (1e-4 for lgmres).
    for s, seed, src, floor in (('gcrotmk', 1, 'test_gcrotmk.py', 1e-3), ('gmres', 1234, 'test_lgmres.py', 1e-4)):
        np.random.seed(seed)
        A = sp.eye(2000) + sp.rand(2000, 2000, density=5e-4)
        b = np.random.rand(2000)
        name = f'arnoldi2000-seed{seed}'
        add_matrix(name, A.tocsr())
        x0 = np.zeros(2000)
        _, xg = add_case(f'arnoldi/seed{seed}/gmres', 'arnoldi', src + '::test_arnoldi', 'gmres', name, A.tocsr(), b,
                         x0=x0, tol=1e-5, restart=15, maxiter=1, expect='no-converge',
                         checks=[f'residualAbove:{floor!r}', 'reason:max-iterations'], scipy_x=True,
                         compare_iterations=True)
        if s == 'gcrotmk':
            _, xc = add_case(f'arnoldi/seed{seed}/gcrotmk', 'arnoldi', src + '::test_arnoldi', 'gcrotmk', name,
                             A.tocsr(), b, x0=x0, tol=1e-5, m=15, k=0, maxiter=1, expect='no-converge',
                             checks=[f'residualAbove:{floor!r}', f'sameXAs:arnoldi/seed{seed}/gmres:1e-7',
                                     'reason:max-iterations'])
            assert np.allclose(xc, xg, rtol=1e-7, atol=0)
    # test_cornercase (both files): A = 2 I (n = 3, 5, 10, 100), b = ones / rand, maxiter 10;
    # default tol must converge (A x - b ~ 0 to 1e-14), tol = 0 only if it says so.
    for s, src in (('gcrotmk', 'test_gcrotmk.py'), ('gmres', 'test_lgmres.py')):
        np.random.seed(1234)
        for n in [3, 5, 10, 100]:
            A = 2 * sp.eye(n, format='csr')
            name = add_matrix(f'2eye{n}', A)
            for bname in ('ones', 'rand'):
                b = np.ones(n) if bname == 'ones' else np.random.rand(n)
                add_case(f'{s}/cornercase/n={n}/b={bname}/tol=default', 'cornercase', src + '::test_cornercase', s,
                         name, A, b, maxiter=10, checks=['residualAtol:1e-14'])
                add_case(f'{s}/cornercase/n={n}/b={bname}/tol=0', 'cornercase', src + '::test_cornercase', s, name,
                         A, b, tol=0, maxiter=10, expect='any', checks=['residualAtol:1e-14'])
    # test_nans (both files): eye(3) with A[1,1] = NaN, tol 0, maxiter 10: info == 1.
    A = sp.eye(3, format='lil')
    A[1, 1] = np.nan
    A = A.tocsr()
    add_matrix('eye3-nan', A, finite=False)
    for s, src in (('gcrotmk', 'test_gcrotmk.py'), ('gmres', 'test_lgmres.py')):
        add_case(f'{s}/nans', 'nans', src + '::test_nans', s, 'eye3-nan', A, np.ones(3), tol=0, maxiter=10,
                 expect='no-converge')
    # test_truncate: rand 30x30 + I (seed 1234), m = 10, k = 10, tol 1e-4, 200 cycles; info == 0.
    # itersolve truncates the oldest pair ('oldest'); 'smallest' has no counterpart (left out).
    np.random.seed(1234)
    A = np.random.rand(30, 30) + np.eye(30)
    b = np.random.rand(30)
    add_matrix('rand30-plus-eye', A)
    add_case('gcrotmk/truncate/oldest', 'truncate', 'test_gcrotmk.py::test_truncate', 'gcrotmk', 'rand30-plus-eye', A,
             b, m=10, k=10, tol=1e-4, maxiter=200, checks=['residualAtol:1e-3'])
    # test_denormals (both files): [[1,2],[3,4]] * 100 * 5e-324, b = ones(2): if info == 0, A x = b.
    A = np.array([[1, 2], [3, 4]], dtype=float)
    A *= 100 * np.nextafter(0, 1)
    add_matrix('denormal2', A)
    for s, src in (('gcrotmk', 'test_gcrotmk.py'), ('gmres', 'test_lgmres.py')):
        add_case(f'{s}/denormals', 'denormals', src + '::test_denormals', s, 'denormal2', A, np.array([1., 1.]),
                 expect='any', checks=['allcloseAxBIfConverged:1e-7'])
    # test_breakdown_underdetermined (lgmres; -> gmres and gcrotmk, one cycle of n = 4 steps): the
    # residual is the least-squares minimum over the Krylov space K_4(A, b) despite breakdown.
    A = np.array([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=float)
    add_matrix('nilpotent4', A)
    for bi, b in enumerate([np.array([1., 1, 1, 1]), np.array([1., 1, 1, 0]), np.array([1., 1, 0, 0]),
                            np.array([1., 0, 0, 0])]):
        K = np.c_[b, A.dot(b), A.dot(A.dot(b)), A.dot(A.dot(A.dot(b)))]
        y, _, _, _ = np.linalg.lstsq(A.dot(K), b, rcond=-1)
        res = float(np.linalg.norm(A.dot(K.dot(y)) - b))
        for s in ('gmres', 'gcrotmk'):
            add_case(f'{s}/breakdown-underdetermined/b{bi}', 'breakdown-underdetermined',
                     'test_lgmres.py::test_breakdown_underdetermined', s, 'nilpotent4', A, b, maxiter=1,
                     restart=4 if s == 'gmres' else None, m=4 if s == 'gcrotmk' else None,
                     k=0 if s == 'gcrotmk' else None, expect='any', checks=[f'lstsqResidual:{res!r}'])
    for case in CASES:
        if case['family'] == 'breakdown-underdetermined':
            case['options']['maxIterations'] = 4  # one cycle of 4 inner steps (lgmres maxiter=1)


def main():
    build_iterative()
    build_iterative_specials()
    build_minres()
    build_gcrotmk_lgmres()
    LEFT_OUT.extend([
        {'test': 'test_iterative.py: complex cases (rand-cmplx*, complex nonsymposdef), test_maxiter_worsening', 'why': 'complex matrices'},
        {'test': 'test_iterative.py::test_reentrancy', 'why': 'needs a matrix-free A (LinearOperator whose matvec runs a solve); itersolve takes a CsrMatrix'},
        {'test': 'test_iterative.py::test_precond_dummy (the aslinearoperator(A).psolve half)', 'why': 'matrix-free A; run as the unpreconditioned solve instead (…/op cases)'},
        {'test': 'test_iterative.py::TestGMRES::test_atol_legacy (b = 1e-6 ones; rand 30x30)', 'why': "SciPy's legacy atol (tol as an absolute bound on the initial residual); itersolve has rtol/atol only"},
        {'test': 'test_iterative.py::TestGMRES::test_callback (M = 1e-3 I value 1e-3*0.8165)', 'why': 'SciPy reports the left-preconditioned residual; itersolve is right-preconditioned (the case asserts the true 0.8165)'},
        {'test': 'test_iterative.py::TestGMRES::test_restrt_dep, test_show, TestQMR, cgs/bicg/qmr/tfqmr/lgmres runs', 'why': 'deprecation warnings / solvers itersolve does not have'},
        {'test': 'test_minres.py::test_shift', 'why': 'no `shift` option; the explicitly shifted system is run instead'},
        {'test': 'test_gcrotmk.py::test_CU', 'why': 'no CU / discard_C (recycled space handed in and out)'},
        {'test': "test_gcrotmk.py::test_truncate (truncate='smallest')", 'why': "only SciPy's default 'oldest' truncation"},
        {'test': 'test_lgmres.py::test_outer_v, test_breakdown_with_outer_v', 'why': 'no LGMRES / outer_v'},
    ])
    os.makedirs(OUT, exist_ok=True)
    counts = {}
    for c in CASES:
        counts[c['solver']] = counts.get(c['solver'], 0) + 1
    obj = {
        'generator': {'script': 'scripts/scipy-isolve-fixtures.py',
                      'command': '/usr/bin/python3 scripts/scipy-isolve-fixtures.py',
                      'scipy': scipy.__version__, 'numpy': np.__version__},
        'description': __doc__.strip().split('\n\n')[1],
        'counts': counts,
        'matrices': MATRICES,
        'dense': DENSE,
        'vectors': VECTORS,
        'leftOut': LEFT_OUT,
        'cases': CASES,
    }
    path = os.path.join(OUT, 'cases.json')
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    fams = {}
    for c in CASES:
        fams[c['family']] = fams.get(c['family'], 0) + 1
    print(f'wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes): {len(CASES)} cases')
    print('per solver:', counts)
    print('per family:', fams)


if __name__ == '__main__':
    sys.exit(main())
