import * as v from '../validate';

/**
 * xoshiro128** (Blackman and Vigna) seeded by splitmix32: a small deterministic generator whose
 * whole state is four 32-bit words, so a tuner can save it and a restored one continues the
 * same stream. Doubles take 53 bits from two outputs.
 * @internal
 */
export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  // The second value of the last polar-method pair (NaN when none is cached).
  private spare = NaN;

  constructor(seed: number) {
    let z = v.int('seed', seed, 0, 2 ** 32 - 1) >>> 0;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the one forbidden state
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal deviate (Marsaglia's polar method; the pair's second value is kept). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    let u: number;
    let w: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      w = 2 * this.next() - 1;
      s = u * u + w * w;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = w * f;
    return u * f;
  }

  /** Gamma(shape, 1) deviate: Marsaglia and Tsang, with the U^(1/a) boost for shape < 1. */
  gamma(shape: number): number {
    if (shape < 1) {
      const g = this.gamma(shape + 1);
      let u = this.next();
      while (u === 0) u = this.next();
      return g * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let y: number;
      do {
        x = this.normal();
        y = 1 + c * x;
      } while (y <= 0);
      y = y * y * y;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * y;
      if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - y + Math.log(y))) return d * y;
    }
  }

  /** Beta(a, b) deviate as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** The whole state (four words and the cached normal), for JSON. */
  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spare];
  }

  /** Restores what {@link state} returned (checked). */
  static fromState(argument: string, state: unknown): Xoshiro128 {
    if (
      !Array.isArray(state) ||
      state.length !== 5 ||
      !state
        .slice(0, 4)
        .every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w < 2 ** 32) ||
      (state[0] | state[1] | state[2] | state[3]) === 0 ||
      !(state[4] === null || typeof state[4] === 'number')
    )
      throw v.invalid(argument, 'four 32-bit words, not all zero, and a cached normal', state);
    const r = new Xoshiro128(0);
    r.s0 = state[0] | 0;
    r.s1 = state[1] | 0;
    r.s2 = state[2] | 0;
    r.s3 = state[3] | 0;
    // JSON turns NaN into null.
    r.spare = state[4] === null ? NaN : (state[4] as number);
    return r;
  }
}
