// Parameter initialisers: host-side values from a seeded Rng, uploaded once.
import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import { Rng } from './rng.js';

/** Produces the initial values of a parameter of `shape`. */
export type Initializer = (shape: Shape, rng: Rng) => Float32Array;

/** All zeros (the default for biases). */
export const zeros: Initializer = (shape) => new Float32Array(sizeOf(shape));

/** All ones (LayerNorm's gamma). */
export const ones: Initializer = (shape) => new Float32Array(sizeOf(shape)).fill(1);

/** Every element equal to `value`. */
export function constant(value: number): Initializer {
  return (shape) => new Float32Array(sizeOf(shape)).fill(value);
}

/** Normal(mean, std), untruncated; mean defaults to 0. */
export function normal(std: number, mean = 0): Initializer {
  return (shape, rng) => Float32Array.from({ length: sizeOf(shape) }, () => mean + std * rng.normal());
}

/**
 * Normal(mean, std) truncated to mean ± bound·std by resampling, as BERT's
 * tf.truncated_normal_initializer(stddev=0.02) (bound 2).
 */
export function truncatedNormal(std = 0.02, { mean = 0, bound = 2 } = {}): Initializer {
  return (shape, rng) =>
    Float32Array.from({ length: sizeOf(shape) }, () => {
      let z: number;
      do z = rng.normal();
      while (Math.abs(z) > bound);
      return mean + std * z;
    });
}

/** Uniform in [lo, hi). */
export function uniform(lo: number, hi: number): Initializer {
  return (shape, rng) => Float32Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * rng.uniform());
}

/** Glorot/Xavier uniform for a [fanOut, fanIn] (or [fanIn, fanOut]) matrix: U(±sqrt(6 / (fanIn + fanOut))). */
export function xavierUniform(): Initializer {
  return (shape, rng) => {
    const fans = shape.length >= 2 ? shape[shape.length - 1] + shape[shape.length - 2] : 2 * (shape[0] ?? 1);
    const a = Math.sqrt(6 / Math.max(fans, 1));
    return uniform(-a, a)(shape, rng);
  };
}

export { Rng };
