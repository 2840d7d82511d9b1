import { callNative } from './errors';
import { native } from './native';
import * as v from './validate';

function pair(x: unknown, y: unknown): [Float64Array, Float64Array] {
  const xa = v.f64('x', x);
  return [xa, v.f64('y', y, xa.length)];
}

/** xᵀy with the SIMD kernels; the same result run to run (blocked, fixed-order reduction). */
export function dot(x: Float64Array, y: Float64Array): number {
  const [a, b] = pair(x, y);
  return callNative(() => native().dot(a, b));
}

/** ‖x‖₂ */
export function norm2(x: Float64Array): number {
  v.f64('x', x);
  return callNative(() => native().nrm2(x));
}

/** y ← a·x + y, in place; returns y. */
export function axpy(a: number, x: Float64Array, y: Float64Array): Float64Array {
  v.num('a', a);
  const [xa, ya] = pair(x, y);
  return callNative(() => native().axpy(a, xa, ya));
}

/** y ← a·x + b·y, in place; returns y. */
export function axpby(a: number, x: Float64Array, b: number, y: Float64Array): Float64Array {
  v.num('a', a);
  v.num('b', b);
  const [xa, ya] = pair(x, y);
  return callNative(() => native().axpby(a, xa, b, ya));
}
