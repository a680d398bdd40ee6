/**
 * Walkers over weights in any of the forms lessons hold them (a number, a `Float32Array`, a
 * tfjs tensor, or nested arrays of these; see `Weights` in `weights.ts`), shared by the penalty
 * functions and the weight measurements. Each checks every value as it goes, naming the place
 * of a bad one (`weights[1][0]`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkFinite, checkTensor, describe } from "./_validate.ts";

function notWeights(w: unknown, name: string): TypeError {
  return new TypeError(
    `${name} must be numbers, a Float32Array, a tensor or arrays of these, got ${describe(w)}`,
  );
}

/** The values of a tensor, each checked to be finite. */
function finiteData(w: tf.Tensor, name: string): Float32Array | Int32Array | Uint8Array {
  checkTensor(w, name);
  const data = w.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RangeError(`${name} must hold finite numbers, got ${data[i]} at flat index ${i}`);
    }
  }
  return data;
}

/** Calls `f` on every value of `w` (depth first), with the name of the place it sits. */
export function visitWeights(w: unknown, name: string, f: (v: number, at: string) => void): void {
  if (typeof w === "number") {
    f(checkFinite(w, name), name);
  } else if (w instanceof tf.Tensor) {
    for (const v of finiteData(w, name)) f(v, name);
  } else if (w instanceof Float32Array || Array.isArray(w)) {
    for (let i = 0; i < w.length; i++) visitWeights(w[i], `${name}[${i}]`, f);
  } else {
    throw notWeights(w, name);
  }
}

/**
 * `w` with `f` applied to every value: numbers stay numbers, tensors become new float32
 * tensors of the same shape (the caller disposes them), `Float32Array`s become `number[]`.
 */
export function mapWeights(w: unknown, name: string, f: (v: number) => number): unknown {
  if (typeof w === "number") return f(checkFinite(w, name));
  if (w instanceof tf.Tensor) {
    return tf.tensor(Float32Array.from(finiteData(w, name), f), w.shape, "float32");
  }
  if (w instanceof Float32Array || Array.isArray(w)) {
    return Array.from({ length: w.length }, (_, i) => mapWeights(w[i], `${name}[${i}]`, f));
  }
  throw notWeights(w, name);
}

/** Maps two weight structures of the same shape element by element, like {@link mapWeights}. */
export function zipWeights(
  a: unknown,
  b: unknown,
  names: [string, string],
  f: (x: number, y: number) => number,
): unknown {
  const [na, nb] = names;
  if (a instanceof tf.Tensor) {
    if (!(b instanceof tf.Tensor) || b.shape.join() !== a.shape.join()) {
      throw new RangeError(
        `${nb} must have the same shape as ${na} ([${a.shape}]), got ${describe(b)}`,
      );
    }
    const xs = finiteData(a, na), ys = finiteData(b, nb);
    const out = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = f(xs[i], ys[i]);
    return tf.tensor(out, a.shape, "float32");
  }
  if (typeof a === "number") {
    if (typeof b !== "number") {
      throw new RangeError(`${nb} must be a number like ${na}, got ${describe(b)}`);
    }
    return f(checkFinite(a, na), checkFinite(b, nb));
  }
  if (a instanceof Float32Array || Array.isArray(a)) {
    if (!(b instanceof Float32Array || Array.isArray(b)) || b.length !== a.length) {
      throw new RangeError(
        `${nb} must have the same shape as ${na} (${a.length} entries), got ${describe(b)}`,
      );
    }
    return Array.from(
      { length: a.length },
      (_, i) => zipWeights(a[i], b[i], [`${na}[${i}]`, `${nb}[${i}]`], f),
    );
  }
  throw notWeights(a, na);
}
