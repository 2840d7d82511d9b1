#!/usr/bin/env python3
"""POT anchor for itersolve's optimal-transport benchmarks (bench/ot.js, issue 10 section 5).

Usage: /usr/bin/python3 bench/pot_ot.py DIR [--quick]

DIR holds the problems bench/ot.js wrote (so that both sides solve the very same numbers):
manifest.json and raw little-endian float64 files (row-major C, then a and b). For each problem
of the manifest it times POT on it and prints ONE line of JSON on stdout:

  lap     (n = m = 500, C ~ U[0,1], a = b = 1/n, eps = 1/1200): ot.bregman.sinkhorn_log for exactly
          `iterations` iterations (stopThr = 0, so never met): msPerIteration = time / iterations;
  clouds  (2D point clouds n = m = 2000, squared Euclidean / max, eps = 0.01): sinkhorn_log and
          sinkhorn_knopp with stopThr = 1e-9 (POT's test: 2-norm of the b-marginal error, every
          10 iterations), numItermax 10000: time of the first and of a second call, iterations,
          and the L1 marginal error of both marginals at exit (itersolve's stopping figure);
  emd     (uniform 2D clouds, a = b = 1/n, squared Euclidean): ot.emd(numItermax = 1e7), best of
          `runs` calls, and the cost.
Only the solver calls are timed (time.perf_counter), not reading the files. POT's numpy code runs
with whatever BLAS threads the interpreter gets by default (reported as `blas`).
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import ot


def blas_name():
    try:
        import threadpoolctl
        libs = sorted({f"{i.get('internal_api')}/{i.get('version')} ({i.get('num_threads')} threads)"
                       for i in threadpoolctl.threadpool_info() if i.get('user_api') == 'blas'})
        if libs:
            return ', '.join(libs)
    except Exception:
        pass
    try:
        with open('/proc/self/maps') as fh:
            libs = sorted({line.split()[-1] for line in fh if '/' in line})
        for key in ('openblas', 'mkl', 'blis', 'atlas', 'libblas'):
            hit = [p for p in libs if key in os.path.basename(p)]
            if hit:
                return os.path.basename(hit[0])
    except OSError:
        pass
    return 'unknown'


def load(d, p):
    n, m = p['n'], p['m']
    C = np.fromfile(os.path.join(d, p['C']), dtype='<f8').reshape(n, m)
    a = np.fromfile(os.path.join(d, p['a']), dtype='<f8')
    b = np.fromfile(os.path.join(d, p['b']), dtype='<f8')
    return a, b, C


def l1(P, a, b):
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1e3


def run_lap(d, p):
    a, b, C = load(d, p)
    its = p['iterations']
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        (P, log), ms = timed(lambda: ot.bregman.sinkhorn_log(a, b, C, p['epsilon'], numItermax=its, stopThr=0.0, log=True))
    return {'name': p['name'], 'iterations': int(log['niter']) + 1, 'totalMs': ms,
            'msPerIteration': ms / (int(log['niter']) + 1), 'marginalError': l1(P, a, b)}


def run_clouds(d, p):
    a, b, C = load(d, p)
    out = {'name': p['name']}
    for key, fn in (('log', ot.bregman.sinkhorn_log), ('knopp', ot.bregman.sinkhorn_knopp)):
        runs = []
        for _ in range(p['runs']):
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                (P, log), ms = timed(lambda: fn(a, b, C, p['epsilon'], numItermax=10000, stopThr=p['tol'], log=True))
            runs.append(ms)
        out[key] = {'firstMs': runs[0], 'bestMs': min(runs), 'runsMs': runs, 'iterations': int(log['niter']) + 1,
                    'marginalError': l1(P, a, b), 'cost': float(np.sum(P * C))}
    return out


def run_emd(d, p):
    a, b, C = load(d, p)
    runs = []
    for _ in range(p['runs']):
        G, ms = timed(lambda: ot.emd(a, b, C, numItermax=10 ** 7))
        runs.append(ms)
    return {'name': p['name'], 'n': p['n'], 'firstMs': runs[0], 'bestMs': min(runs), 'runsMs': runs,
            'cost': float(np.sum(G * C))}


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    with open(os.path.join(d, 'manifest.json')) as fh:
        manifest = json.load(fh)
    out = {'python': sys.version.split()[0], 'executable': sys.executable, 'pot': ot.__version__,
           'numpy': np.__version__, 'blas': blas_name(), 'results': []}
    for p in manifest['problems']:
        fn = {'lap': run_lap, 'clouds': run_clouds, 'emd': run_emd}[p['kind']]
        r = fn(d, p)
        sys.stderr.write(f"  pot {p['name']}: {json.dumps(r)[:200]}\n")
        out['results'].append(r)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
