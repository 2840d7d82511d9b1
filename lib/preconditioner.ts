import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { native, NativePreconditioner } from './native';
import { checkOptions } from './options';
import * as v from './validate';

/**
 * The key under which a sparse direct factor (lib/direct.ts: CholeskyFactor, LuFactor) gives its
 * native handle and size, so that it can be a solver's preconditioner (applied natively: x = A⁻¹ r
 * through the factor) without this module importing lib/direct.ts.
 * @internal
 */
export const FACTOR_HANDLE: unique symbol = Symbol('itersolve.factorHandle');

/** A sparse direct factor ({@link CholeskyFactor} or {@link LuFactor}) used as a preconditioner. */
export interface FactorPreconditioner {
  /** @internal */
  readonly [FACTOR_HANDLE]: { handle: unknown; n: number };
}

/** A preconditioner's kind. */
export type PreconditionerKind = 'jacobi' | 'ssor' | 'ic0' | 'ilu0';

/**
 * How a solver is preconditioned:
 * - `'none'` (default), `'jacobi'`, `'ic0'`, `'ilu0'`, `{ type: 'ssor', omega }` (or
 *   `{ type: 'jacobi' }` and so on): built from A for this solve (off the event loop in the
 *   Promise forms);
 * - a {@link Preconditioner} built once and reused across any number of solves;
 * - a sparse direct factor (`cholesky` / `lu`), applied natively: z = A⁻¹ r through the factor;
 * - a function `(r, z) => void` that writes z = M⁻¹ r (called once per application; `r` and `z`
 *   are only valid during the call).
 */
export type PreconditionerSpec =
  | 'none'
  | PreconditionerKind
  | { type: 'none' | 'jacobi' | 'ic0' | 'ilu0' }
  | { type: 'ssor'; omega?: number }
  | Preconditioner
  | FactorPreconditioner
  | ((r: Float64Array, z: Float64Array) => void);

const KINDS = new Set(['jacobi', 'ssor', 'ic0', 'ilu0']);

/**
 * A preconditioner built once from a matrix and applied many times, across solves (also
 * concurrent ones): Jacobi (inverse diagonal), SSOR (symmetric SOR with relaxation ω; CG runs it
 * in Eisenstat's form), IC(0) (incomplete Cholesky without fill, for SPD matrices) or ILU(0)
 * (incomplete LU without fill). It copies what it needs from A. A zero, non-finite or (IC(0))
 * non-positive pivot throws an `ERR_ZERO_PIVOT` error whose message and `row` name the row.
 */
export class Preconditioner {
  /** @internal */
  readonly handle: NativePreconditioner;
  readonly kind: PreconditionerKind;
  /** Number of unknowns. */
  readonly size: number;

  /**
   * The diagonal shift α the factorisation used: IC(0)/ILU(0) of A + α·diag(A) when the
   * factorisation of A itself broke down (Manteuffel's shift); 0 when none was needed and for
   * kinds that never shift.
   */
  get shift(): number {
    return this.handle.shift;
  }

  private constructor(handle: NativePreconditioner) {
    this.handle = handle;
    this.kind = handle.kind as PreconditionerKind;
    this.size = handle.size;
  }

  /** Builds a preconditioner of the given kind (`omega` is SSOR's relaxation, default 1). */
  static create(
    A: CsrMatrix,
    kind: PreconditionerKind,
    options: { omega?: number } = {},
  ): Preconditioner {
    if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
    if (typeof kind !== 'string' || !KINDS.has(kind))
      throw v.invalid('kind', "'jacobi', 'ssor', 'ic0' or 'ilu0'", kind);
    squareCheck(A);
    const { omega } = checkOptions('preconditioner', options, true, A.rows);
    const Ctor = native().NativePreconditioner;
    return new Preconditioner(callNative(() => new Ctor(kind, ...A.args(), omega)));
  }
  static jacobi(A: CsrMatrix): Preconditioner {
    return Preconditioner.create(A, 'jacobi');
  }
  static ssor(A: CsrMatrix, omega = 1): Preconditioner {
    return Preconditioner.create(A, 'ssor', { omega });
  }
  static ic0(A: CsrMatrix): Preconditioner {
    return Preconditioner.create(A, 'ic0');
  }
  static ilu0(A: CsrMatrix): Preconditioner {
    return Preconditioner.create(A, 'ilu0');
  }

  /** z = M⁻¹ r (into `out` when given; `out` may be `r`). */
  apply(r: Float64Array, out?: Float64Array): Float64Array {
    v.f64('r', r, this.size);
    const z = v.outF64('out', out, this.size);
    return callNative(() => this.handle.apply(r, z));
  }
}

function checkOmega(omega: unknown): number {
  const w = v.num('omega', omega);
  if (!(w > 0 && w < 2)) throw v.invalid('omega', 'a number in (0, 2)', omega);
  return w;
}

/** @internal */
export function squareCheck(A: CsrMatrix, name = 'A'): void {
  if (A.rows !== A.cols)
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `${name}: expected a square matrix, received ${A.rows}x${A.cols}`,
      {
        argument: name,
      },
    );
}

/**
 * What the binding takes for a preconditioner: null, a kind string, a built object or a function.
 * @internal
 */
export type NativePrecondArg =
  null | string | NativePreconditioner | ((r: Float64Array, z: Float64Array) => void);

/**
 * Resolves a PreconditionerSpec into the binding's (precond, omega) pair.
 * @internal
 */
export function resolvePreconditioner(
  argument: string,
  spec: unknown,
  n: number,
  allowFunction = true,
): [NativePrecondArg, number] {
  if (spec === undefined || spec === null || spec === 'none') return [null, 1];
  if (typeof spec === 'string') {
    if (KINDS.has(spec)) return [spec, 1];
    throw v.invalid(
      argument,
      "'none', 'jacobi', 'ssor', 'ic0', 'ilu0', { type, omega }, a Preconditioner or a function",
      spec,
    );
  }
  if (spec instanceof Preconditioner) {
    if (spec.size !== n)
      throw v.mismatch(argument, `a preconditioner for ${n} unknowns`, `one for ${spec.size}`);
    return [spec.handle, 1];
  }
  if (typeof spec === 'object' && FACTOR_HANDLE in spec) {
    const f = (spec as FactorPreconditioner)[FACTOR_HANDLE];
    if (f.n !== n) throw v.mismatch(argument, `a factor of ${n} unknowns`, `one of ${f.n}`);
    return [f.handle as NativePrecondArg, 1];
  }
  if (typeof spec === 'function') {
    if (!allowFunction)
      throw v.invalid(
        argument,
        'a kind or a Preconditioner (functions are not supported here)',
        spec,
      );
    return [spec as (r: Float64Array, z: Float64Array) => void, 1];
  }
  if (typeof spec === 'object' && !Array.isArray(spec) && !ArrayBuffer.isView(spec)) {
    const o = spec as { type?: unknown; omega?: unknown };
    if (o.type === 'none') return [null, 1];
    if (typeof o.type === 'string' && KINDS.has(o.type)) {
      if (o.type !== 'ssor' && o.omega !== undefined)
        throw v.invalid(`${argument}.omega`, 'no omega (only SSOR takes one)', o.omega);
      return [o.type, o.omega === undefined ? 1 : checkOmega(o.omega)];
    }
    throw v.invalid(`${argument}.type`, "'none', 'jacobi', 'ssor', 'ic0' or 'ilu0'", o.type);
  }
  throw v.invalid(
    argument,
    "'none', 'jacobi', 'ssor', 'ic0', 'ilu0', { type, omega }, a Preconditioner or a function",
    spec,
  );
}
