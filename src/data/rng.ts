// Small, fast, seedable PRNG: xoshiro128** (Blackman & Vigna), state seeded with splitmix32.
// 32-bit arithmetic only (Math.imul), so results are identical on every JS engine.

/** splitmix32 step: a well-mixed 32-bit hash of x. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes several 32-bit words into one seed (order matters). */
export function mixSeeds(...words: number[]): number {
  let h = 0x6a09e667;
  for (const w of words) h = splitmix32((h ^ (w >>> 0)) >>> 0);
  return h;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds from one or more 32-bit words, e.g. new Rng(seed, epoch, sampleIndex). */
  constructor(...seed: number[]) {
    let x = mixSeeds(...(seed.length ? seed : [0]));
    const next = () => (x = splitmix32(x));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** An Rng with the given raw 128-bit state (for reference vectors; not all zero). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 >>> 0;
    r.s1 = s1 >>> 0;
    r.s2 = s2 >>> 0;
    r.s3 = s3 >>> 0;
    return r;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), n <= 2^32, without modulo bias (rejection). */
  nextInt(n: number): number {
    if (!(n > 0 && n <= 4294967296 && Number.isInteger(n))) throw new RangeError(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Shuffles arr in place (Fisher-Yates). */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
