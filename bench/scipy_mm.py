#!/usr/bin/env python3
"""SciPy anchor for the itersolve `mm` benchmark suite (bench/mm.js).

Times scipy.io.mmread on the given Matrix Market files (what it returns: a COO matrix) and
mmread followed by .tocsr() (what itersolve's readMatrixMarket returns: CSR with sorted,
summed duplicates), best of N runs each, time.perf_counter, and the CPU time of mmread (every
thread of the process, getrusage); prints one JSON object.
SciPy >= 1.12 reads with fast_matrix_market (C++, multi-threaded); older SciPy with its Python
reader. Run by bench/mm.js with each interpreter it finds (the newest SciPy and Debian's).

With --write DIR, also times scipy.io.mmwrite of each matrix read (the COO, as mmread returned
it) to DIR, once per file.

Usage: python3 bench/scipy_mm.py [--runs N] [--write DIR] FILE...
"""
import argparse
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import scipy
import scipy.io


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--write', default=None)
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    try:
        import scipy.io._fast_matrix_market as fmm  # noqa: F401  (SciPy >= 1.12)
        fast = True
    except ImportError:
        fast = False
    out = {
        'python': platform.python_version(),
        'executable': sys.executable,
        'numpy': np.__version__,
        'scipy': scipy.__version__,
        'fastMatrixMarket': fast,
        'runs': args.runs,
        'results': [],
    }
    for f in args.files:
        read, tocsr, cpu = [], [], []
        nnz = None
        for _ in range(args.runs):
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t = time.perf_counter()
            A = scipy.io.mmread(f)
            t1 = time.perf_counter()
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e3)
            C = A.tocsr()
            t2 = time.perf_counter()
            read.append((t1 - t) * 1e3)
            tocsr.append((t2 - t) * 1e3)
            nnz = int(C.nnz)
            del C
        res = {'file': f, 'nnz': nnz, 'read_ms': read, 'read_tocsr_ms': tocsr,
               'best_ms': min(read), 'best_tocsr_ms': min(tocsr), 'cpu_ms': cpu, 'best_cpu_ms': min(cpu)}
        if args.write:
            target = os.path.join(args.write, 'scipy-' + os.path.basename(f))
            t = time.perf_counter()
            scipy.io.mmwrite(target, A)
            res['write_ms'] = (time.perf_counter() - t) * 1e3
            res['write_bytes'] = os.path.getsize(target)
            os.remove(target)
        del A
        out['results'].append(res)
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
