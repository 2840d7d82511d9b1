import { callNative } from './errors';
import * as path from 'path';
import { native, packageRoot } from './native';
import * as v from './validate';

export type SimdPath = 'scalar' | 'avx2' | 'avx512' | 'neon';

/** The SIMD path the kernels use in this process (chosen from the CPU, or ITERSOLVE_SIMD). */
export function simd(): SimdPath {
  return native().info().simd as SimdPath;
}

/** Every path this CPU and build can run (tests run each one). */
export function simdSupported(): SimdPath[] {
  return native().info().simdSupported as SimdPath[];
}

/**
 * Switches the SIMD path for this environment (main thread or worker). For testing and
 * benchmarking; ITERSOLVE_SIMD=scalar|avx2|avx512 does the same at load time.
 */
export function setSimd(path: SimdPath): SimdPath {
  v.str('path', path);
  return callNative(() => native().setSimd(path)) as SimdPath;
}

/**
 * Threads one large kernel may use (the caller plus pool workers). Default: the number of logical
 * CPUs, or ITERSOLVE_THREADS. Concurrent async solves never oversubscribe: while one holds the
 * pool, the others run their kernels on their own thread.
 */
export function setThreads(n: number): void {
  v.int('n', n, 1, 256);
  callNative(() => native().setThreads(n));
}

export function getThreads(): number {
  return native().getThreads();
}

export interface RuntimeInfo {
  version: string;
  simd: SimdPath;
  simdDetected: SimdPath;
  simdSupported: SimdPath[];
  threads: number;
  defaultThreads: number;
  napiVersion: number;
}

/** Version, SIMD path and threads. */
export function info(): RuntimeInfo {
  const i = native().info();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require(path.join(packageRoot, 'package.json')) as { version: string };
  return {
    version,
    simd: i.simd as SimdPath,
    simdDetected: i.simdDetected as SimdPath,
    simdSupported: i.simdSupported as SimdPath[],
    threads: i.threads,
    defaultThreads: i.defaultThreads,
    napiVersion: i.napiVersion,
  };
}
