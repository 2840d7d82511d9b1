import { CsrMatrix } from './csr';
import * as v from './validate';

/**
 * 2D Poisson matrix on an n×n grid (5-point stencil, Dirichlet boundary, natural ordering):
 * n² unknowns, 4 on the diagonal and −1 for each grid neighbour. Symmetric positive definite.
 */
export function poisson2d(n: number): CsrMatrix {
  v.int('n', n, 1, 46340);
  const N = n * n;
  const nnz = 5 * N - 4 * n;
  const rowPtr = new Int32Array(N + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = i * n + j;
      if (i > 0) {
        colIdx[k] = r - n;
        values[k++] = -1;
      }
      if (j > 0) {
        colIdx[k] = r - 1;
        values[k++] = -1;
      }
      colIdx[k] = r;
      values[k++] = 4;
      if (j < n - 1) {
        colIdx[k] = r + 1;
        values[k++] = -1;
      }
      if (i < n - 1) {
        colIdx[k] = r + n;
        values[k++] = -1;
      }
      rowPtr[r + 1] = k;
    }
  }
  return new CsrMatrix(N, N, rowPtr, colIdx, values, { validate: false });
}

/** 3D Poisson matrix on an n×n×n grid (7-point stencil, 6 on the diagonal). SPD. */
export function poisson3d(n: number): CsrMatrix {
  v.int('n', n, 1, 1290);
  const N = n * n * n;
  const nnz = 7 * N - 6 * n * n;
  const rowPtr = new Int32Array(N + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const nn = n * n;
  let k = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < n; c++) {
        const r = a * nn + b * n + c;
        if (a > 0) {
          colIdx[k] = r - nn;
          values[k++] = -1;
        }
        if (b > 0) {
          colIdx[k] = r - n;
          values[k++] = -1;
        }
        if (c > 0) {
          colIdx[k] = r - 1;
          values[k++] = -1;
        }
        colIdx[k] = r;
        values[k++] = 6;
        if (c < n - 1) {
          colIdx[k] = r + 1;
          values[k++] = -1;
        }
        if (b < n - 1) {
          colIdx[k] = r + n;
          values[k++] = -1;
        }
        if (a < n - 1) {
          colIdx[k] = r + nn;
          values[k++] = -1;
        }
        rowPtr[r + 1] = k;
      }
    }
  }
  return new CsrMatrix(N, N, rowPtr, colIdx, values, { validate: false });
}

/**
 * Upwind convection-diffusion on an n×n (dim 2) or n×n×n (dim 3) grid, Dirichlet boundary, natural
 * ordering: per axis the 1D operator tridiag(−1, 2, −1) plus peclet·h times the upwind difference
 * (1 on the diagonal, −1 on the subdiagonal), h = 1/(n+1), summed over the axes (the Kronecker sum
 * SciPy builds with `kron(I, T) + kron(T, I)`). Nonsymmetric for peclet ≠ 0, structurally symmetric,
 * diagonally dominant: the usual test matrix for sparse LU.
 */
export function convectionDiffusion(
  n: number,
  options: { dim?: 2 | 3; peclet?: number } = {},
): CsrMatrix {
  const o = v.options<{ dim: 2 | 3; peclet: number }>('options', options);
  for (const key of Object.keys(o))
    if (key !== 'dim' && key !== 'peclet')
      throw v.invalid(
        `options.${key}`,
        'no such option (convectionDiffusion takes dim, peclet)',
        key,
      );
  const dim = o.dim ?? 2;
  if (dim !== 2 && dim !== 3) throw v.invalid('options.dim', '2 or 3', dim);
  v.int('n', n, 1, dim === 2 ? 46340 : 1290);
  const peclet = o.peclet ?? 10;
  v.num('options.peclet', peclet);
  const c = peclet / (n + 1);
  const N = dim === 2 ? n * n : n * n * n;
  const strides = dim === 2 ? [n, 1] : [n * n, n, 1];
  const rowPtr = new Int32Array(N + 1);
  const colIdx = new Int32Array((2 * dim + 1) * N);
  const values = new Float64Array((2 * dim + 1) * N);
  let k = 0;
  for (let r = 0; r < N; r++) {
    // grid coordinate along each axis, slowest first
    const lower: number[] = [];
    const upper: number[] = [];
    for (let a = 0; a < dim; a++) {
      const pos = Math.floor(r / strides[a]) % n;
      if (pos > 0) lower.push(a);
      if (pos < n - 1) upper.push(a);
    }
    for (const a of lower) {
      colIdx[k] = r - strides[a];
      values[k++] = -1 - c;
    }
    colIdx[k] = r;
    values[k++] = dim * (2 + c);
    for (let i = upper.length - 1; i >= 0; i--) {
      colIdx[k] = r + strides[upper[i]];
      values[k++] = -1;
    }
    rowPtr[r + 1] = k;
  }
  return new CsrMatrix(N, N, rowPtr, colIdx.slice(0, k), values.slice(0, k), { validate: false });
}

/** Deterministic pseudo-random numbers (mulberry32) for seeded test data and benchmarks. */
export function rng(seed: number): () => number {
  let s = v.int('seed', seed, 0, 2 ** 32 - 1) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
